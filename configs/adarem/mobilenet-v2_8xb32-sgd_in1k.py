# MobileNetV2 on ImageNet-1k with mmpretrain's own recipe: SGD momentum 0.9, lr 0.045, wd 4e-05,
# StepLR x0.98 per epoch, 300 epochs, batch 256 (8 GPUs x 32). The baseline of mobilenet-v2_8xb32-adarem_in1k.py.
_base_ = 'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
