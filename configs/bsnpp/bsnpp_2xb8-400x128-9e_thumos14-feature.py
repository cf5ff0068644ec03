# BSN++ on THUMOS14 (sliding windows of 128 snippets, stride 64); baseline:
# bmn_2xb8-400x128-9e_thumos14-feature.py. The numpy Soft-NMS is mmaction2's, vectorized.
_base_ = ['./bmn_2xb8-400x128-9e_thumos14-feature.py', '../_base_/models/bsnpp_switches.py']

model = dict(**_base_.bsnpp_model, soft_nms_impl='numpy')
