"""DG-ResNeXt: mmpretrain's ResNeXt (grouped-conv ``Bottleneck``) with dynamic-graph stages.

Paper: DG-Net (arXiv 2010.01097). Same graph as :class:`~projects.dgnet.dg_resnet.DGResNet`.
"""
from mmpretrain.models.backbones import ResNeXt
from mmpretrain.registry import MODELS

from .graph_mixin import DynamicGraphMixin, GraphLayerDepthMixin


@MODELS.register_module()
class DGResNeXt(GraphLayerDepthMixin, DynamicGraphMixin, ResNeXt):
    """ResNeXt with dynamic-graph stages.

    Args:
        depth: 50, 101 or 152.
        groups, width_per_group: As mmpretrain ``ResNeXt`` (default 32x4d).
        edge_source, edge_threshold, keep_top1_if_empty, force_edge_weight, aggregate_impl:
            See :class:`~projects.dgnet.graph_mixin.DynamicGraphMixin`.
        **kwargs: Any other mmpretrain ``ResNeXt``/``ResNet`` argument.
    """
