# RetinaNet baseline beside mimicdet_x101-64x4d_fpn_8xb2-ms-2x_coco.py: ResNeXt-101 64x4d, 2x,
# the same multi-scale training pipeline (shorter side 640-800).
_base_ = 'mmdet::retinanet/retinanet_x101-64x4d_fpn_2x_coco.py'

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736), (1333, 768), (1333, 800)],
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
