# Static baseline of dgnet-regnetx-4.0gf_8xb64_in1k.py: mmpretrain's own recipe, unchanged, with TensorBoard.
_base_ = 'mmpretrain::regnet/regnetx-4.0gf_8xb64_in1k.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
