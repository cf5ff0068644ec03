"""AdaRem update rule: a readable per-tensor reference and a compiled multi-tensor path.

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

:func:`adarem_reference` applies it tensor by tensor in eager mode. :func:`adarem_compiled`
applies the same arithmetic through ``torch.compile`` so that the number of compiled graphs does
not depend on the model (our design, measured in the README):

- tensors are flattened to 1-D and passed in chunks of :data:`CHUNK` tensors, padded with
  zero-sized-effect dummies, and compiled with dynamic sizes (without duck sizing), so one graph
  serves every chunk of every model: the shapes of ResNet-18, ResNet-50 and MobileNetV2, and
  mmengine's one-parameter-per-group ``paramwise_cfg`` grouping, all reuse it;
- every hyperparameter (``lr``, ``lam**t``, ``beta``, ``eps``, ``weight_decay``) is a row of a
  per-tensor table, so tensors of different parameter groups share a chunk and new values
  (a learning-rate schedule, ``t``) never recompile;
- ``direction`` and ``norm`` select one of six compiled entry points (dynamo's recompile limit
  counts per code object, so each static variant has its own and only dtype/device add graphs).
"""
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

DIRECTIONS = ('grad', 'ema', 'heavy_ball')
NORMS = ('tensor', 'sign')
#: Tensors per compiled call; the last chunk of a bucket is padded with dummies.
CHUNK = 8
#: Columns of the per-tensor hyperparameter table.
LR, LAM_POW, BETA, EPS, WD = range(5)


def agreement(grad: Tensor, exp_avg: Tensor, eps, norm: str) -> Tensor:
    """``b``: the agreement in [-1, 1] between the gradient and the past direction ``m``."""
    if norm == 'tensor':
        # clamp: with eps=0 an all-zero m (first step) gives b = 0, not 0/0
        denom = (exp_avg.abs().max() + eps).clamp_min(torch.finfo(exp_avg.dtype).tiny)
        return grad.sign() * exp_avg / denom
    return grad.sign() * exp_avg.sign()


def _advance_state(g: Tensor, m: Tensor, buf: Optional[Tensor], beta, direction: str) -> Tensor:
    """Update the EMA (and heavy-ball buffer) in place; return the direction ``d``."""
    m.mul_(beta).add_((1 - beta) * g)
    if direction == 'grad':
        return g
    if direction == 'ema':
        return m
    buf.mul_(beta).add_(g)
    return buf


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
        if p.numel() == 0:
            continue
        c = 1 + lam_powers[i] * agreement(g, m, eps, norm)
        d = _advance_state(g, m, momentum_buffers[i], beta, direction)
        update = c * d
        if weight_decay != 0:
            update = update + weight_decay * p
        p.add_(update, alpha=-lr)


# ----------------------------------------------------------------------------- compiled path
def _update_chunk(ps: List[Tensor], gs: List[Tensor], ms: List[Tensor], vs: List[Tensor],
                  table: Tensor, direction: str, norm: str) -> None:
    # adarem_reference's arithmetic on 1-D tensors; row i of ``table`` holds tensor i's
    # hyperparameters as tensors, so their values are data, not guards.
    for i in range(len(ps)):
        p, g, m = ps[i], gs[i], ms[i]
        h = table[i]
        c = 1 + h[LAM_POW] * agreement(g, m, h[EPS], norm)
        d = _advance_state(g, m, vs[i] if vs else None, h[BETA], direction)
        p.sub_(h[LR] * (c * d + h[WD] * p))


# One entry point per static variant: dynamo's recompile limit is counted per code object.
def _grad_tensor(ps, gs, ms, vs, table):
    _update_chunk(ps, gs, ms, vs, table, 'grad', 'tensor')


def _grad_sign(ps, gs, ms, vs, table):
    _update_chunk(ps, gs, ms, vs, table, 'grad', 'sign')


def _ema_tensor(ps, gs, ms, vs, table):
    _update_chunk(ps, gs, ms, vs, table, 'ema', 'tensor')


def _ema_sign(ps, gs, ms, vs, table):
    _update_chunk(ps, gs, ms, vs, table, 'ema', 'sign')


def _heavy_ball_tensor(ps, gs, ms, vs, table):
    _update_chunk(ps, gs, ms, vs, table, 'heavy_ball', 'tensor')


def _heavy_ball_sign(ps, gs, ms, vs, table):
    _update_chunk(ps, gs, ms, vs, table, 'heavy_ball', 'sign')


_ENTRY_POINTS = {
    ('grad', 'tensor'): _grad_tensor, ('grad', 'sign'): _grad_sign,
    ('ema', 'tensor'): _ema_tensor, ('ema', 'sign'): _ema_sign,
    ('heavy_ball', 'tensor'): _heavy_ball_tensor, ('heavy_ball', 'sign'): _heavy_ball_sign}
_COMPILED: Dict[Tuple[str, str], object] = {}
_DUMMIES: Dict[Tuple[torch.device, torch.dtype], List[Tensor]] = {}


def _compiled(direction: str, norm: str):
    key = (direction, norm)
    if key not in _COMPILED:
        _COMPILED[key] = torch.compile(_ENTRY_POINTS[key], fullgraph=True, dynamic=True)
    return _COMPILED[key]


def _dummies(like: Tensor, count: int) -> List[Tensor]:
    """``count`` distinct all-zero 1-D tensors of 2 elements (padding of the last chunk).

    Padding rows have ``lr = beta = 0``, so the dummies stay zero; 2 elements because dynamo
    specializes sizes 0 and 1.
    """
    key = (like.device, like.dtype)
    pool = _DUMMIES.setdefault(key, [])
    while len(pool) < count:
        pool.append(torch.zeros(2, dtype=like.dtype, device=like.device))
    return pool[:count]


def flat_alias(t: Tensor) -> Optional[Tensor]:
    """A 1-D tensor sharing ``t``'s memory (not a view object, so dynamo sees no ``_base``).

    Returns None when ``t`` is not one dense block (then the caller uses the reference path).
    """
    if t.is_contiguous():
        return t.view(-1).detach()
    if _is_dense(t):
        return t.as_strided((t.numel(), ), (1, )).detach()
    return None


def _is_dense(t: Tensor) -> bool:
    """Whether ``t``'s elements fill one block of memory without overlap (any dim order)."""
    expected = 1
    for stride, size in sorted((st, s) for s, st in zip(t.shape, t.stride()) if s != 1):
        if stride != expected:
            return False
        expected *= size
    return True


def table_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype of the hyperparameter table for parameters of ``dtype``."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def adarem_compiled(params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor],
                    momentum_buffers: List[Optional[Tensor]], hyper: List[List[float]], *,
                    direction: str, norm: str) -> None:
    """The update of :func:`adarem_reference` through ``torch.compile``, in chunks.

    All tensors must be 1-D, dense, of one dtype and device, with at least 2 elements, and
    ``p``, ``g``, ``m`` (and ``v``) of one tensor must have the same size (see
    :func:`flat_alias`). The first call per (direction, norm, dtype, device) compiles, a few
    seconds on CPU (Inductor caches it on disk); nothing else recompiles.

    Args:
        params: Flat parameters.
        grads: Flat gradients.
        exp_avgs: Flat EMAs ``m``.
        momentum_buffers: Flat heavy-ball buffers (``direction='heavy_ball'``), else ignored.
        hyper: Per tensor ``[lr, lam**t, beta, eps, weight_decay]``.
        direction: ``'grad'``, ``'ema'`` or ``'heavy_ball'``.
        norm: ``'tensor'`` or ``'sign'``.
    """
    import torch.fx.experimental._config as fx_config
    n = len(params)
    if n == 0:
        return
    num_chunks = -(-n // CHUNK)
    pad = num_chunks * CHUNK - n
    like = params[0]
    rows = list(hyper) + [[0.0, 0.0, 0.0, 1.0, 0.0]] * pad
    tables = torch.tensor(rows, dtype=table_dtype(like.dtype), device=like.device).view(
        num_chunks, CHUNK, 5).unbind(0)
    ps, gs, ms = list(params), list(grads), list(exp_avgs)
    vs = list(momentum_buffers) if direction == 'heavy_ball' else []
    if pad:
        # distinct dummies for every slot: dynamo guards on aliasing between inputs
        pool = _dummies(like, 4 * pad)
        ps += pool[:pad]
        gs += pool[pad:2 * pad]
        ms += pool[2 * pad:3 * pad]
        if vs:
            vs += pool[3 * pad:]
    fn = _compiled(direction, norm)
    # without duck sizing, equal sizes of different tensors get no equality guard
    with fx_config.patch(use_duck_shape=False):
        for c in range(num_chunks):
            s = slice(c * CHUNK, (c + 1) * CHUNK)
            fn(ps[s], gs[s], ms[s], vs[s], tables[c])
