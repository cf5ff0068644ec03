"""Turn the stages of an mmpretrain backbone into DG-Net graph stages.

Paper: DG-Net (arXiv 2010.01097, https://arxiv.org/abs/2010.01097). The stem, the last 1x1
conv of MobileNetV2 and the head stay as they are; each stage's blocks, built by the base
network's own ``make_res_layer``/``make_layer``, become the nodes of a
:class:`~projects.common.graph.GraphStage` whose edge weights come from per-sample routers.
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn

from projects.common.graph import GraphStage

#: DG-Net's default edge source: one sigmoid router per node, reading the node's output.
DEFAULT_EDGE_SOURCE = dict(type='RouterEdgeSource', router_input='node_output',
                           hidden_ratio=None, gate='sigmoid', init_std=0.01)


class DynamicGraphMixin:
    """Mixin placed before an mmpretrain backbone class (``class DGResNet(Mixin, ResNet)``).

    It consumes the graph arguments below and passes every other argument to the backbone.
    ``make_res_layer`` (ResNet family) and ``make_layer`` (MobileNetV2) wrap what the base
    builds into a :class:`GraphStage`; single-block MobileNetV2 groups stay static.

    Args:
        edge_source: Edge-weight source config (default: DG-Net routers,
            :data:`DEFAULT_EDGE_SOURCE`; ``dict(type='StaticEdgeSource')`` gives TopoNet's
            learned static weights).
        edge_threshold: Drop edges with weight not above this, per sample. Default 0.0.
        keep_top1_if_empty: Keep the strongest in-edge when all are pruned (our option).
        force_edge_weight: Debug: every edge weight set to this constant.
        aggregate_impl: ``'function'`` (default), ``'loop'`` or ``'stack'``.
    """

    def __init__(self,
                 *args,
                 edge_source: Optional[dict] = None,
                 edge_threshold: float = 0.0,
                 keep_top1_if_empty: bool = False,
                 force_edge_weight: Optional[float] = None,
                 aggregate_impl: str = 'function',
                 **kwargs) -> None:
        # read by make_res_layer/make_layer, which the base __init__ calls
        self._graph_cfg = dict(
            edge_source=dict(DEFAULT_EDGE_SOURCE if edge_source is None else edge_source),
            edge_threshold=edge_threshold,
            keep_top1_if_empty=keep_top1_if_empty,
            force_edge_weight=force_edge_weight,
            aggregate_impl=aggregate_impl)
        super().__init__(*args, **kwargs)

    def make_res_layer(self, **kwargs) -> GraphStage:
        layer = super().make_res_layer(**kwargs)
        return GraphStage(list(layer), node_type='residual', **self._graph_cfg)

    def make_layer(self, *args, **kwargs) -> nn.Module:
        layer = super().make_layer(*args, **kwargs)
        if len(layer) == 1:
            return layer
        return GraphStage(list(layer), node_type='inverted_residual', **self._graph_cfg)

    def graph_stages(self) -> List[GraphStage]:
        """The graph stages in forward order."""
        return [m for m in self.modules() if isinstance(m, GraphStage)]

    def router_parameters(self) -> int:
        """Number of parameters of every edge source (the routers)."""
        return sum(p.numel() for s in self.graph_stages() for p in s.edge_source.parameters())

    @torch.no_grad()
    def extra_macs(self, input_shape: Sequence[int] = (3, 224, 224)) -> Dict[str, int]:
        """Analytic per-image MACs the graphs add (aggregation and routers), measured on the
        stage shapes of one forward pass at ``input_shape`` (C, H, W)."""
        shapes = {}
        hooks = [s.register_forward_hook(
            lambda m, i, o: shapes.__setitem__(m, (tuple(i[0].shape[1:]), tuple(o.shape[1:]))))
            for s in self.graph_stages()]
        was_training = self.training
        self.eval()
        try:
            param = next(self.parameters())  # the probe lives where the model does
            self(torch.zeros((1, ) + tuple(input_shape), dtype=param.dtype,
                             device=param.device))
        finally:
            for h in hooks:
                h.remove()
            self.train(was_training)
        total = dict(aggregation=0, router=0)
        for stage, (in_shape, out_shape) in shapes.items():
            for k, v in stage.extra_macs(in_shape, out_shape).items():
                total[k] += v
        return total


class GraphLayerDepthMixin:
    """``get_layer_depth`` (layer-wise LR decay) for base networks that have one (ResNet family).

    mmpretrain's ``ResNet.get_layer_depth`` reads the block index from the parameter name
    (``backbone.layer3.<block>.``) and fails on ``backbone.layer3.edge_source...``. A graph
    stage's edge-source parameters are given the depth of a block of their stage instead
    (:meth:`GraphStage.block_of_source_param`); every other parameter keeps the base
    network's depth. Placed before :class:`DynamicGraphMixin`; MobileNetV2 has no
    ``get_layer_depth`` in mmpretrain, so DG-MobileNetV2 does not use this mixin.
    """

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        marker = '.edge_source.'
        if param_name.startswith(prefix) and marker in param_name:
            stage_path, rest = param_name[len(prefix):].split(marker, 1)
            stage = self.get_submodule(stage_path)
            if isinstance(stage, GraphStage):
                block = stage.block_of_source_param(rest)
                param_name = f'{prefix}{stage_path}.{block}{marker}{rest}'
        return super().get_layer_depth(param_name, prefix)
