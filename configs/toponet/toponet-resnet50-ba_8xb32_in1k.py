# Random-wiring baseline (TopoNet, arXiv 2008.08261; RandWire's generators from networkx):
# each stage's edges are a random BA graph over its blocks (see projects/toponet/topology.py
# for the parameters and how the graph is laid onto the stage), weight fixed at 1, no L1 term.
_base_ = './toponet-resnet50_8xb32_in1k.py'

model = dict(edge_l1_weight=0.0,
             backbone=dict(topology='ba', topology_cfg=dict(seed=0), learnable=False))
