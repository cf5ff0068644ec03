"""DG-ResNet: mmpretrain's ResNet with every stage a DG-Net dynamic graph.

Paper: DG-Net (arXiv 2010.01097). Nodes are the stage's ``BasicBlock``/``Bottleneck`` bodies;
the ``in`` node is block 0's shortcut (identity or 1x1 projection). With every edge weight 1
the stage is the residual chain ``x_k = x_{k-1} + y_{k-1}`` with ReLU at each node's input
and at the stage output: ResNet-v1 with the post-add ReLU moved, not bit-identical to v1
(see projects/dgnet/README.md).
"""
from mmpretrain.models.backbones import ResNet, ResNet_CIFAR
from mmpretrain.registry import MODELS

from .graph_mixin import DynamicGraphMixin, GraphLayerDepthMixin, GraphLayerDepthMixin


@MODELS.register_module()
class DGResNet(GraphLayerDepthMixin, DynamicGraphMixin, ResNet):
    """ResNet with dynamic-graph stages.

    Args:
        depth: 18, 34, 50, 101 or 152 (as mmpretrain ``ResNet``).
        edge_source, edge_threshold, keep_top1_if_empty, force_edge_weight, aggregate_impl:
            See :class:`~projects.dgnet.graph_mixin.DynamicGraphMixin`.
        **kwargs: Any other mmpretrain ``ResNet`` argument (``out_indices``, ``frozen_stages``,
            ``norm_eval``, ``init_cfg`` ...).

    Example:
        >>> from projects.dgnet import DGResNet
        >>> import torch
        >>> [o.shape for o in DGResNet(50, out_indices=(0, 1, 2, 3))(torch.rand(1, 3, 64, 64))]
        [torch.Size([1, 256, 16, 16]), ..., torch.Size([1, 2048, 2, 2])]
    """


@MODELS.register_module()
class DGResNet_CIFAR(GraphLayerDepthMixin, DynamicGraphMixin, ResNet_CIFAR):
    """``ResNet_CIFAR`` (3x3 stem, no max-pool) with dynamic-graph stages; for small images.

    Args: as :class:`DGResNet`.
    """
