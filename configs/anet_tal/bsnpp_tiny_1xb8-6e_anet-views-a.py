# BSN++ on view A of `anet-views`: BMN's tiny pipeline config
# (bmn_tiny_1xb8-6e_anet-views-a.py) with BSN++'s complementary boundary generator, proposal
# relation block and scale-balanced re-sampling (the defaults of configs/bsnpp).
_base_ = ['./bmn_tiny_1xb8-6e_anet-views-a.py']

model = dict(
    type='BSNPP',
    cbg=dict(depth=2, groups=1, deep_supervision=False),
    bidirectional=True,
    boundary_fusion='geometric',
    prb=dict(qk_channels=4),  # the tiny BM map has 16 channels
    bm_input='base',
    score_fusion='bmn',
    soft_nms_impl='numpy',
    loss_cls=dict(type='BSNPPLoss', sbr=True, sbr_cls=False,
                  sbr_bins=(0.0, 0.06, 0.12, 0.25, 0.5, 1.0)))
