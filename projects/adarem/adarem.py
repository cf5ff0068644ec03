"""AdaRem optimizer, registered in mmengine's root ``OPTIMIZERS``.

Paper: Liu et al., "AdaRem: Adaptive Gradient Method with Resilience and Momentum",
arXiv 2010.11041 (https://arxiv.org/abs/2010.11041). No official code exists.

AdaRem keeps SGD's global step size and scales each coordinate's step by how much its gradient
agrees with the parameter's past direction of movement (an EMA of gradients): up to 2x when
they agree, down to 0 when they disagree, with the adaptation fading as ``lam ** t``.
The update rule is the only public reading (see :mod:`projects.adarem.functional`); the
switches ``direction``, ``norm`` and ``decay_unit`` expose the open questions of that reading.
"""
import math
from typing import Any, Callable, Iterable, Optional, Union

import torch
from mmengine.registry import OPTIMIZERS
from torch.optim import Optimizer

from .functional import DIRECTIONS, NORMS, adarem_fused, adarem_reference

IMPLS = ('compiled', 'reference')
DECAY_UNITS = ('iter', 'epoch')


@OPTIMIZERS.register_module()
class AdaRem(Optimizer):
    """AdaRem: per-coordinate step scaling by sign agreement with the past direction.

    Args:
        params: Parameters or parameter groups to optimize.
        lr: Learning rate, on SGD's scale (not Adam's).
        beta: EMA coefficient of the past-direction estimate ``m``. Default 0.9.
        lam: Decay of the adaptation strength; the multiplier is ``1 + lam**t * b``, so AdaRem
            tends to SGD as ``t`` grows. Default 0.999.
        eps: Added to ``max|m|``; keeps the first step (``m = 0``) finite. Default 1e-8.
        weight_decay: Coupled L2 decay, added to the step and not scaled by the multiplier.
            Default 0.
        direction: What the multiplier scales: ``'grad'`` (the gradient, default, as in the
            public reading), ``'ema'`` (the updated EMA ``m_t``) or ``'heavy_ball'``
            (``v = beta * v + g``). The last two are our readings of "with Momentum".
        norm: Scope of the agreement ``b``: ``'tensor'`` (``sign(g) * m / max|m|`` over each
            tensor, default) or ``'sign'`` (``sign(g) * sign(m)``).
        decay_unit: What ``t`` in ``lam**t`` counts: ``'iter'`` (optimizer steps, default) or
            ``'epoch'`` (steps // ``iters_per_epoch``); the paper's unit is unknown.
        iters_per_epoch: Needed with ``decay_unit='epoch'``.
        impl: ``'compiled'`` (default: the update compiled once per parameter group by
            ``torch.compile``) or ``'reference'`` (a per-tensor Python loop, for reading and
            testing). Both compute the same update.

    Example:
        >>> optim_wrapper = dict(optimizer=dict(type='AdaRem', lr=0.1, weight_decay=1e-4))
    """

    def __init__(self,
                 params: Iterable[Any],
                 lr: float,
                 beta: float = 0.9,
                 lam: float = 0.999,
                 eps: float = 1e-8,
                 weight_decay: float = 0.0,
                 direction: str = 'grad',
                 norm: str = 'tensor',
                 decay_unit: str = 'iter',
                 iters_per_epoch: Optional[int] = None,
                 impl: str = 'compiled') -> None:
        _check('lr', lr, lr >= 0, '>= 0')
        _check('beta', beta, 0 <= beta < 1, 'in [0, 1)')
        _check('lam', lam, 0 <= lam <= 1, 'in [0, 1]')
        _check('eps', eps, eps >= 0, '>= 0')
        _check('weight_decay', weight_decay, weight_decay >= 0, '>= 0')
        _check('direction', direction, direction in DIRECTIONS, f'one of {DIRECTIONS}')
        _check('norm', norm, norm in NORMS, f'one of {NORMS}')
        _check('decay_unit', decay_unit, decay_unit in DECAY_UNITS, f'one of {DECAY_UNITS}')
        _check('impl', impl, impl in IMPLS, f'one of {IMPLS}')
        if decay_unit == 'epoch':
            _check('iters_per_epoch', iters_per_epoch,
                   isinstance(iters_per_epoch, int) and iters_per_epoch > 0,
                   "a positive int when decay_unit='epoch'")
        defaults = dict(lr=lr, beta=beta, lam=lam, eps=eps, weight_decay=weight_decay,
                        direction=direction, norm=norm, decay_unit=decay_unit,
                        iters_per_epoch=iters_per_epoch)
        super().__init__(params, defaults)
        self.impl = impl

    def _lam_power(self, group: dict, step: int) -> float:
        t = step if group['decay_unit'] == 'iter' else step // group['iters_per_epoch']
        return math.pow(group['lam'], float(t))

    @torch.no_grad()
    def step(self, closure: Optional[Callable[[], Union[float, torch.Tensor]]] = None
             ) -> Optional[Union[float, torch.Tensor]]:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params, grads, exp_avgs, buffers, lam_powers = [], [], [], [], []
            for p in group['params']:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError('AdaRem does not support sparse gradients; use dense '
                                       'gradients (e.g. nn.Embedding(sparse=False))')
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['exp_avg'] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    if group['direction'] == 'heavy_ball':
                        state['momentum_buffer'] = torch.zeros_like(
                            p, memory_format=torch.preserve_format)
                params.append(p)
                grads.append(p.grad)
                exp_avgs.append(state['exp_avg'])
                buffers.append(state.get('momentum_buffer'))
                lam_powers.append(self._lam_power(group, state['step']))
                state['step'] += 1
            if not params:
                continue
            update = adarem_fused if self.impl == 'compiled' else adarem_reference
            update(params, grads, exp_avgs, buffers, lam_powers, lr=group['lr'],
                   beta=group['beta'], eps=group['eps'], weight_decay=group['weight_decay'],
                   direction=group['direction'], norm=group['norm'])
        return loss


def _check(name: str, value: Any, ok: bool, allowed: str) -> None:
    if not ok:
        raise ValueError(f'AdaRem: invalid {name}={value!r}; expected {allowed}')
