# BSN++ on THUMOS14 (sliding windows of 128 snippets, stride 64); baseline:
# bmn_2xb8-400x128-9e_thumos14-feature.py. The numpy Soft-NMS is mmaction2's, vectorized.
_base_ = ['./bmn_2xb8-400x128-9e_thumos14-feature.py']

model = dict(
    type='BSNPP',
    cbg=dict(depth=2, deep_supervision=False),
    bidirectional=True,
    boundary_fusion='geometric',
    prb=dict(qk_channels=16, chunk_size=1024),
    bm_input='base',
    score_fusion='bmn',
    soft_nms_impl='numpy',
    loss_cls=dict(type='BSNPPLoss', sbr=True, sbr_cls=False,
                  sbr_bins=(0.0, 0.06, 0.12, 0.25, 0.5, 1.0)))
