# Tiny evolutionary search on the tiny 4-bit digits supernet under a FP-MACs budget (population
# 8, 2 generations instead of OFA's 100 / 500); fitness = val top-1 after BN re-calibration on
# 500 train images [D: the tiny set has no separate held-out split]. Writes pareto_4bit.json/png.
_base_ = ['./_base_/oqa-mbv3-tiny_digits.py']
load_from = 'work_dirs/oqa-mbv3-tiny_4bit-supernet_1xb64-2e_digits/epoch_2.pth'
custom_hooks = []
train_cfg = dict(
    _delete_=True,
    type='OQAEvolutionSearchLoop',
    constraint=dict(metric='flops', max=0.3e6),
    population=8, generations=2, parent_ratio=0.25, mutation_ratio=0.5,
    mutate_prob=0.1, resolution_mutate_prob=0.5, calib_images=500, seed=0)
train_dataloader = dict(batch_size=100)
