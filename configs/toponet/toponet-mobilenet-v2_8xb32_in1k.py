# TopoNet (arXiv 2008.08261) on MobileNetV2 1.0x, learned topology: mmpretrain's own recipe
# (mobilenet-v2-residual_8xb32_in1k.py beside this file), each (t, c, n, s) group with n > 1 a
# complete graph with one learned weight per edge (alpha = 1 at init: exactly MobileNetV2) and
# lambda * sum |alpha| in the loss (lambda 1e-4, the spec's recollection [R]).
_base_ = './mobilenet-v2-residual_8xb32_in1k.py'

custom_imports = dict(imports=['projects.toponet'], allow_failed_imports=False)

model = dict(
    type='TopoImageClassifier',
    edge_l1_weight=1e-4,
    edge_l1_mode='subgradient',
    backbone=dict(type='TopoMobileNetV2', topology='complete', learnable=True,
                  learn_out_edges=True, edge_act='identity', init_value=1.0))

# L1 only on the edges: no weight decay on alpha (else L1 + L2)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'edge_alpha': dict(decay_mult=0.)}))

custom_hooks = [*_base_.get('custom_hooks', []), dict(type='EdgeStatsHook', interval=100)]
