# BMN on view B of `anet-views` (T = 24, 24-d): the second "encoder" of the tiny pipeline.
_base_ = ['./bmn_tiny_1xb8-6e_anet-views-a.py']

view, feat_dim, temporal_dim = 'view_b', 24, 24
model = dict(temporal_dim=temporal_dim, feat_dim=feat_dim)

train_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='CheckLocalizationFeature', feat_dim=feat_dim, temporal_dim=temporal_dim),
    dict(type='GenerateLocalizationLabels'),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ), meta_keys=('video_name', )),
]
test_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='CheckLocalizationFeature', feat_dim=feat_dim, temporal_dim=temporal_dim),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ),
         meta_keys=('video_name', 'duration_second', 'duration_frame', 'annotations',
                    'feature_frame')),
]
train_dataloader = dict(dataset=dict(data_prefix=dict(video=view), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_prefix=dict(video=view), pipeline=test_pipeline))
test_dataloader = val_dataloader
