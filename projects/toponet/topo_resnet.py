"""TopoResNet / TopoResNeXt: mmpretrain's ResNet family with every stage a learned graph.

Paper: TopoNet (arXiv 2008.08261), "ResNet-like" search space: the blocks of each stage
(mmpretrain's own ``BasicBlock``/``Bottleneck``, so standard checkpoints load into them) are the
nodes of a complete DAG with one learnable scalar per edge. With every alpha 1 the stage is the
residual chain ``x_k = x_{k-1} + y_{k-1}`` with ReLU at each node input and at the stage output
(ResNet-v1 with the post-add ReLU moved; see projects/dgnet/README.md for the same layout).
"""
from mmpretrain.models.backbones import ResNet, ResNet_CIFAR, ResNeXt
from mmpretrain.registry import MODELS

from projects.dgnet.graph_mixin import GraphLayerDepthMixin

from .topo_mixin import TopoGraphMixin


@MODELS.register_module()
class TopoResNet(GraphLayerDepthMixin, TopoGraphMixin, ResNet):
    """ResNet with TopoNet graph stages.

    Args:
        depth: 18, 34, 50, 101 or 152 (as mmpretrain ``ResNet``).
        topology, topology_cfg, learnable, learn_out_edges, edge_act, init_value,
            edge_threshold, aggregate_impl: See
            :class:`~projects.toponet.topo_mixin.TopoGraphMixin`.
        **kwargs: Any other mmpretrain ``ResNet`` argument.

    Example:
        >>> import torch
        >>> from projects.toponet import TopoResNet
        >>> net = TopoResNet(18, out_indices=(3, ))
        >>> net(torch.rand(1, 3, 64, 64))[0].shape, float(net.edge_l1())
        (torch.Size([1, 512, 2, 2]), 20.0)
    """


@MODELS.register_module()
class TopoResNet_CIFAR(GraphLayerDepthMixin, TopoGraphMixin, ResNet_CIFAR):
    """``ResNet_CIFAR`` (3x3 stem, no max-pool) with TopoNet graph stages; for small images."""


@MODELS.register_module()
class TopoResNeXt(GraphLayerDepthMixin, TopoGraphMixin, ResNeXt):
    """ResNeXt (mmpretrain's grouped ``Bottleneck``) with TopoNet graph stages."""
