"""A stage of blocks wired as a complete DAG with weighted edges (DG-Net and TopoNet).

Papers: DG-Net (arXiv 2010.01097) learns per-sample edge weights with routers; TopoNet
(arXiv 2008.08261) learns one weight per edge. Both wire a stage's blocks as a complete DAG;
the node index set is our design, following TopoNet's "a residual stage is a dense graph":

* ``in``: the shortcut of block 0 applied to the stage input (identity or the stride-2
  1x1 projection). MobileNetV2 groups have no ``in`` node.
* node 0: the residual branch of block 0 on the raw stage input (the whole first
  ``InvertedResidual`` for MobileNetV2). It does not aggregate: the resolution changes there.
* node k >= 1: ``x_k = sum_{i in {in, 0..k-1}} w_ik * y_i``, ``y_k = F_k(act(x_k))``.
* ``out``: ``z = sum_i w_i,out * y_i`` over every node; the stage returns ``act(z)``.

``act`` is ReLU for ResNet-family blocks and the identity for MobileNetV2 (linear
bottleneck). With every weight 1 the stage is the residual chain ``x_k = x_{k-1} + y_{k-1}``:
MobileNetV2 exactly, ResNet-v1 with the post-add ReLU moved to the next node's input.

Edges whose weight is not above ``edge_threshold`` are dropped per sample (mask under no_grad);
the edge source says whether that compares the weight (``w > tau``, non-negative router
weights) or its magnitude (``|w| > tau``, TopoNet's signed alphas). The weights used are kept,
detached, in ``last_adjacency`` (B x (N+2) x (N+2), order in, 0..N-1, out) for hooks and plots.

Without autograd (``torch.no_grad``/``inference_mode``) the stage takes a lean path that gives
the same values bit for bit: each node, once run, *pushes* its weighted output into the pending
inputs of all its live successors with one broadcast ``addcmul_`` (one op per node instead of one
per edge; a node's output is dead once pushed), the ReLU at a node's input runs in place on its
pending input, a threshold that cannot remove anything (``tau <= 0``) is skipped, and
``last_adjacency`` is assembled from the row weights only when it is read. With
``keep_top1_if_empty`` (a per-column rule) the no-grad path aggregates column by column.

Topology (TopoNet). The edge mask may be given at construction (``edge_mask``, e.g. a random
ER/BA/WS graph) and, for a source with a settable topology (:class:`StaticEdgeSource`),
replaced later (:meth:`GraphStage.set_edge_mask`) or restored from a checkpoint. The
predecessor lists and the order of the nodes to run are recomputed once per change, never per
forward. A node is *live* when it is reachable from the stage input and reaches ``out``; a
node that is not (no live predecessor, or no live successor) is not run and its edges count
as absent (our rule: a node without inputs would otherwise emit the constant ``F(0)``). So
removing an edge and zeroing its weight agree whenever both leave the same live nodes, and a
pruned stage really skips the removed nodes. ``out`` must keep at least one live input.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import Tensor

from .aggregate import AGGREGATE_IMPLS, aggregate, weighted_sum
from .edge_source import EdgeSource
from .nodes import block_shortcut, body_function, check_node_type


def _block_channels(block: nn.Module) -> Tuple[int, int]:
    """(in, out) channels of a ResNet-family block or an InvertedResidual."""
    if hasattr(block, 'in_channels') and hasattr(block, 'out_channels'):
        return block.in_channels, block.out_channels
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    return convs[0].in_channels, convs[-1].out_channels


def _as_slice(idx: List[int]) -> Union[slice, List[int]]:
    """``idx`` as a slice when it is a contiguous ascending range, else unchanged."""
    return slice(idx[0], idx[-1] + 1) if idx == list(range(idx[0], idx[-1] + 1)) else idx


def _shares_memory(a: Tensor, b: Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def complete_dag_mask(num_blocks: int, has_in_node: bool) -> Tensor:
    """Edge mask of the stage graph over (in, 0..N-1, out): every i -> j with i < j, except
    ``in -> 0`` (node 0 reads the raw input) and, without an ``in`` node, every ``in`` edge."""
    n = num_blocks + 2
    mask = torch.ones(n, n, dtype=torch.bool).triu(1)
    mask[0, 1] = False
    if not has_in_node:
        mask[0] = False
    return mask


def live_nodes(edge_mask: Tensor, has_in_node: bool) -> List[bool]:
    """Per node (in, 0..N-1, out): reachable from the stage input and reaching ``out``.

    The sources are ``in`` (when the stage has one) and node 0 (which reads the raw input).
    """
    mask = edge_mask.detach().cpu().bool()
    n = mask.shape[0]
    reach = [False] * n
    reach[0] = bool(has_in_node)
    reach[1] = True
    for j in range(2, n):
        reach[j] = any(reach[i] and bool(mask[i, j]) for i in range(j))
    to_out = [False] * n
    to_out[n - 1] = True
    for i in range(n - 2, -1, -1):
        to_out[i] = any(to_out[j] and bool(mask[i, j]) for j in range(i + 1, n))
    return [r and o for r, o in zip(reach, to_out)]


def _sync_topology_after_load(stage: 'GraphStage', incompatible_keys) -> None:
    if stage._topology_version != stage.edge_source.topology_version:
        stage._update_topology()


@MODELS.register_module()
class GraphStage(BaseModule):
    """Blocks of one stage as a weighted complete DAG; weights from a pluggable edge source.

    The blocks are children ``'0'..'N-1'`` as in the base network's ``nn.Sequential``, so a
    static checkpoint loads into the blocks unchanged (the edge source's parameters are new).

    Args:
        blocks: The stage's blocks, built by the base network (N >= 1).
        node_type: ``'residual'`` (BasicBlock/Bottleneck: ``in`` node, ReLU act),
            ``'inverted_residual'`` (MobileNetV2: no ``in`` node, identity act) or any name
            added with :func:`~projects.common.graph.nodes.register_node_type`.
        edge_source: Config of the edge source (registered in mmpretrain ``MODELS``; the
            stage fills ``edge_mask``, ``node_channels`` and ``stage_in_channels``).
            Default: DG-Net's ``RouterEdgeSource``.
        edge_threshold: Keep an edge only where its weight is larger than this (the paper's
            rule; its value was not confirmed). Default 0.0 keeps every sigmoid edge.
        keep_top1_if_empty: When a sample prunes every in-edge of a node, keep its strongest
            one (our option; off by default: the node then sees zeros, the rule taken literally).
        force_edge_weight: Debug/analysis: replace every source weight by this constant.
        aggregate_impl: ``'function'`` (memory-lean autograd Function, default), ``'loop'``
            or ``'stack'`` (naive; for the memory benchmark).
        edge_mask: (N+2) x (N+2) bool, the edges that exist (strictly upper triangular, no
            edge into node 0); default the complete DAG (:func:`complete_dag_mask`).
        init_cfg: mmengine init config.
    """

    def __init__(self,
                 blocks: Sequence[nn.Module],
                 node_type: str = 'residual',
                 edge_source: Optional[dict] = None,
                 edge_threshold: float = 0.0,
                 keep_top1_if_empty: bool = False,
                 force_edge_weight: Optional[float] = None,
                 aggregate_impl: str = 'function',
                 edge_mask: Optional[Tensor] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        layout = check_node_type(node_type)
        if len(blocks) < 1:
            raise ValueError('GraphStage needs at least one block')
        if aggregate_impl not in AGGREGATE_IMPLS:
            raise ValueError(f'aggregate_impl must be one of {AGGREGATE_IMPLS}, '
                             f'got {aggregate_impl!r}')
        self.node_type = node_type
        self.num_blocks = len(blocks)
        for i, block in enumerate(blocks):
            self.add_module(str(i), block)
        self.edge_threshold = float(edge_threshold)
        self.keep_top1_if_empty = keep_top1_if_empty
        self.force_edge_weight = force_edge_weight
        self.aggregate_impl = aggregate_impl

        self.has_in_node = layout.has_in_node
        self._relu_act = layout.relu_act
        #: ``fn(block, x)`` of each block's body, looked up once (plain functions, so that a
        #: deep copy of the stage runs its own blocks)
        self._body_fns = [body_function(b) for b in blocks]
        if edge_mask is None:
            mask = complete_dag_mask(self.num_blocks, self.has_in_node)
        else:
            mask = self._check_stage_mask(edge_mask)
        in_ch, _ = _block_channels(blocks[0])
        out_ch = _block_channels(blocks[-1])[1]
        self.in_channels, self.out_channels = in_ch, out_ch
        cfg = dict(type='RouterEdgeSource') if edge_source is None else dict(edge_source)
        cfg.setdefault('_scope_', 'mmpretrain')  # resolvable from mmdet/mmaction scopes too
        cfg.update(edge_mask=mask, node_channels=[out_ch] * (self.num_blocks + 2),
                   stage_in_channels=in_ch)
        self.edge_source: EdgeSource = MODELS.build(cfg)
        if not isinstance(self.edge_source, EdgeSource):
            raise TypeError(f'edge_source must build an EdgeSource, got '
                            f'{type(self.edge_source).__name__} from {edge_source!r}')
        self.last_adjacency: Optional[Tensor] = None
        self._update_topology()
        # a checkpoint may carry another topology: recompute right after loading (torch's and
        # mmengine's loaders both call this hook); forward also checks the source's version
        self.register_load_state_dict_post_hook(_sync_topology_after_load)

    def _check_stage_mask(self, edge_mask) -> Tensor:
        n = self.num_blocks + 2
        mask = torch.as_tensor(edge_mask).detach().cpu().bool()
        if mask.shape != (n, n):
            raise ValueError(f'edge_mask must be {n} x {n} for a stage of {self.num_blocks} '
                             f'blocks, got {tuple(mask.shape)}')
        if torch.tril(mask).any():
            raise ValueError('edge_mask must be strictly upper triangular (a DAG in order)')
        if mask[:, 1].any():
            raise ValueError('edge_mask: node 0 reads the raw stage input; no edge may enter '
                             'it (column 1)')
        if not self.has_in_node and mask[0].any():
            raise ValueError(f'edge_mask: node_type {self.node_type!r} has no in node '
                             '(row 0 must be empty)')
        return mask

    def _update_topology(self) -> None:
        """Recompute the live nodes, predecessor lists and run order from the mask."""
        mask = self.edge_source.edge_mask.detach().cpu()
        self._check_stage_mask(mask)
        n = self.num_blocks + 2
        live = live_nodes(mask, self.has_in_node)
        if not live[n - 1]:
            raise ValueError('edge_mask leaves the stage output (out) without a live input: '
                             'no path from the stage input to out')
        #: per node: run it (reachable from the input and reaching out)
        self.live_nodes: List[bool] = live
        live_t = torch.tensor(live)
        #: existing edges between live nodes: the stage's effective topology
        self.live_edge_mask = mask & live_t[:, None] & live_t[None, :]
        self._has_dead_edges = not torch.equal(self.live_edge_mask, mask)
        # live predecessors of each live column, as a list and as an index into a column of
        # the adjacency (a slice where they are contiguous, as in a complete DAG)
        self.preds: Dict[int, List[int]] = {
            j: [i for i in range(j) if self.live_edge_mask[i, j]]
            for j in range(2, n) if live[j]}
        self.pred_index: Dict[int, Union[slice, List[int]]] = {
            j: (slice(p[0], p[-1] + 1) if p == list(range(p[0], p[-1] + 1)) else p)
            for j, p in self.preds.items()}
        self._run_cols = sorted(self.preds)
        # the lean no-grad path pushes each node's weighted output into the pending inputs of
        # its live successors: per row, (slots of the targets, positions in the row's weights)
        # as slices where contiguous; column j's pending input is slot j - 2
        # The rows push in ascending order; a slot's first writer stores its product (no
        # zero-filled buffer, no extra pass): per row, the slots it writes first (``fresh``)
        self._push: Dict[int, Tuple[Union[slice, List[int]], Union[slice, List[int]]]] = {}
        self._push_fresh: Dict[int, Union[bool, List[int]]] = {}
        written = set()
        for i in range(n - 1):
            if not live[i]:
                continue
            succ = self.edge_source.successors[i]
            pos = [p for p, j in enumerate(succ) if self.live_edge_mask[i, j]]
            slots = [succ[p] - 2 for p in pos]
            if not slots:
                continue
            sl_slots, sl_pos = _as_slice(slots), _as_slice(pos)
            both = isinstance(sl_slots, slice) and isinstance(sl_pos, slice)
            self._push[i] = (sl_slots, sl_pos) if both else (slots, pos)
            fresh = [t for t in slots if t not in written]
            written.update(slots)
            # True: every target is fresh, False: none is, else the fresh slots
            self._push_fresh[i] = (True if len(fresh) == len(slots) else
                                   False if not fresh else fresh)
        # position of column j in row i's weights
        self.col_pos: Dict[Tuple[int, int], int] = {
            (i, j): pos for i, succ in enumerate(self.edge_source.successors)
            for pos, j in enumerate(succ)}
        self._topology_version = self.edge_source.topology_version

    def set_edge_mask(self, edge_mask: Tensor) -> None:
        """Set the stage's topology (a settable edge source only, e.g. a pruned graph).

        Raises:
            ValueError: on a mask of another size, one that is not a DAG in node order, has
                an edge into node 0, leaves ``out`` without a live input, or a source whose
                topology is fixed.
        """
        mask = self._check_stage_mask(edge_mask)
        old = self.edge_source.edge_mask.clone()
        self.edge_source.set_edge_mask(mask)
        try:
            self._update_topology()
        except ValueError:
            self.edge_source.set_edge_mask(old)
            self._update_topology()
            raise

    def edge_l1(self) -> Tensor:
        """``sum |w|`` over the stage's learnable edges (see the edge source's ``edge_l1``)."""
        return self.edge_source.edge_l1()

    @property
    def edge_mask(self) -> Tensor:
        """The (N+2) x (N+2) edges of the stage; owned by :attr:`edge_source`."""
        return self.edge_source.edge_mask

    @property
    def threshold_rule(self) -> str:
        """``'magnitude'`` (``|w| > tau``) for a signed edge source, else ``'value'``."""
        return 'magnitude' if self.edge_source.signed else 'value'

    # nn.Sequential-like access, as mmpretrain's ResNet reads ``res_layer[-1].out_channels``
    def __getitem__(self, idx: int) -> nn.Module:
        if idx < 0:
            idx += self.num_blocks
        if not 0 <= idx < self.num_blocks:
            raise IndexError(idx)
        return getattr(self, str(idx))

    def __len__(self) -> int:
        return self.num_blocks

    def _act(self, x: Tensor) -> Tensor:
        # in place: ``x`` is always a fresh aggregate that nothing else holds or saved
        return F.relu(x, inplace=True) if self._relu_act else x

    def _body(self, k: int, x: Tensor) -> Tensor:
        block = self._modules[str(k)]
        if getattr(block, 'with_cp', False) and x.requires_grad:
            return cp.checkpoint(self._body_fns[k], block, x, use_reentrant=False)
        return self._body_fns[k](block, x)

    def _row(self, row: int, y: Tensor, stage_input: Tensor) -> Tensor:
        if self.force_edge_weight is not None:
            d = self.edge_source.out_degree(row)
            return y.new_full((y.shape[0], d), float(self.force_edge_weight))
        return self.edge_source.row_weights(row, y, stage_input)

    def keep_mask(self, w: Tensor) -> Tensor:
        """Which of the in-edges ``w`` (B x k, one column of the adjacency) survive.

        ``w > tau`` for an unsigned source, ``|w| > tau`` for a signed one; with
        ``keep_top1_if_empty`` a sample whose k edges all fail keeps its strongest one (the
        largest ``w``, or ``|w|`` for a signed source).
        """
        with torch.no_grad():
            strength = w.abs() if self.edge_source.signed else w
            keep = strength > self.edge_threshold
            if self.keep_top1_if_empty:
                empty = ~keep.any(dim=1, keepdim=True)
                top1 = F.one_hot(strength.argmax(dim=1), w.shape[1]).bool()
                keep = keep | (top1 & empty)
        return keep

    def _threshold(self, w: Tensor) -> Tensor:
        return w * self.keep_mask(w).to(w.dtype)

    def _can_prune(self) -> bool:
        """False when no weight can change: with ``tau < 0`` every edge passes; with
        ``tau == 0`` only zero weights fail (``w >= 0`` for unsigned sources), which
        contribute 0 either way. At ``tau == 0`` the rule still decides which weights get a
        gradient, so this shortcut is taken only when no gradient is computed."""
        tau = self.edge_threshold
        return tau > 0 or (tau == 0 and torch.is_grad_enabled())

    def kept_edges(self) -> Optional[Tensor]:
        """B x (N+2) x (N+2) bool: the edges the last forward kept, by the same rule as the
        threshold (:meth:`keep_mask`) applied to ``last_adjacency``; None before a forward."""
        adj = self.last_adjacency
        if adj is None:
            return None
        kept = torch.zeros(adj.shape, dtype=torch.bool, device=adj.device)
        for col, idx in self.pred_index.items():
            kept[:, idx, col] = self.keep_mask(adj[:, idx, col])
        return kept & self.live_edge_mask.to(adj.device)

    def forward(self, x: Tensor) -> Tensor:
        if self._topology_version != self.edge_source.topology_version:
            self._update_topology()  # the mask was set or loaded since the last forward
        n = self.num_blocks
        num_nodes = n + 2
        grad = torch.is_grad_enabled()
        if not grad and not self.keep_top1_if_empty:
            return self._forward_push(x)
        prune = self._can_prune()
        succ_index = self.edge_source.successor_index
        live = self.live_nodes
        outs: List[Optional[Tensor]] = [None] * num_nodes
        rows: List[Optional[Tensor]] = [None] * num_nodes
        # one adjacency per forward: row i written when router i fires, column j read when
        # node j aggregates; with autograd the weights also stay in ``rows`` (see below)
        adj = x.new_zeros(x.shape[0], num_nodes, num_nodes)

        def emit(row: int, y: Tensor) -> None:
            w = self._row(row, y, x)
            if grad:
                rows[row] = w
                w = w.detach()
            adj[:, row, succ_index[row]] = w

        if self.has_in_node:
            if live[0]:
                shortcut = block_shortcut(self[0])
                outs[0] = shortcut(x) if shortcut is not None else x
                emit(0, outs[0])
            if live[1]:
                outs[1] = self._body(0, x)
                emit(1, outs[1])
        elif live[1]:
            outs[1] = self[0](x)
            emit(1, outs[1])
        z, buf = x, None
        for col in self._run_cols:
            preds, idx = self.preds[col], self.pred_index[col]
            feats = [outs[i] for i in preds]
            if grad:
                # the weights autograd differentiates: gathered from the rows (writing them
                # into ``adj`` in place and reading it back would break autograd's versions)
                w = torch.stack([rows[i][:, self.col_pos[(i, col)]] for i in preds], dim=1)
                if prune:
                    w = self._threshold(w)
                    adj[:, idx, col] = w.detach()
                agg = aggregate(w, feats, self.aggregate_impl)
            else:
                if prune:
                    adj[:, idx, col] = self._threshold(adj[:, idx, col])
                # one buffer for every node input of the stage: x_j is dead once node j ran
                agg = buf = weighted_sum(adj[:, idx, col], feats, out=buf)
            if col == num_nodes - 1:
                z = agg
                break
            outs[col] = self._body(col - 1, self._act(agg))
            if buf is not None and _shares_memory(outs[col], buf):
                buf = None  # a body that returns (a view of) its input keeps it
            emit(col, outs[col])
        if self._has_dead_edges:  # edges of nodes that were not run are absent
            adj = adj * self.live_edge_mask.to(adj.device)
        self.last_adjacency = adj
        return self._act(z)

    def _forward_push(self, x: Tensor) -> Tensor:
        """The lean path without autograd: each node pushes its weighted output into the
        pending inputs of all its live successors with one broadcast ``addcmul_``.

        Same sums in the same order as :meth:`forward` (``x_j`` accumulates ``w_ij * y_i``
        for ``i`` ascending, starting from 0), but one op per node instead of one per edge,
        and a node's output is dead once pushed. A per-edge threshold is elementwise, so it is
        applied to each row; ``keep_top1_if_empty`` needs whole columns and takes the
        column path of :meth:`forward`.
        """
        num_nodes = self.num_blocks + 2
        live = self.live_nodes
        tau = self.edge_threshold
        prune = tau > 0  # no weight can fail ``w > tau`` (or ``|w| > tau``) otherwise
        signed = self.edge_source.signed
        succ_index = self.edge_source.successor_index
        rows: List[Optional[Tensor]] = [None] * num_nodes
        pending: Optional[Tensor] = None  # slot j - 2: the input of column j so far

        row_weights = (self.edge_source.row_weights
                       if self.force_edge_weight is None else self._row)

        def push(row: int, y: Tensor) -> None:
            nonlocal pending
            w = row_weights(row, y, x)
            if prune:
                w = w * ((w.abs() if signed else w) > tau).to(w.dtype)
            rows[row] = w
            target = self._push.get(row)
            if target is None:
                return
            if pending is None:
                # every slot is written by its first pusher before it is read
                pending = y.new_empty((num_nodes - 2, ) + tuple(y.shape))
            slots, pos = target
            fresh = self._push_fresh[row]
            if fresh is not True and fresh is not False:
                for slot in fresh:  # mixed: start the fresh slots from 0
                    pending[slot].zero_()
            bshape = (y.shape[0], ) + (1, ) * (y.dim() - 1)
            if isinstance(slots, slice):
                if pos != slice(0, w.shape[1]):
                    w = w[:, pos]
                # (k, B, 1, ...) weights against y broadcast over the k slots; at batch 1 a
                # view of the row, else its transpose
                wt = w.view((-1, ) + bshape) if w.shape[0] == 1 else w.t().reshape(
                    (-1, ) + bshape)
                if fresh is True:
                    torch.mul(wt, y, out=pending[slots])
                else:
                    pending[slots].addcmul_(wt, y)
            else:
                for slot, p in zip(slots, pos):
                    if fresh is True:
                        torch.mul(y, w[:, p].reshape(bshape), out=pending[slot])
                    else:
                        pending[slot].addcmul_(y, w[:, p].reshape(bshape))

        if self.has_in_node:
            if live[0]:
                shortcut = block_shortcut(self[0])
                push(0, shortcut(x) if shortcut is not None else x)
            if live[1]:
                push(1, self._body(0, x))
        elif live[1]:
            push(1, self[0](x))
        for col in self._run_cols[:-1]:
            # in place: the pending input of ``col`` is read by nothing else
            push(col, self._body(col - 1, self._act(pending[col - 2])))
        z = pending[num_nodes - 3].clone()  # not a view that would keep every slot alive
        # the adjacency is assembled from the rows only when someone reads it
        self._last_rows = (rows, succ_index,
                           self.live_edge_mask if self._has_dead_edges else None)
        self._last_adjacency = None
        return self._act(z)

    @property
    def last_adjacency(self) -> Optional[Tensor]:
        """B x (N+2) x (N+2): the (thresholded, detached) weights of the last forward's
        edges, zero where there is no edge or the edge's node was not run; None before a
        forward. Built on first access after a no-grad forward."""
        if self._last_adjacency is None and self._last_rows is not None:
            rows, succ_index, live_mask = self._last_rows
            ref = next(w for w in rows if w is not None)
            n = self.num_blocks + 2
            adj = ref.new_zeros(ref.shape[0], n, n)
            for row, w in enumerate(rows):
                if w is not None:
                    adj[:, row, succ_index[row]] = w.detach()
            if live_mask is not None:
                adj = adj * live_mask.to(adj.device)
            self._last_adjacency, self._last_rows = adj, None
        return self._last_adjacency

    @last_adjacency.setter
    def last_adjacency(self, adj: Optional[Tensor]) -> None:
        self._last_adjacency, self._last_rows = adj, None

    def block_of_source_param(self, name: str) -> int:
        """The block whose layer depth a parameter of :attr:`edge_source` takes, for
        layer-wise learning-rate decay (``name`` is relative to the edge source).

        A router's parameters take the depth of the block whose output it reads (the
        ``in`` node's router that of block 0); any other parameter (e.g. TopoNet's
        ``edge_alpha``, which weighs every node of the stage) that of the stage's last block.
        """
        parts = name.split('.')
        rows = getattr(self.edge_source, 'row_of_router', None)
        if rows is not None and parts[0] == 'routers' and len(parts) > 1:
            return max(rows[int(parts[1])] - 1, 0)
        return self.num_blocks - 1

    def extra_macs(self, in_shape: Sequence[int], out_shape: Sequence[int]) -> Dict[str, int]:
        """Analytic per-sample cost the graph adds over the plain chain of blocks.

        ``aggregation``: ``(|pred(j)| - 1) * C*H*W`` per aggregating node ``j``, i.e. the
        multiply-adds of the weighted sums beyond the one shortcut add per block the static
        network already does (FLOP counters miss these dynamic ops); ``router``: global
        pooling plus FC MACs.
        ``in_shape``/``out_shape`` are the stage's input and output (C, H, W).
        """
        out_elems = int(torch.tensor(out_shape[-3:]).prod())
        in_elems = int(torch.tensor(in_shape[-3:]).prod())
        agg = sum(len(p) - 1 for p in self.preds.values()) * out_elems
        router = 0
        reads_input = getattr(self.edge_source, 'router_input', None) == 'stage_input'
        for row in range(self.edge_source.num_rows):
            macs = self.edge_source.row_macs(row)
            if macs:
                router += macs + (in_elems if reads_input else out_elems)
        return dict(aggregation=agg, router=router)
