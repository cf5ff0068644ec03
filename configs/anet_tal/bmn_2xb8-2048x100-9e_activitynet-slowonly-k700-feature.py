# mmaction2's BMN on ActivityNet-1.3 with its SlowOnly-R50 Kinetics-700 features (2048-d, T = 100):
# the second feature set of the challenge pipeline (pipeline_anet-1.3_challenge.py). The
# 400-d generators are configs/bsnpp/{bmn,bsnpp}_2xb8-400x100-9e_activitynet-feature.py.
# Unchanged mmaction2 config except for the evaluators: AR@AN (official proposal file) and
# detection mAP with the CUHK-2017 video-level classifier results (top-2 labels per proposal).
_base_ = 'mmaction::localization/bmn/bmn_2xb8-2048x100-9e_activitynet-slowonly-k700-feature.py'
custom_imports = dict(imports=['projects.anet_tal'], allow_failed_imports=False)

work_dir = None  # the mmaction2 config fixes one; tools/*.py then use work_dirs/<config name>
anet_root = 'data/ActivityNet'
val_evaluator = [
    dict(type='ANetProposalMetric', max_avg_proposals=100, out_file='auto'),
    # cuhk_anet17_pred.json: {"results": {video id: [{"label", "score"}]}}, as mmaction2's
    # tools/analysis_tools/report_map.py reads it; the taxonomy from the official json
    dict(type='ANetDetectionMetric', classes=anet_root + '/activity_net.v1-3.min.json',
         video_scores=anet_root + '/cuhk_anet17_pred.json', topk=2, mode='topk',
         out_file='auto'),
]
test_evaluator = val_evaluator

# mmaction2's pipelines plus a shape check (one line naming the file on a wrong shape)
feature_check = dict(type='CheckLocalizationFeature', feat_dim=2048, temporal_dim=100)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadLocalizationFeature'), feature_check,
    dict(type='GenerateLocalizationLabels'),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ), meta_keys=('video_name', ))]))
val_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadLocalizationFeature'), feature_check,
    dict(type='GenerateLocalizationLabels'),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ),
         meta_keys=('video_name', 'duration_second', 'duration_frame', 'annotations',
                    'feature_frame'))]))
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadLocalizationFeature'), feature_check,
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ),
         meta_keys=('video_name', 'duration_second', 'duration_frame', 'annotations',
                    'feature_frame'))]))
