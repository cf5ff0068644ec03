# mmaction2's BMN on the embedded `anet-features` (T = 32, 16-d), scaled down for one CPU core:
# hidden dims 64/32/64 and 16 BM samples instead of 256/128/512 and 32. Baseline of
# bsnpp_tiny_1xb8-12e_anet-features.py (same data, schedule and evaluation).
_base_ = [
    '../_base_/default_runtime_mmaction.py',
    '../_base_/datasets/anet_features_bs8.py',
]
custom_imports = dict(imports=['projects.bsnpp'], allow_failed_imports=False)

model = dict(
    type='BMN',
    temporal_dim=32,
    boundary_ratio=0.5,
    num_samples=16,
    num_samples_per_bin=3,
    feat_dim=16,
    soft_nms_alpha=0.4,
    soft_nms_low_threshold=0.5,
    soft_nms_high_threshold=0.9,
    post_process_top_k=100,
    hidden_dim_1d=64,
    hidden_dim_2d=32,
    hidden_dim_3d=64)

# the base pipelines plus a shape check: a feature csv of the wrong shape fails with one line
# naming the file, the expected (16, 32) and the found shape
train_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='CheckLocalizationFeature', feat_dim=16, temporal_dim=32),
    dict(type='GenerateLocalizationLabels'),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ), meta_keys=('video_name', )),
]
test_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='CheckLocalizationFeature', feat_dim=16, temporal_dim=32),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ),
         meta_keys=('video_name', 'duration_second', 'duration_frame', 'annotations',
                    'feature_frame')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

max_epochs = 12
# validate at epochs 4, 8 and 12 so that the demo draws metric curves (validation does not
# change training: tools/train.py restores the random state after it, projects/common/val_rng.py)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1,
                 val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# BMN's recipe (Adam 1e-3, wd 1e-4, clip 40, x0.1 late in training)
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=0.001, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[10], gamma=0.1)
]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=max_epochs, max_keep_ckpts=1,
                    save_last=True, save_best=None))
randomness = dict(seed=0, deterministic=False)
