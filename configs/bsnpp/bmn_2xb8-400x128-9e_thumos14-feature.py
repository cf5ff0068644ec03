# BMN on THUMOS14 two-stream snippet features (400-d, not rescaled) with sliding windows of
# 128 snippets, stride 64 (BMN practice, recalled). Train on the validation videos, test on
# the test videos; windows are merged and Soft-NMSed per video by ThumosProposalMetric
# (AR@50/100/200/500/1000). Annotation files: mmaction2's format with optional num_snippets.
_base_ = ['../_base_/default_runtime_mmaction.py']
custom_imports = dict(imports=['projects.bsnpp'], allow_failed_imports=False)

window = 128
model = dict(
    type='BMN',
    temporal_dim=window,
    boundary_ratio=0.5,
    num_samples=32,
    num_samples_per_bin=3,
    feat_dim=400,
    soft_nms_alpha=0.4,
    soft_nms_low_threshold=0.5,
    soft_nms_high_threshold=0.9,
    post_process_top_k=200)  # per window (our choice); 1000 per video after merging

dataset_type = 'Thumos14WindowDataset'
data_root = 'data/thumos14'
train_pipeline = [
    dict(type='LoadWindowFeature', feat_dim=400),  # a csv of another width: one-line error
    dict(type='GenerateLocalizationLabels'),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ), meta_keys=('video_name', )),
]
test_pipeline = [
    dict(type='LoadWindowFeature', feat_dim=400),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ),
         meta_keys=('video_name', 'duration_second', 'duration_frame', 'feature_frame',
                    'annotations', 'video_annotations', 'window_offset_second')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=True),
    drop_last=True,
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='thumos14_val.json',
                 data_prefix=dict(video='features'), window_size=window, window_stride=64,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='thumos14_test.json',
                 data_prefix=dict(video='features'), window_size=window, window_stride=64,
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='ThumosProposalMetric', nums=(50, 100, 200, 500, 1000), top_k=1000,
                     soft_nms=dict(alpha=0.4, low_threshold=0.5, high_threshold=0.9),
                     out_file='auto')
test_evaluator = val_evaluator

max_epochs = 9
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=0.001, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[7], gamma=0.1)
]
