# ResNet-50 on ImageNet-1k with mmpretrain's own recipe: SGD momentum 0.9, lr 0.1, wd 0.0001,
# MultiStepLR at 30/60/90, 100 epochs, batch 256 (8 GPUs x 32). The baseline of resnet50_8xb32-adarem_in1k.py.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
