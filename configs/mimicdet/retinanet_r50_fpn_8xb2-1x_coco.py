# RetinaNet baseline beside mimicdet_r50_fpn_8xb2-1x_coco.py: same backbone, data and schedule
# (mmdet's retinanet_r50_fpn_1x_coco with lr 0.01 for 16 images, as in the mmdet zoo: 36.5 AP).
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'
