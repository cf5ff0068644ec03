"""TopoRandWire: TopoNet's larger search space, RandWire-style stages of triplet nodes.

Paper: TopoNet (arXiv 2008.08261), "adaptability to larger search spaces"; the stage layout is
RandWire's (Xie et al., "Exploring Randomly Wired Neural Networks for Image Recognition",
arXiv 1904.01569). From RandWire, recalled and not verified here [R]: each node is a
ReLU -> 3x3 separable conv -> BN triplet; the small regime is conv1 (3x3 conv, C/2, stride 2),
conv2 (3x3 conv, C, stride 2), then three random stages of N nodes with C, 2C, 4C channels;
the regular regime is conv1 then four random stages of N/2, N, N, N nodes with C, 2C, 4C, 8C
channels; a 1x1 conv to 1280 channels ends both (N=32, C=78 small; C=109 or 154 regular); the
WS(k=4, p=0.75) graph was RandWire's best generator.

Our choices [D]: a stage is a :class:`~projects.common.graph.GraphStage` of type
``'randwire'`` (no ``in`` node, no activation between nodes: the triplet starts with its own
ReLU). Its node 0 is the stride-2 triplet that reads the stage input (RandWire's input node
sends the stage input to every node without inputs, each of which strides; here only node 0
strides and the others read its output); a node without inputs reads node 0, a node without
successors feeds ``out`` (see :mod:`projects.toponet.topology`). The random graph (networkx)
is the initial edge set; ``learnable=True`` learns one weight per edge on it (TopoNet),
``learnable=False`` keeps RandWire's unit weights (RandWire learns a positive weight per edge;
use ``edge_act='sigmoid'`` for that).
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS
from torch import Tensor

from projects.common.graph import register_node_type

from projects.toponet.errors import TopoConfigError

from .topo_mixin import TopoGraphMixin

register_node_type('randwire', has_in_node=False, relu_act=False)

#: regime -> (stem, per-stage (nodes factor, channel factor)); nodes factor 0.5 = N/2
REGIMES = {
    'small': (('conv', 'conv'), ((1, 1), (1, 2), (1, 4))),
    'regular': (('conv', ), ((0.5, 1), (1, 2), (1, 4), (1, 8))),
}


class TripletNode(nn.Module):
    """ReLU -> 3x3 depthwise conv -> 1x1 conv -> BN (RandWire's node transformation).

    Args:
        in_channels, out_channels: Channels.
        stride: Stride of the depthwise conv (2 for a stage's node 0).
        norm_cfg: Norm layer config.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.relu = nn.ReLU(inplace=False)
        self.depthwise = nn.Conv2d(in_channels, in_channels, 3, stride, 1,
                                   groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn = build_norm_layer(norm_cfg, out_channels)[1]

    def forward(self, x: Tensor) -> Tensor:
        return self.bn(self.pointwise(self.depthwise(self.relu(x))))

    def graph_body(self, x: Tensor) -> Tensor:
        """The node's body inside a graph stage: the whole triplet."""
        return self.forward(x)


@MODELS.register_module()
class TopoRandWire(TopoGraphMixin, BaseBackbone):
    """RandWire-style network whose random stage graphs carry TopoNet's learned edges.

    Args:
        regime: ``'small'`` or ``'regular'`` (see module docstring).
        channels: C. Default 78 (RandWire small).
        num_nodes: N. Default 32.
        out_channels: Channels of the final 1x1 conv. Default 1280.
        topology: Initial edges, default ``'ws'`` (``'er'``, ``'ba'``, ``'complete'`` ...).
        topology_cfg: Generator parameters and seed; default RandWire's best, WS k=4 p=0.75
            (ER default ``p=0.2``, BA ``m=5`` when chosen).
        out_indices: Outputs to return: stage indices, and ``len(stages)`` for the final
            1x1 conv (default: that one only).
        norm_cfg: Norm layer config.
        learnable, learn_out_edges, edge_act, init_value, edge_threshold, aggregate_impl:
            See :class:`~projects.toponet.topo_mixin.TopoGraphMixin`.
        init_cfg: mmengine init config.
    """

    RANDWIRE_DEFAULTS = dict(er=dict(p=0.2), ba=dict(m=5), ws=dict(k=4, p=0.75))

    def __init__(self,
                 regime: str = 'small',
                 channels: int = 78,
                 num_nodes: int = 32,
                 out_channels: int = 1280,
                 topology: str = 'ws',
                 topology_cfg: Optional[dict] = None,
                 out_indices: Optional[Sequence[int]] = None,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg: Optional[dict] = None,
                 **graph_kwargs) -> None:
        if regime not in REGIMES:
            raise TopoConfigError(f'TopoRandWire: regime must be one of {tuple(REGIMES)}, '
                             f'got {regime!r}')
        if num_nodes < 2 or channels < 2:
            raise TopoConfigError(f'TopoRandWire: num_nodes and channels must be >= 2, got '
                             f'{num_nodes} and {channels}')
        cfg = dict(topology_cfg or {})
        if topology in self.RANDWIRE_DEFAULTS:
            cfg = dict(self.RANDWIRE_DEFAULTS[topology], **cfg)
        super().__init__(topology=topology, topology_cfg=cfg, init_cfg=init_cfg,
                         **graph_kwargs)
        stem, stages = REGIMES[regime]
        c_half = max(channels // 2, 1)
        layers = [nn.Conv2d(3, c_half, 3, 2, 1, bias=False), build_norm_layer(norm_cfg, c_half)[1]]
        in_ch = c_half
        if len(stem) == 2:
            layers += [nn.ReLU(inplace=True), nn.Conv2d(c_half, channels, 3, 2, 1, bias=False),
                       build_norm_layer(norm_cfg, channels)[1]]
            in_ch = channels
        self.stem = nn.Sequential(*layers)
        self.stage_names = []
        for i, (n_factor, c_factor) in enumerate(stages):
            n = max(int(num_nodes * n_factor), 2)
            out_ch = channels * c_factor
            blocks = [TripletNode(in_ch if k == 0 else out_ch, out_ch, 2 if k == 0 else 1,
                                  norm_cfg) for k in range(n)]
            name = f'stage{i + 1}'
            self.add_module(name, self._graph_stage(blocks, 'randwire'))
            self.stage_names.append(name)
            in_ch = out_ch
        self.final = nn.Sequential(
            nn.ReLU(inplace=True), nn.Conv2d(in_ch, out_channels, 1, bias=False),
            build_norm_layer(norm_cfg, out_channels)[1], nn.ReLU(inplace=True))
        num_outs = len(stages) + 1
        out_indices = (num_outs - 1, ) if out_indices is None else tuple(out_indices)
        for idx in out_indices:
            if not -num_outs <= idx < num_outs:
                raise TopoConfigError(f'TopoRandWire: out_indices entries must be in '
                                 f'[0, {num_outs}), got {tuple(out_indices)}')
        self.out_indices = tuple(i % num_outs for i in out_indices)

    def forward(self, x: Tensor):
        x = self.stem(x)
        outs = []
        for i, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        if len(self.stage_names) in self.out_indices:
            outs.append(self.final(x))
        return tuple(outs)
