# Random-wiring baseline (TopoNet, arXiv 2008.08261; RandWire's generators from networkx) on
# MobileNetV2: each group's edges a random ER graph over its blocks, weight fixed at 1.
_base_ = './toponet-mobilenet-v2_8xb32_in1k.py'

model = dict(edge_l1_weight=0.0,
             backbone=dict(topology='er', topology_cfg=dict(seed=0), learnable=False))
