"""TopoMobileNetV2: mmpretrain's MobileNetV2 with every (t, c, n, s) group a learned graph.

Paper: TopoNet (arXiv 2008.08261), "MobileNet-like" search space. Node 0 is the group's whole
first ``InvertedResidual`` (it changes resolution/width and has no skip); nodes k >= 1 run
``InvertedResidual.conv`` without the skip; there is no ``in`` node and no activation between
nodes. With every alpha 1 a group equals mmpretrain's group exactly; single-block groups stay
static.
"""
from mmpretrain.models.backbones import MobileNetV2
from mmpretrain.registry import MODELS

from .topo_mixin import TopoGraphMixin


@MODELS.register_module()
class TopoMobileNetV2(TopoGraphMixin, MobileNetV2):
    """MobileNetV2 with TopoNet graph groups.

    Args:
        widen_factor: Width multiplier (as mmpretrain ``MobileNetV2``).
        topology, topology_cfg, learnable, learn_out_edges, edge_act, init_value,
            edge_threshold, aggregate_impl: See
            :class:`~projects.toponet.topo_mixin.TopoGraphMixin`.
        **kwargs: Any other mmpretrain ``MobileNetV2`` argument.
    """
