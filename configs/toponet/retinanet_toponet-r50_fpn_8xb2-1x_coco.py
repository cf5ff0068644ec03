# TopoNet (arXiv 2008.08261) in mmdet: retinanet_r50_fpn_8xb2-1x_coco.py with the ResNet-50
# replaced by TopoNet's (learned edge weights, see the base below) and lambda * sum |alpha|
# added to the detection loss ("task-related topology"); same FPN, head and schedule.
_base_ = ['./retinanet_r50_fpn_8xb2-1x_coco.py', './_base_/toponet-r50_mmdet-backbone.py']

detector = _base_.model
detector.backbone = _base_.topo_r50_backbone
model = dict(_delete_=True, type='TopoL1Detector', detector=detector, edge_l1_weight=1e-4,
             edge_l1_mode='subgradient')

optim_wrapper = dict(paramwise_cfg=_base_.topo_paramwise_cfg)
custom_hooks = [*_base_.get('custom_hooks', []), dict(type='EdgeStatsHook', interval=100)]
