"""DG-RegNet: mmpretrain's RegNetX with dynamic-graph stages.

Paper: DG-Net (arXiv 2010.01097). The stages come from mmpretrain's own width generator
(``RegNet.generate_regnet`` / ``get_stages_from_blocks``); the nodes are its grouped
``Bottleneck`` blocks (expansion 1).
"""
from mmpretrain.models.backbones import RegNet
from mmpretrain.registry import MODELS

from .graph_mixin import DynamicGraphMixin, GraphLayerDepthMixin


@MODELS.register_module()
class DGRegNet(GraphLayerDepthMixin, DynamicGraphMixin, RegNet):
    """RegNetX with dynamic-graph stages.

    Args:
        arch: A mmpretrain RegNet arch name (``'regnetx_400mf'`` ...) or dict.
        edge_source, edge_threshold, keep_top1_if_empty, force_edge_weight, aggregate_impl:
            See :class:`~projects.dgnet.graph_mixin.DynamicGraphMixin`.
        **kwargs: Any other mmpretrain ``RegNet`` argument.
    """
