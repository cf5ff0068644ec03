# TopoNet ResNet-50 (arXiv 2008.08261) as an mmdet backbone, for the COCO configs beside
# this folder: mmdet's ResNet-50 settings (4 outputs, stage 1 and BN frozen), taken from
# mmpretrain's registry across scopes; complete graphs with learned edges (alpha = 1 at init).
#
# Initialisation: torchvision's ResNet-50, as mmdet's R-50 configs: the blocks load, the edge
# weights keep their initialisation (the residual network). To start from the ImageNet-trained
# TopoNet instead, point ``checkpoint`` at the last checkpoint of
# ../toponet-resnet50_8xb32_in1k.py with ``prefix='backbone.'``.
custom_imports = dict(imports=['projects.toponet'], allow_failed_imports=False)

topo_r50_backbone = dict(
    type='mmpretrain.TopoResNet',
    depth=50,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    frozen_stages=1,
    norm_cfg=dict(type='BN', requires_grad=False),
    norm_eval=True,
    style='pytorch',
    topology='complete',
    learnable=True,
    init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'))

# the detector's own optimiser, with no weight decay on alpha (L1 only)
topo_paramwise_cfg = dict(custom_keys={'edge_alpha': dict(decay_mult=0.)})
