# ResNet-18 on ImageNet-1k, Adam baseline: the recipe of resnet18_8xb32-sgd_in1k.py with Adam
# (lr 1e-3, the usual Adam scale; L2 weight decay 0.0001) in place of SGD, and
# AdaRem's paramwise_cfg (no weight decay on norm layers and biases). Our choice of baseline
# setting: the AdaRem paper compares with Adam-family methods but its settings are unverified.
_base_ = 'mmpretrain::resnet/resnet18_8xb32_in1k.py'

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0001),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
