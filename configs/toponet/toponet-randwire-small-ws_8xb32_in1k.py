# TopoNet's larger search space (arXiv 2008.08261): RandWire's small regime (C=78, N=32 nodes per
# stage, WS(k=4, p=0.75) initial graphs from networkx; RandWire's values, recalled [R]) with one
# learned weight per edge and lambda * sum |alpha|. The recipe is mmpretrain's ResNet-50 one
# (SGD 0.1, 100 epochs), not RandWire's (which used label smoothing and a cosine schedule over
# 250 epochs [R]); our choice, for a side-by-side with the ResNet configs.
_base_ = './resnet50-residual_8xb32_in1k.py'

custom_imports = dict(imports=['projects.toponet'], allow_failed_imports=False)

model = dict(
    type='TopoImageClassifier',
    edge_l1_weight=1e-4,
    backbone=dict(_delete_=True, type='TopoRandWire', regime='small', channels=78,
                  num_nodes=32, topology='ws', topology_cfg=dict(k=4, p=0.75, seed=0),
                  learnable=True),
    head=dict(in_channels=1280))

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'edge_alpha': dict(decay_mult=0.)}))

custom_hooks = [*_base_.get('custom_hooks', []), dict(type='EdgeStatsHook', interval=100)]
