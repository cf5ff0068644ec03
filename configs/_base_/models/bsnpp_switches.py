# BSN++ (arXiv 2009.07641) switches at the spec's defaults, shared by the full-scale configs in
# configs/bsnpp/: the model dict below is merged into a BMN config's model (temporal_dim,
# feat_dim, Soft-NMS ... stay BMN's). Every value is BSNPP's default, written out so a config
# shows what can be switched off (see projects/bsnpp/README.md for the tags).
bsnpp_model = dict(
    type='BSNPP',
    cbg=dict(depth=2, groups=1, deep_supervision=False),
    bidirectional=True,
    boundary_fusion='geometric',
    prb=dict(qk_channels=16, chunk_size=1024),
    bm_input='base',
    score_fusion='bmn',
    loss_cls=dict(type='BSNPPLoss', sbr=True, sbr_cls=False,
                  sbr_bins=(0.0, 0.06, 0.12, 0.25, 0.5, 1.0)))
