# Jester (27 gestures) as mmaction2's tools/data/jester prepares it: rawframes
# data/jester/rawframes/<id>/{:05}.jpg with the list files data/jester/jester_{train,val}_list_rawframes.txt.
# Pipeline and schedule of mmaction2's SSv2 TSM-R50 recipe; no flip (left/right swipes are
# different classes). Shared by the Jester teacher and distillation configs.
_base_ = ['mmaction::recognition/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv2-rgb.py']

model = dict(cls_head=dict(num_classes=27))
dataset_type = 'RawframeDataset'
data_root = 'data/jester/rawframes'
ann_file_train = 'data/jester/jester_train_list_rawframes.txt'
ann_file_val = 'data/jester/jester_val_list_rawframes.txt'
train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(
    type=dataset_type, ann_file=ann_file_train, data_prefix=dict(_delete_=True, img=data_root),
    filename_tmpl='{:05}.jpg', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    type=dataset_type, ann_file=ann_file_val, data_prefix=dict(_delete_=True, img=data_root),
    filename_tmpl='{:05}.jpg', pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(dataset=dict(
    type=dataset_type, ann_file=ann_file_val, data_prefix=dict(_delete_=True, img=data_root),
    filename_tmpl='{:05}.jpg', pipeline=test_pipeline, test_mode=True))
