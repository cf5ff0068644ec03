# Residual baseline of the TopoNet MobileNetV2 configs: mmpretrain's own MobileNetV2 1.0x recipe,
# unchanged, with TensorBoard.
_base_ = 'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
