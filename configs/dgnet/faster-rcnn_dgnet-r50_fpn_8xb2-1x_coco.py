# DG-Net (arXiv 2010.01097) in mmdet: faster-rcnn_r50_fpn_8xb2-1x_coco.py with the ResNet-50 replaced
# by DG-ResNet-50 (see the base below for its settings and initialisation); same FPN, head and
# schedule.
_base_ = ['./faster-rcnn_r50_fpn_8xb2-1x_coco.py', '../_base_/models/dgnet-r50_mmdet-backbone.py']

model = dict(backbone=_base_.dg_r50_backbone)

custom_hooks = [*_base_.get('custom_hooks', []), dict(type='ConnectivityStatsHook', interval=100)]
