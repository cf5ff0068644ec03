# Tiny CPU config: the digits baseline (configs/baselines/resnet18-tiny_1xb64-10e_digits.py,
# SGD-momentum lr 0.1) trained with AdaRem instead; same model, data, schedule and seed.
# lr 0.8 was chosen by an earlier 10-epoch sweep; the 4-epoch equal-budget search of
# benchmarks/adarem_bench.py selects 1.6 (projects/adarem/README.md). Without momentum, AdaRem
# needs a larger lr than the baseline's SGD-momentum 0.1.
_base_ = '../baselines/resnet18-tiny_1xb64-10e_digits.py'

custom_imports = dict(imports=['projects.adarem'], allow_failed_imports=False)

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdaRem', lr=0.8, beta=0.9, lam=0.999,
                   weight_decay=5e-4))
