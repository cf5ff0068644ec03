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
import numbers
from collections import defaultdict
from typing import Any, Callable, Dict, Iterable, Optional, Union

import torch
from mmengine.registry import OPTIMIZERS
from torch.optim import Optimizer

from .functional import DIRECTIONS, NORMS, adarem_compiled, adarem_reference, flat_alias

IMPLS = ('compiled', 'reference')
DECAY_UNITS = ('iter', 'epoch')


@OPTIMIZERS.register_module()
class AdaRem(Optimizer):
    """AdaRem: per-coordinate step scaling by sign agreement with the past direction.

    Every argument except ``params`` and ``impl`` is a per-group option: parameter groups
    (e.g. those mmengine builds from ``paramwise_cfg``) may override it, and each group is
    validated when it is added.

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
        iters_per_epoch: Optimizer steps per epoch; required with ``decay_unit='epoch'``.
        impl: ``'compiled'`` (default: all tensors of all groups go through one
            ``torch.compile``'d multi-tensor update, see
            :func:`~projects.adarem.functional.adarem_compiled`) or ``'reference'`` (a
            per-tensor eager loop, for reading and testing). Both compute the same update.

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
        _check_choice('impl', impl, IMPLS)
        self.impl = impl
        defaults = dict(lr=lr, beta=beta, lam=lam, eps=eps, weight_decay=weight_decay,
                        direction=direction, norm=norm, decay_unit=decay_unit,
                        iters_per_epoch=iters_per_epoch)
        _check_group(defaults, 'the arguments')
        super().__init__(params, defaults)

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """Add a group (filled with the defaults) after checking its hyperparameters."""
        super().add_param_group(param_group)
        try:
            _check_group(self.param_groups[-1], f'param group {len(self.param_groups) - 1}')
        except (TypeError, ValueError):
            self.param_groups.pop()
            raise

    def _lam_power(self, group: dict, step: int) -> float:
        t = step if group['decay_unit'] == 'iter' else step // group['iters_per_epoch']
        return math.pow(group['lam'], float(t))

    @torch.no_grad()
    def step(self, closure: Optional[Callable[[], Union[float, torch.Tensor]]] = None
             ) -> Optional[Union[float, torch.Tensor]]:
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # compiled path: one bucket per (direction, norm, device, dtype) across all groups
        buckets: Dict[tuple, list] = defaultdict(lambda: ([], [], [], [], []))
        for group in self.param_groups:
            eager = ([], [], [], [], [])
            for p in group['params']:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError('AdaRem does not support sparse gradients; use dense '
                                       'gradients (e.g. nn.Embedding(sparse=False))')
                state = self._init_state(p, group)
                lam_power = self._lam_power(group, state['step'])
                state['step'] += 1
                buf = state.get('momentum_buffer')
                flat = self._flat(p, state, buf) if self.impl == 'compiled' else None
                if flat is None:
                    for lst, x in zip(eager, (p, p.grad, state['exp_avg'], buf, lam_power)):
                        lst.append(x)
                    continue
                bucket = buckets[(group['direction'], group['norm'], p.device, p.dtype)]
                hyper = [group['lr'], lam_power, group['beta'], group['eps'],
                         group['weight_decay']]
                for lst, x in zip(bucket, flat + [hyper]):
                    lst.append(x)
            if eager[0]:
                adarem_reference(*eager, lr=group['lr'], beta=group['beta'], eps=group['eps'],
                                 weight_decay=group['weight_decay'],
                                 direction=group['direction'], norm=group['norm'])
        for (direction, norm, _, _), lists in buckets.items():
            adarem_compiled(*lists, direction=direction, norm=norm)
        return loss

    def _init_state(self, p: torch.Tensor, group: dict) -> dict:
        state = self.state[p]
        if not state:
            state['step'] = 0
            state['exp_avg'] = torch.zeros_like(p, memory_format=torch.preserve_format)
        if group['direction'] == 'heavy_ball' and 'momentum_buffer' not in state:
            state['momentum_buffer'] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return state

    @staticmethod
    def _flat(p: torch.Tensor, state: dict, buf: Optional[torch.Tensor]) -> Optional[list]:
        """1-D aliases of ``p``, its gradient, ``m`` (and ``v``) for the compiled path.

        None (use the reference path) for tensors of fewer than 2 elements or whose
        gradient/state do not share the parameter's memory layout.
        """
        tensors = [p, p.grad, state['exp_avg']] + ([buf] if buf is not None else [])
        if p.numel() < 2 or any((t.shape, t.stride(), t.dtype) != (p.shape, p.stride(), p.dtype)
                                for t in tensors[1:]):
            return None
        flat = [flat_alias(t) for t in tensors]
        if any(f is None for f in flat):
            return None
        return flat if buf is not None else flat + [None]


def _check_choice(name: str, value: Any, allowed: tuple, where: str = 'the arguments') -> None:
    if not isinstance(value, str):
        raise TypeError(f'AdaRem: invalid {name}={value!r} in {where}; expected one of '
                        f'{allowed}, got {type(value).__name__}')
    if value not in allowed:
        raise ValueError(f'AdaRem: invalid {name}={value!r} in {where}; expected one of '
                         f'{allowed}')


def _check_real(name: str, value: Any, ok: Callable[[float], bool], allowed: str,
                where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f'AdaRem: invalid {name}={value!r} in {where}; expected a real number '
                        f'{allowed}, got {type(value).__name__}')
    if not ok(value):
        raise ValueError(f'AdaRem: invalid {name}={value!r} in {where}; expected {allowed}')


def _check_group(group: Dict[str, Any], where: str) -> None:
    """Raise TypeError/ValueError naming the first bad hyperparameter of ``group``."""
    _check_real('lr', group['lr'], lambda v: v >= 0, '>= 0', where)
    _check_real('beta', group['beta'], lambda v: 0 <= v < 1, 'in [0, 1)', where)
    _check_real('lam', group['lam'], lambda v: 0 <= v <= 1, 'in [0, 1]', where)
    _check_real('eps', group['eps'], lambda v: v >= 0, '>= 0', where)
    _check_real('weight_decay', group['weight_decay'], lambda v: v >= 0, '>= 0', where)
    _check_choice('direction', group['direction'], DIRECTIONS, where)
    _check_choice('norm', group['norm'], NORMS, where)
    _check_choice('decay_unit', group['decay_unit'], DECAY_UNITS, where)
    ipe = group['iters_per_epoch']
    if ipe is None:
        if group['decay_unit'] == 'epoch':
            raise ValueError(f"AdaRem: invalid iters_per_epoch=None in {where}; "
                             "decay_unit='epoch' needs iters_per_epoch, the number of "
                             'optimizer steps per epoch (a positive int)')
    elif isinstance(ipe, bool) or not isinstance(ipe, numbers.Integral):
        raise TypeError(f'AdaRem: invalid iters_per_epoch={ipe!r} in {where}; expected a '
                        f'positive int, got {type(ipe).__name__}')
    elif ipe <= 0:
        raise ValueError(f'AdaRem: invalid iters_per_epoch={ipe!r} in {where}; expected a '
                         'positive int')
