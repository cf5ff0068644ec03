"""AdaRem update rule: a readable per-tensor reference and a fused (torch.compile'd) path.

Paper: AdaRem, "Adaptive Gradient Method with Resilience and Momentum" (arXiv 2010.11041).
The reading implemented by default is the only public one (nestordemeure/flaxOptimizers,
``adarem.py``); see ``projects/adarem/README.md`` for what is verified and what is our choice.

For one tensor ``p`` with gradient ``g``, EMA ``m`` (``m_{t-1}``) and step count ``t``::

    b = sign(g) * m / (max|m| + eps)        # norm='tensor'  (norm='sign': sign(g) * sign(m))
    c = 1 + lam**t * b
    d = g                                   # direction='grad'
        m_t                                 # direction='ema'   (after the EMA update)
        v = beta * v + g                    # direction='heavy_ball'
    p = p - lr * (c * d + weight_decay * p) # coupled L2, not multiplied by c
    m = beta * m + (1 - beta) * g           # after b is computed

Both paths take the same arguments; :func:`adarem_fused` is the same arithmetic compiled once
per parameter group (hyperparameters are passed as tensors so that no step recompiles).
"""
from typing import Dict, List, Optional

import torch
from torch import Tensor

DIRECTIONS = ('grad', 'ema', 'heavy_ball')
NORMS = ('tensor', 'sign')


def agreement(grad: Tensor, exp_avg: Tensor, eps: float, norm: str) -> Tensor:
    """``b``: the agreement in [-1, 1] between the gradient and the past direction ``m``."""
    if norm == 'tensor':
        # clamp: with eps=0 an all-zero m (first step) gives b = 0, not 0/0
        denom = (exp_avg.abs().max() + eps).clamp_min(torch.finfo(exp_avg.dtype).tiny)
        return grad.sign() * exp_avg / denom
    return grad.sign() * exp_avg.sign()


def adarem_reference(params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor],
                     momentum_buffers: List[Optional[Tensor]], lam_powers: List[float], *,
                     lr: float, beta: float, eps: float, weight_decay: float, direction: str,
                     norm: str) -> None:
    """Update ``params``, ``exp_avgs`` (and heavy-ball buffers) in place, one tensor at a time.

    Args:
        params: Parameters to update.
        grads: Their gradients.
        exp_avgs: EMA of past gradients, ``m_{t-1}`` on entry, ``m_t`` on exit.
        momentum_buffers: Heavy-ball buffers (``direction='heavy_ball'``), else ignored.
        lam_powers: ``lam ** t`` per tensor (computed by the caller in double precision).
        lr: Learning rate.
        beta: EMA coefficient of ``m`` (and the heavy-ball momentum).
        eps: Keeps ``b`` finite when ``m`` is all zero.
        weight_decay: Coupled L2 coefficient.
        direction: ``'grad'``, ``'ema'`` or ``'heavy_ball'``.
        norm: ``'tensor'`` or ``'sign'``.
    """
    for i, (p, g, m) in enumerate(zip(params, grads, exp_avgs)):
        c = 1 + lam_powers[i] * agreement(g, m, eps, norm)
        d = _advance_state(g, m, momentum_buffers[i], beta, direction)
        update = c * d
        if weight_decay != 0:
            update = update + weight_decay * p
        p.add_(update, alpha=-lr)


def _advance_state(g: Tensor, m: Tensor, buf: Optional[Tensor], beta, direction: str) -> Tensor:
    """Update the EMA (and heavy-ball buffer) in place; return the direction ``d``."""
    m.mul_(beta).add_((1 - beta) * g)
    if direction == 'grad':
        return g
    if direction == 'ema':
        return m
    buf.mul_(beta).add_(g)
    return buf


def _fused_impl(params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor],
                momentum_buffers: List[Tensor], lam_powers: Tensor, lr: Tensor, beta: Tensor,
                eps: Tensor, weight_decay: Tensor, direction: str, norm: str) -> None:
    # The same arithmetic as adarem_reference, written for torch.compile: hyperparameters are
    # 0-d tensors and lam_powers a 1-d tensor, so new values do not trigger a recompile.
    for i in range(len(params)):
        p, g, m = params[i], grads[i], exp_avgs[i]
        c = 1 + lam_powers[i] * agreement(g, m, eps, norm)
        d = _advance_state(g, m, momentum_buffers[i], beta, direction)
        p.sub_(lr * (c * d + weight_decay * p))


_COMPILED: Dict[str, object] = {}


def _compiled():
    if 'fn' not in _COMPILED:
        _COMPILED['fn'] = torch.compile(_fused_impl, fullgraph=True, dynamic=False)
    return _COMPILED['fn']


def adarem_fused(params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor],
                 momentum_buffers: List[Optional[Tensor]], lam_powers: List[float], *,
                 lr: float, beta: float, eps: float, weight_decay: float, direction: str,
                 norm: str) -> None:
    """:func:`adarem_reference` compiled by ``torch.compile`` (same arguments).

    The first call for a given set of tensor shapes compiles (tens of seconds on CPU; Inductor
    caches the result on disk); later calls with new ``lr``/``lam_powers`` values reuse it.
    """
    device = params[0].device
    scalar = dict(dtype=torch.float64, device=device)
    buffers = [b if b is not None else m for b, m in zip(momentum_buffers, exp_avgs)]
    _compiled()(params, grads, exp_avgs, buffers, torch.tensor(lam_powers, **scalar),
                torch.tensor(lr, **scalar), torch.tensor(beta, **scalar),
                torch.tensor(eps, **scalar), torch.tensor(weight_decay, **scalar),
                direction, norm)
