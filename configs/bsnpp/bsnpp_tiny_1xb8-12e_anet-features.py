# BSN++ on the embedded `anet-features`: BMN's tiny config (bmn_tiny_1xb8-12e_anet-features.py)
# with the complementary boundary generator (nested U-Net, bi-directional), the proposal
# relation block and the scale-balanced re-sampling loss (spec defaults).
_base_ = ['./bmn_tiny_1xb8-12e_anet-features.py']

model = dict(
    type='BSNPP',
    cbg=dict(depth=2, groups=1, deep_supervision=False),
    bidirectional=True,
    boundary_fusion='geometric',
    prb=dict(qk_channels=8),  # 16 at full scale; the tiny BM map has 32 channels
    bm_input='base',
    score_fusion='bmn',
    loss_cls=dict(type='BSNPPLoss', sbr=True, sbr_cls=False,
                  sbr_bins=(0.0, 0.06, 0.12, 0.25, 0.5, 1.0)))
