"""TopoNet (arXiv 2008.08261): learned connectivity with an L1 sparsity constraint.

Importing this package registers in mmpretrain's ``MODELS``: ``TopoResNet``,
``TopoResNet_CIFAR``, ``TopoResNeXt``, ``TopoMobileNetV2``, ``TopoRandWire`` and
``TopoImageClassifier``; in mmdet's ``MODELS`` (when mmdet is installed) ``TopoL1Detector``; in
mmengine's ``HOOKS`` the ``EdgeStatsHook``. The graph stage is :mod:`projects.common.graph`'s,
shared with DG-Net. mmdet configs use the backbones as ``type='mmpretrain.TopoResNet'``.
"""
from .edge_l1 import L1_MODES, EdgeL1Mixin, TopoImageClassifier, with_edge_l1
from .edge_stats_hook import EdgeStatsHook, relative_strength, topo_stages
from .randwire import TopoRandWire, TripletNode
from .errors import TopoConfigError
from .topo_mixin import TopoGraphMixin
from .topo_mobilenet_v2 import TopoMobileNetV2
from .topo_resnet import TopoResNet, TopoResNet_CIFAR, TopoResNeXt
from .topology import TOPOLOGIES, stage_edge_mask

__all__ = [
    'TopoResNet', 'TopoResNet_CIFAR', 'TopoResNeXt', 'TopoMobileNetV2', 'TopoRandWire',
    'TripletNode', 'TopoGraphMixin', 'TopoConfigError', 'TopoImageClassifier', 'EdgeL1Mixin',
    'with_edge_l1',
    'L1_MODES', 'EdgeStatsHook', 'relative_strength', 'topo_stages', 'TOPOLOGIES',
    'stage_edge_mask'
]
