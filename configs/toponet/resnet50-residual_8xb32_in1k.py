# Residual baseline of the TopoNet ResNet-50 configs: mmpretrain's own ResNet-50 recipe, unchanged
# (the real ResNet-v1: post-add ReLU), with TensorBoard.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
