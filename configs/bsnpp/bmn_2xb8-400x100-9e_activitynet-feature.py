# mmaction2's BMN on ActivityNet-1.3 with the CUHK two-stream features rescaled to 100
# (400x100), unchanged except for the evaluator: our ANetProposalMetric gives the same AR@AN
# keys as mmaction2's ANetMetric and writes the official proposal file into the run's folder.
# Baseline of bsnpp_2xb8-400x100-9e_activitynet-feature.py.
_base_ = 'mmaction::localization/bmn/bmn_2xb8-400x100-9e_activitynet-feature.py'
custom_imports = dict(imports=['projects.bsnpp'], allow_failed_imports=False)

work_dir = None  # the mmaction2 config fixes one; tools/*.py then use work_dirs/<config name>
val_evaluator = dict(_delete_=True, type='ANetProposalMetric', max_avg_proposals=100,
                     out_file='auto')
test_evaluator = val_evaluator

# mmaction2's pipelines plus a shape check: a feature csv of the wrong shape fails with one
# line naming the file, the expected (400, 100) and the found shape
feature_check = dict(type='CheckLocalizationFeature', feat_dim=400, temporal_dim=100)
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
