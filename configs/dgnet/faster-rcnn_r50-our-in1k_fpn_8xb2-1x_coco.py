# Like-for-like partner of faster-rcnn_dgnet-r50_fpn_8xb2-1x_coco.py: the static ResNet-50 starts from our
# ImageNet run of resnet50_8xb32_in1k.py (mmpretrain's recipe, the same data and epochs as the
# DG-ResNet-50 checkpoint the DG detector starts from) instead of torchvision's weights, so the
# two detectors differ only in the graph. Train resnet50_8xb32_in1k.py first.
_base_ = './faster-rcnn_r50_fpn_8xb2-1x_coco.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/resnet50_8xb32_in1k/epoch_100.pth',
            prefix='backbone.')))
