# Embedded `anet-features` temporal feature set (tools/data/anet_features.py): ActivityNet
# format (mmaction2's ActivityNetDataset), T = 32 rescaled rows of 16-d features per video,
# 200 train / 50 val videos. Generated on first use by tools/train.py and tools/test.py.
dataset_type = 'ActivityNetDataset'
data_root = 'data/anet-features'

train_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='GenerateLocalizationLabels'),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ), meta_keys=('video_name', )),
]
test_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ),
         meta_keys=('video_name', 'duration_second', 'duration_frame', 'annotations',
                    'feature_frame')),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    drop_last=True,
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='anet_anno_train.json',
                 data_prefix=dict(video='features'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='anet_anno_val.json',
                 data_prefix=dict(video='features'), pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

# AR@AN (auc, AR@1/5/10/100); the proposals are written in the official ActivityNet result
# format to <work_dir>/<timestamp>/proposals.json
val_evaluator = dict(type='ANetProposalMetric', max_avg_proposals=100, out_file='auto')
test_evaluator = val_evaluator
