# Static baseline of dgnet-resnext50-32x4d_8xb32_in1k.py: mmpretrain's own recipe, unchanged, with TensorBoard.
_base_ = 'mmpretrain::resnext/resnext50-32x4d_8xb32_in1k.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
