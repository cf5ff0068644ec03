# DG-ResNet-50 (DG-Net, arXiv 2010.01097) as an mmdet backbone, for the COCO configs in
# configs/dgnet/: mmdet's ResNet-50 settings (4 outputs, stage 1 and BN frozen), taken from
# mmpretrain's registry across scopes. The router's pooling runs over the whole image feature
# (recalled from the paper).
#
# Initialisation: the ImageNet-trained DG-ResNet-50 of dgnet-resnet50_8xb32_in1k.py (train it
# first; its last checkpoint is the path below). To start from torchvision's static ResNet-50
# instead, set checkpoint='torchvision://resnet50' and prefix=None: the blocks load, the routers
# keep their initialisation (the loader lists them as missing keys).
custom_imports = dict(imports=['projects.dgnet'], allow_failed_imports=False)

dg_r50_backbone = dict(
    _delete_=True,
    type='mmpretrain.DGResNet',
    depth=50,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    frozen_stages=1,
    norm_cfg=dict(type='BN', requires_grad=False),
    norm_eval=True,
    style='pytorch',
    edge_threshold=0.0,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/dgnet-resnet50_8xb32_in1k/epoch_100.pth',
        prefix='backbone.'))
