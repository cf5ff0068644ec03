# Tiny CPU config: the digits baseline (configs/baselines/resnet18-tiny_1xb64-10e_digits.py,
# SGD-momentum lr 0.1) trained with AdaRem instead; same model, data, schedule and seed.
# lr 0.8 was chosen once by the sweep of benchmarks/adarem_bench.py (projects/adarem/README.md):
# without momentum, AdaRem needs a larger lr than SGD-momentum's 0.1-0.2 on this task.
_base_ = '../baselines/resnet18-tiny_1xb64-10e_digits.py'

custom_imports = dict(imports=['projects.adarem'], allow_failed_imports=False)

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdaRem', lr=0.8, beta=0.9, lam=0.999,
                   weight_decay=5e-4))
