"""Turn the stages of an mmpretrain backbone into TopoNet graph stages with learned edges.

Paper: TopoNet, "Learning Connectivity of Neural Networks from a Topological Perspective"
(Yuan et al., ECCV 2020, arXiv 2008.08261). Every stage becomes a graph over its blocks
(:class:`~projects.common.graph.GraphStage`, the stage DG-Net uses too) with one scalar per
edge (:class:`~projects.common.graph.StaticEdgeSource`) shared by all samples. Initialised at
1 with ``edge_act='identity'`` (our choice, from the spec), the complete graph is the residual
network (ResNet: with the post-add ReLU moved to the next node's input; MobileNetV2: exactly).
"""
from typing import List

import torch
from mmpretrain.models.backbones import ResNet
from torch import Tensor

from projects.common.graph import GraphStage
from projects.common.graph.edge_source import EDGE_ACTS, StaticEdgeSource
from projects.dgnet.graph_mixin import DynamicGraphMixin

from .errors import TopoConfigError
from .topology import TOPOLOGIES, stage_edge_mask


class TopoGraphMixin(DynamicGraphMixin):
    """Mixin placed before an mmpretrain backbone class (``class TopoResNet(Mixin, ResNet)``).

    Args:
        topology: The edges each stage starts with: ``'complete'`` (default), ``'chain'``,
            a random ``'er'``/``'ba'``/``'ws'`` graph (networkx; see
            :mod:`projects.toponet.topology`), or ``'custom'``: one explicit 0/1 mask per
            graph stage in ``topology_cfg=dict(masks=[...])`` (what the prune tool writes).
        topology_cfg: Generator parameters of a random topology (ER ``p``; BA ``m``; WS
            ``k``, ``p``) and its ``seed`` (stage ``s`` uses ``seed + s``). Default seed 0.
        learnable: Train the edge weights (TopoNet) or keep them fixed at ``init_value``
            (the complete / random-wiring baselines). Default True.
        learn_out_edges: Whether the edges into each stage's ``out`` node learn (spec: not
            verified in the paper; our default True).
        edge_act: ``'identity'`` (signed alpha, default) or ``'sigmoid'``.
        init_value: Initial alpha (default 1.0: with the identity, the residual network).
        edge_threshold: Drop edges with ``|w| <= tau`` (identity) or ``w <= tau`` (sigmoid)
            at run time. Default 0.0 (only exact zeros; the prune tool removes edges for real).
        aggregate_impl: As :class:`~projects.common.graph.GraphStage`.
        **kwargs: The base backbone's arguments. For ``chain`` and random topologies
            ``zero_init_residual`` defaults to False (our choice: without an ``in -> out``
            path, zero-initialised block outputs would silence the stage).
    """

    def __init__(self,
                 *args,
                 topology: str = 'complete',
                 topology_cfg: dict = None,
                 learnable: bool = True,
                 learn_out_edges: bool = True,
                 edge_act: str = 'identity',
                 init_value: float = 1.0,
                 edge_threshold: float = 0.0,
                 aggregate_impl: str = 'function',
                 **kwargs) -> None:
        name = type(self).__name__
        if topology not in TOPOLOGIES:
            raise TopoConfigError(f'{name}: topology must be one of {TOPOLOGIES}, got {topology!r}')
        if edge_act not in EDGE_ACTS:
            raise TopoConfigError(f'{name}: edge_act must be one of {EDGE_ACTS}, got {edge_act!r}')
        for key, value in (('learnable', learnable), ('learn_out_edges', learn_out_edges)):
            if not isinstance(value, bool):
                raise TopoConfigError(f'{name}: {key} must be True or False, got {value!r}')
        topology_cfg = dict(topology_cfg or {})
        if topology == 'custom':
            if set(topology_cfg) != {'masks'} or not isinstance(topology_cfg['masks'],
                                                                (list, tuple)):
                raise TopoConfigError(f"{name}: topology='custom' needs "
                                      'topology_cfg=dict(masks=[...]) with one (N+2) x (N+2) '
                                      f'0/1 mask per graph stage, got keys '
                                      f'{sorted(topology_cfg)}')
        elif topology_cfg and topology not in ('er', 'ba', 'ws'):
            raise TopoConfigError(f'{name}: topology_cfg is for a random topology '
                                  f'(er/ba/ws), got it with topology={topology!r}')
        self._topology = topology
        self._topology_seed = int(topology_cfg.pop('seed', 0))
        self._custom_masks = topology_cfg.pop('masks', None)
        self._topology_params = topology_cfg
        self._num_graph_stages = 0
        edge_source = dict(type='StaticEdgeSource', init_value=init_value, edge_act=edge_act,
                           learnable=learnable, learn_out_edges=learn_out_edges)
        if topology in ('chain', 'er', 'ba', 'ws') and isinstance(self, ResNet):
            # mmpretrain's ResNet zeroes each block's last BN at init (zero_init_residual),
            # which is harmless while an identity path (in -> out) carries the signal; a chain
            # or a random graph has none, so the stage would start with a constant zero output
            kwargs.setdefault('zero_init_residual', False)
        super().__init__(*args, edge_source=edge_source, edge_threshold=edge_threshold,
                         aggregate_impl=aggregate_impl, **kwargs)
        if self._custom_masks is not None and len(self._custom_masks) != self._num_graph_stages:
            raise TopoConfigError(f'{name}: topology_cfg.masks has '
                                  f'{len(self._custom_masks)} masks, '
                             f'the network has {self._num_graph_stages} graph stages')

    def _graph_stage(self, blocks: List[torch.nn.Module], node_type: str) -> GraphStage:
        index = self._num_graph_stages
        self._num_graph_stages += 1
        has_in = node_type == 'residual'
        if self._custom_masks is not None:
            if index >= len(self._custom_masks):
                raise TopoConfigError(f'{type(self).__name__}: topology_cfg.masks has '
                                 f'{len(self._custom_masks)} masks, too few for the graph stages')
            mask = torch.tensor(self._custom_masks[index])
        else:
            mask = stage_edge_mask(self._topology, len(blocks), has_in,
                                   seed=self._topology_seed + index,
                                   params=self._topology_params)
        try:
            return GraphStage(blocks, node_type=node_type, edge_mask=mask, **self._graph_cfg)
        except ValueError as err:
            raise TopoConfigError(f'{type(self).__name__} graph stage {index}: {err}') from None

    def make_res_layer(self, **kwargs) -> GraphStage:
        # the base network's own layer (DynamicGraphMixin's wrapping is skipped)
        layer = super(DynamicGraphMixin, self).make_res_layer(**kwargs)
        return self._graph_stage(list(layer), 'residual')

    def make_layer(self, *args, **kwargs) -> torch.nn.Module:
        layer = super(DynamicGraphMixin, self).make_layer(*args, **kwargs)
        if len(layer) == 1:
            return layer
        return self._graph_stage(list(layer), 'inverted_residual')

    def edge_l1(self) -> Tensor:
        """``sum |alpha|`` over the learnable edges of every stage whose alphas train
        (stages frozen by ``frozen_stages`` are left out)."""
        terms = [s.edge_l1() for s in self.graph_stages()
                 if isinstance(s.edge_source, StaticEdgeSource)
                 and s.edge_source.edge_alpha.requires_grad]
        if not terms:
            return next(self.parameters()).new_zeros(())
        return torch.stack(terms).sum()

    def edge_parameters(self) -> List[torch.nn.Parameter]:
        """The trained alphas (one (N+2) x (N+2) parameter per stage)."""
        return [s.edge_source.edge_alpha for s in self.graph_stages()
                if isinstance(s.edge_source.edge_alpha, torch.nn.Parameter)]
