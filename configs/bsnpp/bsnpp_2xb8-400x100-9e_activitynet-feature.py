# BSN++ on ActivityNet-1.3, 400x100 CUHK two-stream features (the paper's setting), on BMN's
# recipe (Adam 1e-3, wd 1e-4, clip 40, batch 2x8, 9 epochs, x0.1 at epoch 7); the paper's
# schedule is reported as similar (recalled).
_base_ = ['./bmn_2xb8-400x100-9e_activitynet-feature.py', '../_base_/models/bsnpp_switches.py']

model = _base_.bsnpp_model
