# BSN++ on the SlowOnly-R50 K700 features (2048-d, T = 100): BMN's recipe and evaluators of
# bmn_2xb8-2048x100-9e_activitynet-slowonly-k700-feature.py with BSN++'s modules (the switches
# of configs/_base_/models/bsnpp_switches.py, as configs/bsnpp's 400-d BSN++ config).
_base_ = ['./bmn_2xb8-2048x100-9e_activitynet-slowonly-k700-feature.py',
          '../_base_/models/bsnpp_switches.py']

model = _base_.bsnpp_model
