# DG-Net (arXiv 2010.01097) on ResNet-101: the baseline's own mmpretrain recipe (resnet101_8xb32_in1k.py
# beside this file), only the stages turned into dynamic graphs with per-sample routers
# (sigmoid, threshold 0.0: the spec's defaults; the paper's threshold was not confirmed).
_base_ = './resnet101_8xb32_in1k.py'

custom_imports = dict(imports=['projects.dgnet'], allow_failed_imports=False)

model = dict(backbone=dict(type='DGResNet', edge_threshold=0.0))

# active-edge share and mean edge weight per stage in the log and TensorBoard
custom_hooks = [*_base_.get("custom_hooks", []), dict(type="ConnectivityStatsHook", interval=100)]
