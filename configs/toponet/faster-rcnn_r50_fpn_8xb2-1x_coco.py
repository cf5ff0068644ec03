# Static baseline of faster-rcnn_toponet-r50_fpn_8xb2-1x_coco.py: mmdet's Faster R-CNN R-50 FPN 1x, unchanged.
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
