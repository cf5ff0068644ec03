# mmaction2's BMN on ActivityNet-1.3 with the CUHK two-stream features rescaled to 100
# (400x100), unchanged except for the evaluator: our ANetProposalMetric gives the same AR@AN
# keys as mmaction2's ANetMetric and writes the official proposal file into the run's folder.
# Baseline of bsnpp_2xb8-400x100-9e_activitynet-feature.py.
_base_ = 'mmaction::localization/bmn/bmn_2xb8-400x100-9e_activitynet-feature.py'
custom_imports = dict(imports=['projects.bsnpp'], allow_failed_imports=False)

work_dir = None  # the mmaction2 config fixes one; tools/*.py then use work_dirs/<config name>
val_evaluator = dict(_delete_=True, type='ANetProposalMetric', max_avg_proposals=100,
                     out_file='auto')
test_evaluator = val_evaluator
