# Random-wiring baseline in TopoNet's larger search space: toponet-randwire-small-ws_8xb32_in1k.py
# with the WS graphs' weights fixed at 1 and no L1 term (RandWire with unit edge weights).
_base_ = './toponet-randwire-small-ws_8xb32_in1k.py'

model = dict(edge_l1_weight=0.0, backbone=dict(learnable=False))
