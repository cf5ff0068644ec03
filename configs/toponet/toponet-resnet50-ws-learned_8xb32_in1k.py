# TopoNet (arXiv 2008.08261) with a random WS graph as the initial edge set: the edges of
# toponet-resnet50-ws_8xb32_in1k.py, their weights learned with the L1 term.
_base_ = './toponet-resnet50_8xb32_in1k.py'

model = dict(backbone=dict(topology='ws', topology_cfg=dict(seed=0)))
