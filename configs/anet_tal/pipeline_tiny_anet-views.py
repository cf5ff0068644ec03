# The tiny ActivityNet-2020 pipeline on the embedded `anet-views` data, run by
#   python tools/anet_tal.py configs/anet_tal/pipeline_tiny_anet-views.py
# Two synthetic "encoders" (view A: 16-d, T = 32; view B: 24-d, T = 24), BMN and BSN++ on each
# (trained here, 6 epochs each), a map_mean ensemble resampled to T = 32 (proposal_union for
# comparison), the tiny video-level classifier of both views (averaged), top-2 labels.
work_dir = 'work_dirs/anet_tal_tiny'
gt_file = 'data/anet-views/anet_anno_val.json'
classes = 'data/anet-views/classes.txt'
extract = None  # the features are embedded; see pipeline_anet-1.3_challenge.py for videos

custom_imports = dict(imports=['projects.anet_tal'], allow_failed_imports=False)
default_scope = 'mmaction'

# stage 2's model; its members are the generators (no checkpoint: trained by the pipeline)
model = dict(
    type='EnsembleLocalizer',
    members=[
        dict(name='BMN/view_a', config='configs/anet_tal/bmn_tiny_1xb8-6e_anet-views-a.py',
             checkpoint=None),
        dict(name='BSN++/view_a', config='configs/anet_tal/bsnpp_tiny_1xb8-6e_anet-views-a.py',
             checkpoint=None),
        dict(name='BMN/view_b', config='configs/anet_tal/bmn_tiny_1xb8-6e_anet-views-b.py',
             checkpoint=None),
        dict(name='BSN++/view_b', config='configs/anet_tal/bsnpp_tiny_1xb8-6e_anet-views-b.py',
             checkpoint=None),
    ],
    rule='map_mean',
    temporal_dim=32,  # the views disagree on T (32 vs 24): resample every member's maps to 32
    weights=None)  # equal weights
compare_rules = ['proposal_union']  # also evaluated in stage 2
classify = dict(
    video_scores=['data/anet-views/classifier/view_a_val.pkl',
                  'data/anet-views/classifier/view_b_val.pkl'],
    weights=None, topk=2, mode='topk', max_per_video=100)
evaluate = dict(unknown_label='error', out_file='detections.json')
