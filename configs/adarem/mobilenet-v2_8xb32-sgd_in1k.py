# MobileNetV2 on ImageNet-1k with mmpretrain's recipe: SGD momentum 0.9, lr 0.045, wd 4e-05,
# StepLR x0.98 per epoch, 300 epochs, batch 256 (8 GPUs x 32), plus
# AdaRem's paramwise_cfg (no weight decay on norm layers and biases), so that the optimizer is
# the only difference from the baseline of mobilenet-v2_8xb32-adarem_in1k.py.
_base_ = 'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'

optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
