"""DG-MobileNetV2: mmpretrain's MobileNetV2 with each (t, c, n, s) group a dynamic graph.

Paper: DG-Net (arXiv 2010.01097). Node 0 is the group's whole first ``InvertedResidual``
(it changes resolution/width and has no skip); nodes k >= 1 run ``InvertedResidual.conv``
without the skip; there is no ``in`` node and no activation between nodes (linear
bottleneck). With every edge weight 1 a group equals mmpretrain's group bit for bit. Groups
with a single block (n = 1) stay static. The stem, the final 1x1 conv to 1280 and the head
are unchanged.
"""
from mmpretrain.models.backbones import MobileNetV2
from mmpretrain.registry import MODELS

from .graph_mixin import DynamicGraphMixin


@MODELS.register_module()
class DGMobileNetV2(DynamicGraphMixin, MobileNetV2):
    """MobileNetV2 with dynamic-graph groups.

    Args:
        widen_factor: Width multiplier (as mmpretrain ``MobileNetV2``).
        edge_source, edge_threshold, keep_top1_if_empty, force_edge_weight, aggregate_impl:
            See :class:`~projects.dgnet.graph_mixin.DynamicGraphMixin`.
        **kwargs: Any other mmpretrain ``MobileNetV2`` argument.
    """
