"""DG-Net's edge router and the per-sample edge-weight source built from routers.

Paper: DG-Net, "Dynamic Graph: Learning Instance-aware Connectivity for Neural Networks"
(arXiv 2010.01097, https://arxiv.org/abs/2010.01097). Every node with successors owns a router
that reads the node's output and emits the weights of its outgoing edges, one per successor:
``r_i = gate(FC(GAP(y_i)))``. Recalled from the paper, not verified: independent sigmoids
(``gate='sigmoid'``), the router reading the node output (``router_input='node_output'``).
Our choices: a single FC with bias by default (``hidden_ratio`` adds FC+ReLU), init
``N(0, 0.01)`` with bias 0 so every edge starts near 0.5.
"""
import math
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import Tensor

from .edge_source import EdgeSource

GATES = ('sigmoid', 'softmax')
ROUTER_INPUTS = ('node_output', 'stage_input')


@MODELS.register_module()
class EdgeRouter(BaseModule):
    """Per-sample weights of one node's outgoing edges: ``gate(FC(GAP(feat)))``.

    Args:
        in_channels: Channels of the feature the router reads.
        num_edges: Number of outgoing edges (successors of the node, ``out`` included).
        hidden_ratio: If set, a hidden FC of ``max(in_channels // hidden_ratio, 8)`` units
            with ReLU precedes the output FC (our option). Default None: one FC with bias.
        gate: ``'sigmoid'`` (independent weights in (0, 1), the recalled default) or
            ``'softmax'`` over the node's out-edges (an ablation; breaks the all-ones
            equivalence with the residual network).
        init_std: Std of the normal init of the FC weights; biases start at 0.
        detach_input: Stop gradients from the router into the feature it reads (ablation).
    """

    def __init__(self,
                 in_channels: int,
                 num_edges: int,
                 hidden_ratio: Optional[int] = None,
                 gate: str = 'sigmoid',
                 init_std: float = 0.01,
                 detach_input: bool = False) -> None:
        super().__init__()
        if gate not in GATES:
            raise ValueError(f'gate must be one of {GATES}, got {gate!r}')
        if num_edges < 1 or in_channels < 1:
            raise ValueError(f'in_channels and num_edges must be >= 1, got '
                             f'{in_channels} and {num_edges}')
        if hidden_ratio is not None and hidden_ratio < 1:
            raise ValueError(f'hidden_ratio must be None or >= 1, got {hidden_ratio}')
        self.gate = gate
        self.init_std = init_std
        self.detach_input = detach_input
        if hidden_ratio is None:
            self.fc = nn.Linear(in_channels, num_edges)
        else:
            hidden = max(in_channels // hidden_ratio, 8)
            self.fc = nn.Sequential(
                nn.Linear(in_channels, hidden), nn.ReLU(inplace=True),
                nn.Linear(hidden, num_edges))
        self._single_fc = isinstance(self.fc, nn.Linear)
        self.init_weights()

    def init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=self.init_std)
                nn.init.zeros_(m.bias)

    def macs(self) -> int:
        """Multiply-accumulates of the FC layers per sample (GAP excluded)."""
        return sum(m.in_features * m.out_features for m in self.modules()
                   if isinstance(m, nn.Linear))

    def forward(self, feat: Tensor) -> Tensor:
        """B x C x ... feature -> B x num_edges weights."""
        if self.detach_input:
            feat = feat.detach()
        fc = self.fc
        if feat.dim() == 4:
            dims, hw = (2, 3), feat.shape[2] * feat.shape[3]
        else:
            dims, hw = tuple(range(2, feat.dim())), math.prod(feat.shape[2:])
        if self._single_fc:
            # GAP folded into the FC, (sum / HW) W^T + b as one addmm: fewer ops per router
            logits = torch.addmm(fc.bias, feat.sum(dim=dims), fc.weight.t(), alpha=1.0 / hw)
        else:
            logits = fc(feat.mean(dim=dims))
        if self.gate == 'sigmoid':
            return logits.sigmoid_()  # in place on the fresh logits
        return torch.softmax(logits, dim=1)


@MODELS.register_module()
class RouterEdgeSource(EdgeSource):
    """DG-Net: one :class:`EdgeRouter` per node that has successors.

    Its weights are never negative (sigmoid or softmax), so :attr:`signed` is False and the
    stage thresholds their value, ``w > tau``.

    Args:
        edge_mask: (N+2) x (N+2) bool, strictly upper triangular; row ``i`` marks the
            successors of node ``i`` in the order (in, 0..N-1, out). Filled by the stage.
        node_channels: Channels of each node's output (length N+2; ``out`` unused).
        stage_in_channels: Channels of the stage input (read when
            ``router_input='stage_input'``).
        router_input: ``'node_output'`` (router ``i`` reads ``y_i``; the recalled default) or
            ``'stage_input'`` (every router reads the stage input; ablation).
        hidden_ratio, gate, init_std, detach_input: Passed to every :class:`EdgeRouter`.
    """

    def __init__(self,
                 edge_mask: Tensor,
                 node_channels: Sequence[int],
                 stage_in_channels: int,
                 router_input: str = 'node_output',
                 hidden_ratio: Optional[int] = None,
                 gate: str = 'sigmoid',
                 init_std: float = 0.01,
                 detach_input: bool = False) -> None:
        super().__init__(edge_mask)
        if router_input not in ROUTER_INPUTS:
            raise ValueError(f'router_input must be one of {ROUTER_INPUTS}, '
                             f'got {router_input!r}')
        self.router_input = router_input
        routers: List[nn.Module] = []
        self.router_of_row: List[int] = []
        #: the row (node in the order in, 0..N-1, out) whose output router ``k`` reads
        self.row_of_router: List[int] = []
        for row in range(self.num_rows):
            d = self.out_degree(row)
            if d == 0:
                self.router_of_row.append(-1)
                continue
            channels = node_channels[row] if router_input == 'node_output' else stage_in_channels
            self.router_of_row.append(len(routers))
            self.row_of_router.append(row)
            routers.append(EdgeRouter(channels, d, hidden_ratio, gate, init_std, detach_input))
        self.routers = nn.ModuleList(routers)
        self._router_keys = [str(k) for k in self.router_of_row]
        self._reads_stage_input = router_input == 'stage_input'

    def row_weights(self, row: int, node_output: Tensor, stage_input: Tensor) -> Tensor:
        # the ModuleList's own dict by key: its __getitem__ costs a few us per node
        router = self._modules['routers']._modules[self._router_keys[row]]
        return router(stage_input if self._reads_stage_input else node_output)

    def row_macs(self, row: int) -> int:
        k = self.router_of_row[row]
        return 0 if k < 0 else self.routers[k].macs()
