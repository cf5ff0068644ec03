# Static baseline of dgnet-mobilenet-v2_8xb32_in1k.py: mmpretrain's own recipe, unchanged, with TensorBoard.
_base_ = 'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
