"""Where a graph stage gets its edge weights from: the extension point shared by DG-Net and TopoNet.

A stage over N blocks has N+2 nodes ordered (in, 0..N-1, out) and a strictly upper
triangular ``edge_mask`` of the edges that exist. The edge source owns that mask (the stage
reads it from here; there is one copy) and answers one question: the weights (B x d_i) of the
outgoing edges of row ``i``, asked right after node ``i`` ran. DG-Net's
:class:`~projects.common.graph.edge_router.RouterEdgeSource` computes them from the node's
output per sample; TopoNet's :class:`StaticEdgeSource` holds one learned scalar per edge shared
by every sample (arXiv 2008.08261).

Each source states how the stage's threshold reads its weights (:attr:`EdgeSource.signed`):
a source whose weights are never negative (sigmoid/softmax routers, sigmoid alphas) is
thresholded on the value, ``w > tau``; a signed source (identity alphas, which the L1 term
drives through zero) on the magnitude, ``|w| > tau``, so that a strong negative edge is kept.
"""
from typing import List, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import Tensor

EDGE_ACTS = ('identity', 'sigmoid')


class EdgeSource(BaseModule):
    """Base class: owns the edge mask, answers :meth:`row_weights`.

    The mask is the stage's architecture (which edges exist), fixed at construction; it is a
    non-persistent buffer so that it follows the module's device, and it lives only here.

    Attributes:
        signed: Whether the weights can be negative. The stage then thresholds ``|w|``
            instead of ``w`` (see module docstring). Subclasses set it; default False.

    Args:
        edge_mask: (N+2) x (N+2) bool tensor, strictly upper triangular.
    """

    signed: bool = False

    def __init__(self, edge_mask: Tensor) -> None:
        super().__init__()
        edge_mask = torch.as_tensor(edge_mask, dtype=torch.bool)
        if edge_mask.dim() != 2 or edge_mask.shape[0] != edge_mask.shape[1]:
            raise ValueError(f'edge_mask must be square, got {tuple(edge_mask.shape)}')
        if torch.tril(edge_mask).any():
            raise ValueError('edge_mask must be strictly upper triangular (a DAG in order)')
        self.register_buffer('edge_mask', edge_mask.clone(), persistent=False)
        #: successors of every row (column indices, ascending), fixed with the mask
        self.successors: List[List[int]] = [
            torch.nonzero(edge_mask[r]).flatten().tolist() for r in range(edge_mask.shape[0])]
        #: the same as an index into a row: a slice where the successors are contiguous
        self.successor_index = [
            slice(s[0], s[-1] + 1) if s and s == list(range(s[0], s[-1] + 1)) else s
            for s in self.successors]

    @property
    def num_rows(self) -> int:
        return self.edge_mask.shape[0]

    def out_degree(self, row: int) -> int:
        return len(self.successors[row])

    def row_weights(self, row: int, node_output: Tensor, stage_input: Tensor) -> Tensor:
        """Weights (B x d_row) of the edges leaving ``row``, in the column order of the mask."""
        raise NotImplementedError

    def row_macs(self, row: int) -> int:
        """Multiply-accumulates per sample spent producing row ``row`` (0 for static weights)."""
        return 0


@MODELS.register_module()
class StaticEdgeSource(EdgeSource):
    """One scalar per edge, shared by all samples (TopoNet's parameterization).

    ``weight = edge_act(edge_alpha[i, j])`` for every existing edge. With
    ``learnable=False`` and ``init_value=1`` this is the residual network written as a graph;
    with ``init_value=c`` it is the complete graph of constant weight ``c``. With
    ``edge_act='identity'`` the weights are signed (:attr:`signed` is True) and the stage's
    threshold compares their magnitude; with ``'sigmoid'`` they are positive and it compares
    the value.

    Args:
        edge_mask: As in :class:`EdgeSource`.
        init_value: Initial alpha of every edge. Default 1.0 (the residual network).
        edge_act: ``'identity'`` (default) or ``'sigmoid'`` applied to alpha.
        learnable: Whether alpha is a trained parameter (else a fixed buffer).
        node_channels, stage_in_channels: Accepted for a uniform build signature; unused.
    """

    def __init__(self,
                 edge_mask: Tensor,
                 init_value: float = 1.0,
                 edge_act: str = 'identity',
                 learnable: bool = True,
                 node_channels: Sequence[int] = (),
                 stage_in_channels: int = 0) -> None:
        super().__init__(edge_mask)
        if edge_act not in EDGE_ACTS:
            raise ValueError(f'edge_act must be one of {EDGE_ACTS}, got {edge_act!r}')
        self.edge_act = edge_act
        self.signed = edge_act == 'identity'
        alpha = torch.full(self.edge_mask.shape, float(init_value)) * self.edge_mask
        if learnable:
            self.edge_alpha = nn.Parameter(alpha)
        else:
            self.register_buffer('edge_alpha', alpha)

    def _act(self, alpha: Tensor) -> Tensor:
        return alpha if self.edge_act == 'identity' else torch.sigmoid(alpha)

    def edge_weights(self) -> Tensor:
        """The (N+2) x (N+2) weight matrix, zero where no edge exists."""
        return self._act(self.edge_alpha) * self.edge_mask

    def row_weights(self, row: int, node_output: Tensor, stage_input: Tensor) -> Tensor:
        w = self._act(self.edge_alpha[row, self.successor_index[row]])
        return w.to(node_output.dtype).unsqueeze(0).expand(node_output.shape[0], -1)
