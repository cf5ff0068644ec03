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
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import Tensor

EDGE_ACTS = ('identity', 'sigmoid')


class EdgeSource(BaseModule):
    """Base class: owns the edge mask, answers :meth:`row_weights`.

    The mask is the stage's architecture (which edges exist). A source whose weights do not
    depend on the mask's shape per row (:attr:`settable_topology`, e.g. the static edge
    weights of TopoNet) lets it be replaced after construction (:meth:`set_edge_mask`: a
    pruned topology) and saves it in checkpoints (a persistent buffer, restored on load).
    For the others (DG-Net routers, whose FC widths are the out-degrees) it is fixed at
    construction and not saved (a non-persistent buffer, so old checkpoints keep loading).
    Either way it follows the module's device and lives only here; every change bumps
    :attr:`topology_version`, which the stage reads to recompute its predecessor lists.

    Attributes:
        signed: Whether the weights can be negative. The stage then thresholds ``|w|``
            instead of ``w`` (see module docstring). Subclasses set it; default False.
        settable_topology: Whether :meth:`set_edge_mask` may change the mask (and the mask
            is saved with the weights). Subclasses set it; default False.

    Args:
        edge_mask: (N+2) x (N+2) bool tensor, strictly upper triangular.
    """

    signed: bool = False
    settable_topology: bool = False

    def __init__(self, edge_mask: Tensor) -> None:
        super().__init__()
        edge_mask = self._check_mask(edge_mask)
        self.register_buffer('edge_mask', edge_mask.clone(), persistent=self.settable_topology)
        self.topology_version = 0
        self._update_successors()

    @staticmethod
    def _check_mask(edge_mask, like: Optional[Tensor] = None) -> Tensor:
        edge_mask = torch.as_tensor(edge_mask).detach().cpu()
        if edge_mask.dtype != torch.bool:
            if ((edge_mask != 0) & (edge_mask != 1)).any():
                raise ValueError('edge_mask must hold only 0/1 (or bool) values')
            edge_mask = edge_mask.bool()
        if edge_mask.dim() != 2 or edge_mask.shape[0] != edge_mask.shape[1]:
            raise ValueError(f'edge_mask must be square, got {tuple(edge_mask.shape)}')
        if like is not None and edge_mask.shape != like.shape:
            raise ValueError(f'edge_mask must be {tuple(like.shape)} (the stage has '
                             f'{like.shape[0] - 2} blocks), got {tuple(edge_mask.shape)}')
        if torch.tril(edge_mask).any():
            raise ValueError('edge_mask must be strictly upper triangular (a DAG in order)')
        return edge_mask

    def _update_successors(self) -> None:
        mask = self.edge_mask.cpu()
        #: successors of every row (column indices, ascending)
        self.successors: List[List[int]] = [
            torch.nonzero(mask[r]).flatten().tolist() for r in range(mask.shape[0])]
        #: the same as an index into a row: a slice where the successors are contiguous
        self.successor_index = [
            slice(s[0], s[-1] + 1) if s and s == list(range(s[0], s[-1] + 1)) else s
            for s in self.successors]

    def set_edge_mask(self, edge_mask: Tensor) -> None:
        """Replace the stage's topology (same node count); e.g. a pruned set of edges.

        Raises:
            ValueError: if the source does not support it, or the mask has another shape or
                is not strictly upper triangular.
        """
        mask = self._check_mask(edge_mask, like=self.edge_mask)
        if torch.equal(mask, self.edge_mask.cpu()):
            return
        if not self.settable_topology:
            raise ValueError(f'{type(self).__name__} has a fixed topology (its weights are '
                             'built per out-edge); edge_mask cannot be changed')
        self.edge_mask.copy_(mask.to(self.edge_mask.device))
        self._update_successors()
        self._on_topology_change()
        self.topology_version += 1

    def _on_topology_change(self) -> None:
        """Hook for subclasses: called after the mask changed."""

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        key = prefix + 'edge_mask'
        if self.settable_topology and key in state_dict:
            try:
                self.set_edge_mask(state_dict[key])
            except ValueError as err:
                error_msgs.append(f'{key}: {err}')
                state_dict = {k: v for k, v in state_dict.items() if k != key}
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)

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

    def edge_l1(self) -> Tensor:
        """Sum of ``|weight|`` over the learnable edges (0 for sources without any)."""
        return self.edge_mask.new_zeros((), dtype=torch.float32)


@MODELS.register_module()
class StaticEdgeSource(EdgeSource):
    """One scalar per edge, shared by all samples (TopoNet's parameterization).

    ``weight = edge_act(edge_alpha[i, j])`` for every learnable edge, and the constant
    ``fixed_value`` for every fixed one (no activation: a fixed edge of weight 1 is 1 for
    either ``edge_act``). With ``learnable=False`` and ``init_value=1`` this is the residual
    network written as a graph; with ``init_value=c`` it is the complete graph of constant
    weight ``c``. With ``edge_act='identity'`` the weights are signed (:attr:`signed` is True)
    and the stage's threshold compares their magnitude; with ``'sigmoid'`` they are positive
    and it compares the value.

    Which edges learn is a per-edge mask (``learnable_mask``, saved with the weights): all of
    them by default; ``learn_out_edges=False`` fixes the edges into ``out`` (TopoNet's spec
    leaves open whether the paper learns them: our switch, learnable by default), and
    ``fixed_edges`` fixes any other (i, j). Fixed edges get no gradient, no L1 term
    (:meth:`edge_l1`) and no proximal step (:meth:`proximal_step`). The topology is settable
    (:meth:`set_edge_mask`) and saved in checkpoints.

    Args:
        edge_mask: As in :class:`EdgeSource`.
        init_value: Initial alpha of every learnable edge. Default 1.0 (identity: the
            residual network).
        edge_act: ``'identity'`` (default) or ``'sigmoid'`` applied to alpha.
        learnable: Whether alpha is a trained parameter (else a fixed buffer: every edge is
            fixed at ``edge_act(init_value)``).
        learn_out_edges: Whether the edges into ``out`` learn (default True).
        fixed_edges: Further ``(i, j)`` edges (indices in the order in, 0..N-1, out) to fix.
        fixed_value: Weight of the fixed edges of a learnable source. Default 1.0.
        node_channels, stage_in_channels: Accepted for a uniform build signature; unused.
    """

    settable_topology = True

    def __init__(self,
                 edge_mask: Tensor,
                 init_value: float = 1.0,
                 edge_act: str = 'identity',
                 learnable: bool = True,
                 learn_out_edges: bool = True,
                 fixed_edges: Sequence[Sequence[int]] = (),
                 fixed_value: float = 1.0,
                 node_channels: Sequence[int] = (),
                 stage_in_channels: int = 0) -> None:
        super().__init__(edge_mask)
        if edge_act not in EDGE_ACTS:
            raise ValueError(f'edge_act must be one of {EDGE_ACTS}, got {edge_act!r}')
        if not isinstance(learnable, bool) or not isinstance(learn_out_edges, bool):
            raise TypeError(f'learnable and learn_out_edges must be bool, got '
                            f'{learnable!r} and {learn_out_edges!r}')
        self.edge_act = edge_act
        self.signed = edge_act == 'identity'
        self.learnable = learnable
        self.fixed_value = float(fixed_value)
        n = self.num_rows
        lmask = torch.full((n, n), learnable, dtype=torch.bool)
        if not learn_out_edges:
            lmask[:, -1] = False
        for edge in fixed_edges:
            i, j = (int(v) for v in edge)
            if not (0 <= i < n and 0 <= j < n):
                raise ValueError(f'fixed_edges: ({i}, {j}) is not an edge of a {n}-node stage')
            lmask[i, j] = False
        self.register_buffer('learnable_mask', lmask)
        alpha = torch.full(self.edge_mask.shape, float(init_value)) * self.edge_mask
        if learnable:
            self.edge_alpha = nn.Parameter(alpha)
        else:
            self.register_buffer('edge_alpha', alpha)
        self._on_topology_change()

    def _on_topology_change(self) -> None:
        # per row: whether any out-edge is fixed (then its weights are blended with the fixed
        # value); False for every row in the common case, which then costs nothing extra
        if not self.learnable:
            self._row_has_fixed = [False] * self.num_rows
            return
        lm = self.learnable_mask.cpu()
        self._row_has_fixed = [not bool(lm[row, idx].all())
                               for row, idx in enumerate(self.successor_index)]

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        if prefix + 'learnable_mask' in state_dict:
            self._on_topology_change()

    def _act(self, alpha: Tensor) -> Tensor:
        return alpha if self.edge_act == 'identity' else torch.sigmoid(alpha)

    def learnable_edges(self) -> Tensor:
        """(N+2) x (N+2) bool: existing edges whose alpha is trained and penalised."""
        if not self.learnable:
            return torch.zeros_like(self.edge_mask)
        return self.edge_mask & self.learnable_mask

    def edge_weights(self) -> Tensor:
        """The (N+2) x (N+2) weight matrix, zero where no edge exists."""
        w = self._act(self.edge_alpha)
        if self.learnable:
            w = torch.where(self.learnable_mask, w, torch.full_like(w, self.fixed_value))
        return w * self.edge_mask

    def row_weights(self, row: int, node_output: Tensor, stage_input: Tensor) -> Tensor:
        w = self._act(self.edge_alpha[row, self.successor_index[row]])
        if self._row_has_fixed[row]:
            lm = self.learnable_mask[row, self.successor_index[row]]
            w = torch.where(lm, w, torch.full_like(w, self.fixed_value))
        return w.to(node_output.dtype).unsqueeze(0).expand(node_output.shape[0], -1)

    def edge_l1(self) -> Tensor:
        """``sum |edge_act(alpha)|`` over the learnable edges: ``sum |alpha|`` for the
        identity (TopoNet's L1 term, gradient ``sign(alpha)``), ``sum sigmoid(alpha)`` (the
        L1 norm of the positive weights, not of alpha) for the sigmoid."""
        if not self.learnable:
            return self.edge_alpha.new_zeros(())
        return (self._act(self.edge_alpha).abs() * self.learnable_edges()).sum()

    @torch.no_grad()
    def proximal_step(self, step: float) -> int:
        """Soft-threshold the learnable alphas: ``a <- sign(a) * max(|a| - step, 0)``.

        The proximal operator of ``step * |a|`` (``step = lr * lambda``): alphas with
        ``|a| <= step`` become exactly 0. Only for ``edge_act='identity'`` (the L1 term on a
        sigmoid's argument has no such operator). Returns the number of learnable alphas that
        are exactly 0 afterwards.
        """
        if self.edge_act != 'identity':
            raise ValueError("the proximal L1 step needs edge_act='identity', got "
                             f'{self.edge_act!r}')
        if not self.learnable:
            return 0
        sel = self.learnable_edges()
        a = self.edge_alpha.data
        shrunk = a.sign() * (a.abs() - float(step)).clamp_min(0)
        a.copy_(torch.where(sel, shrunk, a))
        return int((a[sel] == 0).sum())
