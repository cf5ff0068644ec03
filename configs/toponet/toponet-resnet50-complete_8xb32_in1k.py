# Complete-graph baseline (TopoNet, arXiv 2008.08261): every edge of every stage, weight fixed
# at 1, nothing learned, no L1 term. Unrolled, this is the residual sum x_k = x_0 + sum F_i; it
# differs from resnet50-residual_8xb32_in1k.py only in where the ReLU sits (at each node's input
# instead of after each add).
_base_ = './toponet-resnet50_8xb32_in1k.py'

model = dict(edge_l1_weight=0.0, backbone=dict(learnable=False))
