"""Graph stages shared by DG-Net (per-sample router weights) and TopoNet (learned edge weights).

Registered in mmpretrain's ``MODELS``: ``GraphStage``, ``EdgeRouter``, ``RouterEdgeSource``,
``StaticEdgeSource``. Importing this subpackage needs mmpretrain; ``projects.common`` itself
does not import it.
"""
from .aggregate import AGGREGATE_IMPLS, DynamicAggregate, aggregate, weighted_sum
from .edge_router import EdgeRouter, RouterEdgeSource
from .edge_source import EdgeSource, StaticEdgeSource
from .graph_stage import GraphStage, complete_dag_mask, live_nodes
from .nodes import (NODE_TYPE_REGISTRY, NodeType, block_body, block_shortcut,
                    register_node_body, register_node_type)

__all__ = [
    'AGGREGATE_IMPLS', 'DynamicAggregate', 'aggregate', 'weighted_sum', 'EdgeRouter',
    'RouterEdgeSource', 'EdgeSource', 'StaticEdgeSource', 'GraphStage', 'complete_dag_mask', 'live_nodes',
    'block_body',
    'block_shortcut', 'NODE_TYPE_REGISTRY', 'NodeType', 'register_node_body', 'register_node_type'
]
