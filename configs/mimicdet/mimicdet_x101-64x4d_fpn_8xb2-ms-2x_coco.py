# MimicDet, ResNeXt-101 64x4d FPN, COCO, 2x multi-scale: the paper's headline setting
# (paper: 46.1 AP on COCO test-dev, not reproduced here). Schedule details are ours [D].
_base_ = './mimicdet_r101_fpn_8xb2-ms-2x_coco.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNeXt',
        depth=101,
        groups=64,
        base_width=4,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnext101_64x4d')))
