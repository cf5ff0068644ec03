# ResNet-18 on ImageNet-1k with mmpretrain's recipe: SGD momentum 0.9, lr 0.1, wd 0.0001,
# MultiStepLR at 30/60/90, 100 epochs, batch 256 (8 GPUs x 32), plus
# AdaRem's paramwise_cfg (no weight decay on norm layers and biases), so that the optimizer is
# the only difference from the baseline of resnet18_8xb32-adarem_in1k.py.
_base_ = 'mmpretrain::resnet/resnet18_8xb32_in1k.py'

optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
