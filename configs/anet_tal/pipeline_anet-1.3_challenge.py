# The ActivityNet Challenge 2020 setting on ActivityNet-1.3 (arXiv 2007.09883; our reading of
# its abstract, see projects/anet_tal/README.md), run by
#   python tools/anet_tal.py configs/anet_tal/pipeline_anet-1.3_challenge.py
# Two feature sets (CUHK two-stream 400-d `csv_mean_100`, mmaction2 SlowOnly-R50 K700 2048-d,
# both T = 100), BMN and BSN++ on each (trained by tools/train.py unless a checkpoint is
# given), map_mean ensemble of the four (proposal_union for comparison), the CUHK-2017
# video-level classifier results, top-2 labels per proposal, evaluated on the validation set.
# Data layout (mmaction2's tools/data/activitynet): data/ActivityNet/{anet_anno_val.json,
# activity_net.v1-3.min.json, cuhk_anet17_pred.json, activitynet_feature_cuhk/csv_mean_100/,
# k700slowonly/}.
work_dir = 'work_dirs/anet_tal_challenge'
gt_file = 'data/ActivityNet/anet_anno_val.json'
classes = 'data/ActivityNet/activity_net.v1-3.min.json'  # the 200 leaf classes, by name

# Stage 0, optional: features of raw videos with any recognizer, e.g.
# extract = dict(config='<recognizer config>', checkpoint='<ckpt>',
#                videos='data/ActivityNet/videos', out_dir='data/ActivityNet/my_features',
#                temporal_dim=100, interval=16, clip_len=16, feature='pool')
# and a generator config whose data_prefix.video is that out_dir.
extract = None

custom_imports = dict(imports=['projects.anet_tal'], allow_failed_imports=False)
default_scope = 'mmaction'

# stage 2's model; its members are the generators (checkpoint=None: trained by the pipeline
# with tools/train.py; give a path to load one instead)
model = dict(
    type='EnsembleLocalizer',
    members=[
        dict(name='BMN/two-stream-400',
             config='configs/bsnpp/bmn_2xb8-400x100-9e_activitynet-feature.py', checkpoint=None),
        dict(name='BSN++/two-stream-400',
             config='configs/bsnpp/bsnpp_2xb8-400x100-9e_activitynet-feature.py',
             checkpoint=None),
        dict(name='BMN/slowonly-2048',
             config='configs/anet_tal/bmn_2xb8-2048x100-9e_activitynet-slowonly-k700-feature.py',
             checkpoint=None),
        dict(name='BSN++/slowonly-2048',
             config='configs/anet_tal/bsnpp_2xb8-2048x100-9e_activitynet-slowonly-k700-feature.py',
             checkpoint=None),
    ],
    rule='map_mean',
    temporal_dim=None,  # every member has T = 100: no resampling
    weights=None)  # equal weights (our choice)
compare_rules = ['proposal_union']  # also evaluated in stage 2
classify = dict(
    video_scores=['data/ActivityNet/cuhk_anet17_pred.json'],  # add more recognizers' dumps
    weights=None, topk=2, mode='topk', max_per_video=100)
evaluate = dict(unknown_label='error', out_file='detections.json')
