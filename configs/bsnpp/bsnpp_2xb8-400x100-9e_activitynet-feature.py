# BSN++ on ActivityNet-1.3, 400x100 CUHK two-stream features (the paper's setting), on BMN's
# recipe (Adam 1e-3, wd 1e-4, clip 40, batch 2x8, 9 epochs, x0.1 at epoch 7); the paper's
# schedule is reported as similar (recalled).
_base_ = ['./bmn_2xb8-400x100-9e_activitynet-feature.py']

model = dict(
    type='BSNPP',
    cbg=dict(depth=2, deep_supervision=False),
    bidirectional=True,
    boundary_fusion='geometric',
    prb=dict(qk_channels=16, chunk_size=1024),
    bm_input='base',
    score_fusion='bmn',
    loss_cls=dict(type='BSNPPLoss', sbr=True, sbr_cls=False,
                  sbr_bins=(0.0, 0.06, 0.12, 0.25, 0.5, 1.0)))
