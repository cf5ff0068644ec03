# Static baseline of dgnet-regnetx-400mf_8xb128_in1k.py: mmpretrain's own recipe, unchanged, with TensorBoard.
_base_ = 'mmpretrain::regnet/regnetx-400mf_8xb128_in1k.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
