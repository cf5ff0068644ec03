# Static baseline of retinanet_toponet-r50_fpn_8xb2-1x_coco.py: mmdet's RetinaNet R-50 FPN 1x, unchanged.
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
