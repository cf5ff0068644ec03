"""DG-Net (arXiv 2010.01097): instance-aware dynamic connectivity for four base networks.

Importing this package registers in mmpretrain's ``MODELS``: ``DGResNet``, ``DGResNet_CIFAR``,
``DGResNeXt``, ``DGRegNet``, ``DGMobileNetV2``, the shared graph pieces of
:mod:`projects.common.graph` (``GraphStage``, ``EdgeRouter``, ``RouterEdgeSource``,
``StaticEdgeSource``) and the ``ConnectivityStatsHook`` (mmengine ``HOOKS``). mmdet configs use
the backbones as ``type='mmpretrain.DGResNet'``.
"""
from projects.common.graph import (EdgeRouter, GraphStage, RouterEdgeSource,
                                   StaticEdgeSource)

from .connectivity_hook import ConnectivityStatsHook
from .dg_mobilenet_v2 import DGMobileNetV2
from .dg_regnet import DGRegNet
from .dg_resnet import DGResNet, DGResNet_CIFAR
from .dg_resnext import DGResNeXt
from .graph_mixin import DEFAULT_EDGE_SOURCE, DynamicGraphMixin, GraphLayerDepthMixin

__all__ = [
    'DGResNet', 'DGResNet_CIFAR', 'DGResNeXt', 'DGRegNet', 'DGMobileNetV2',
    'DynamicGraphMixin', 'GraphLayerDepthMixin', 'DEFAULT_EDGE_SOURCE', 'GraphStage',
    'EdgeRouter', 'RouterEdgeSource', 'StaticEdgeSource', 'ConnectivityStatsHook'
]
