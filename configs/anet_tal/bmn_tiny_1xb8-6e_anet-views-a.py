# mmaction2's BMN on view A of the embedded `anet-views` data (T = 32, 16-d): one generator of
# the tiny ActivityNet-2020 pipeline (configs/anet_tal/pipeline_tiny_anet-views.py). BMN's tiny
# config of configs/bsnpp with half its hidden widths and 6 epochs, so that the pipeline's four
# generators train in a few CPU minutes.
_base_ = ['../bsnpp/bmn_tiny_1xb8-12e_anet-features.py']
custom_imports = dict(imports=['projects.anet_tal'], allow_failed_imports=False)

view, feat_dim, temporal_dim = 'view_a', 16, 32
data_root = 'data/anet-views'

model = dict(temporal_dim=temporal_dim, feat_dim=feat_dim, num_samples=8,
             hidden_dim_1d=32, hidden_dim_2d=16, hidden_dim_3d=32)

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
train_dataloader = dict(dataset=dict(data_root=data_root, data_prefix=dict(video=view),
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, data_prefix=dict(video=view),
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader

# AR@AN of the proposals, and detection mAP with the tiny video-level classifier (both views'
# scores averaged, top-2 labels per proposal); both result files are official ActivityNet json
val_evaluator = [
    dict(type='ANetProposalMetric', max_avg_proposals=100, out_file='auto'),
    dict(type='ANetDetectionMetric', classes=data_root + '/classes.txt',
         video_scores=[data_root + '/classifier/view_a_val.pkl',
                       data_root + '/classifier/view_b_val.pkl'],
         topk=2, mode='topk', out_file='auto'),
]
test_evaluator = val_evaluator

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[5], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
