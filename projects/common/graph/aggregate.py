"""Per-sample weighted sum of node outputs, the aggregation step of a graph stage.

Shared by DG-Net (arXiv 2010.01097, per-sample router weights) and TopoNet (arXiv 2008.08261,
learned per-edge weights broadcast over the batch). Node ``j`` of a stage reads
``x_j = sum_i w[:, i] * y_i`` over its predecessors ``i``.

:class:`DynamicAggregate` is the memory-lean form the DG-Net spec asks for: it keeps only the
weight column ``w`` (``B x k``) and references to the predecessor outputs ``y_i`` (which are
alive anyway, as inputs of later nodes) and recomputes everything else in backward:
``grad_y_i = w[:, i] * g`` and ``grad_w[:, i] = sum_chw g * y_i``. It never stacks the
``y_i`` (a ``B x k x C x H x W`` copy per node). The python loop (``impl='loop'``) is the
autograd reference; ``impl='stack'`` is the naive stack-and-sum kept for the memory benchmark.
"""
from typing import Optional, Sequence

import torch
from torch import Tensor

AGGREGATE_IMPLS = ('function', 'loop', 'stack')


def _bcast(w: Tensor, like: Tensor) -> Tensor:
    """(B,) per-sample weights shaped to broadcast over C, H, W of ``like``."""
    return w.reshape((w.shape[0], ) + (1, ) * (like.dim() - 1))


def weighted_sum(weights: Tensor, feats: Sequence[Tensor],
                 out: Optional[Tensor] = None) -> Tensor:
    """``sum_i weights[:, i] * feats[i]`` in index order, as plain ops.

    Not differentiable through the in-place accumulation: the forward of
    :class:`DynamicAggregate`, and the graph stage's path when no gradient is computed
    (no ``Function.apply`` per node there). ``weights`` may be a strided view (a column of
    the stage's adjacency).

    Args:
        weights: B x k.
        feats: k tensors of one shape B x ...
        out: Tensor of that shape to write into (it must not alias any of ``feats``);
            default a new one.
    """
    ws = weights.reshape(weights.shape + (1, ) * (feats[0].dim() - 1)).unbind(1)
    if out is None:
        out = torch.mul(feats[0], ws[0])
    else:
        torch.mul(feats[0], ws[0], out=out)
    for feat, w in zip(feats[1:], ws[1:]):
        out.addcmul_(feat, w)
    return out


class DynamicAggregate(torch.autograd.Function):
    """``out = sum_i weights[:, i] * feats[i]`` with a backward that saves no products.

    Forward args: ``weights`` (B x k) and the ``k`` tensors ``feats`` (B x ...), all of one
    shape. Summation runs in index order (``((w0*y0 + w1*y1) + w2*y2) ...``), so with unit
    weights the result equals a residual chain's running sum bit for bit.
    """

    @staticmethod
    def forward(ctx, weights: Tensor, *feats: Tensor) -> Tensor:
        if weights.dim() != 2 or weights.shape[1] != len(feats):
            raise ValueError(f'weights must be B x {len(feats)}, got {tuple(weights.shape)}')
        out = weighted_sum(weights, feats)
        ctx.save_for_backward(weights, *feats)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        weights, *feats = ctx.saved_tensors
        grad_w = None
        if ctx.needs_input_grad[0]:
            # sum over every non-batch dim of g * y_i, without materialising g * y_i for all i
            flat_g = grad_out.reshape(grad_out.shape[0], 1, -1)
            grad_w = torch.cat([
                torch.bmm(flat_g, y.reshape(y.shape[0], -1, 1)).reshape(-1, 1) for y in feats
            ], dim=1).to(weights.dtype)
        grads_y = []
        for i, y in enumerate(feats):
            if ctx.needs_input_grad[i + 1]:
                grads_y.append(grad_out * _bcast(weights[:, i], grad_out))
            else:
                grads_y.append(None)
        return (grad_w, *grads_y)


def aggregate(weights: Tensor, feats: Sequence[Tensor], impl: str = 'function') -> Tensor:
    """Weighted per-sample sum of ``feats`` (see module docstring).

    Args:
        weights: B x k edge weights, column ``i`` for ``feats[i]``.
        feats: k tensors of identical shape B x C x H x W (or any B x ...).
        impl: ``'function'`` (:class:`DynamicAggregate`, default), ``'loop'`` (autograd on a
            python loop) or ``'stack'`` (``torch.stack`` then sum; the memory-hungry baseline).
    """
    if len(feats) == 0:
        raise ValueError('aggregate needs at least one input feature')
    if impl == 'function':
        return DynamicAggregate.apply(weights, *feats)
    if impl == 'loop':
        out = feats[0] * _bcast(weights[:, 0], feats[0])
        for i in range(1, len(feats)):
            out = out + feats[i] * _bcast(weights[:, i], feats[i])
        return out
    if impl == 'stack':
        stacked = torch.stack(list(feats), dim=1)
        w = weights.reshape(weights.shape + (1, ) * (stacked.dim() - 2))
        return (stacked * w).sum(dim=1)
    raise ValueError(f'impl must be one of {AGGREGATE_IMPLS}, got {impl!r}')
