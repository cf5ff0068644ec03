# Complete-graph baseline (TopoNet, arXiv 2008.08261) on MobileNetV2: every edge fixed at 1,
# nothing learned. MobileNetV2 has no activation between blocks, so this network equals
# mobilenet-v2-residual_8xb32_in1k.py exactly (tested); kept for the side-by-side table.
_base_ = './toponet-mobilenet-v2_8xb32_in1k.py'

model = dict(edge_l1_weight=0.0, backbone=dict(learnable=False))
