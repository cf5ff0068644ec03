# DG-Net on the embedded `digits` data: the static baseline
# ../baselines/resnet18-tiny_1xb64-10e_digits.py (CIFAR-style ResNet-18 at 1/4 width, 10 epochs
# SGD cosine) with its four stages as dynamic graphs. Same data, schedule and seed.
_base_ = '../baselines/resnet18-tiny_1xb64-10e_digits.py'

custom_imports = dict(imports=['projects.dgnet'], allow_failed_imports=False)

model = dict(backbone=dict(type='DGResNet_CIFAR', edge_threshold=0.0))

custom_hooks = [dict(type='ConnectivityStatsHook', interval=10)]
