"""Optimizer wrappers of the distiller: the student side alone, or student and teacher.

``optim_wrapper = dict(constructor='SpectralDistillOptimWrapperConstructor', optimizer=...,
paramwise_cfg=..., inner_constructor='TSMOptimWrapperConstructor')`` builds one
``OptimWrapper`` over the trainable student side (the student recognizer, the tap adapters
and, in ``uncertainty`` mode, the log-variances) with ``inner_constructor`` (default:
mmengine's ``DefaultOptimWrapperConstructor``); the frozen teacher is not in it.

``optim_wrapper = dict(constructor='SpectralDistillOptimWrapperConstructor', student=dict(...),
teacher=dict(...))`` builds the ``OptimWrapperDict(student=..., teacher=...)`` of the
``mutual`` mode; each part is an ordinary optim-wrapper config that may name its own
``constructor`` and ``paramwise_cfg``.

The log-variances of ``uncertainty`` mode get their own group without weight decay (mmaction2's
TSM constructor rejects bare parameters).
"""
import copy
from typing import Optional

import torch.nn as nn
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmaction.registry import OPTIM_WRAPPER_CONSTRUCTORS


class _StudentSide(nn.Module):
    """The student's trainable modules as one module: adapters first, the student last (so
    that mmaction2's TSM constructor takes the student's classifier as the last fc)."""

    def __init__(self, distiller: nn.Module) -> None:
        super().__init__()
        self.adapters = distiller.adapters
        self.student = distiller.student


def _build_one(constructor_type: str, cfg: dict, paramwise_cfg: Optional[dict],
               module: nn.Module, extra_params: list) -> OptimWrapper:
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type=constructor_type, optim_wrapper_cfg=cfg, paramwise_cfg=paramwise_cfg))
    optim_wrapper = constructor(module)
    if extra_params:
        optim_wrapper.optimizer.add_param_group(dict(params=extra_params, weight_decay=0.0))
    return optim_wrapper


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SpectralDistillOptimWrapperConstructor:
    """Build the optim wrapper(s) of a ``SpectralCollabDistiller`` (see the module docstring).

    Args:
        optim_wrapper_cfg: An optim-wrapper config (optionally with ``inner_constructor``), or
            ``dict(student=<optim wrapper cfg>, teacher=<optim wrapper cfg>)``.
        paramwise_cfg: ``paramwise_cfg`` of the single-wrapper form.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if not isinstance(optim_wrapper_cfg, dict):
            raise TypeError('optim_wrapper must be a dict, got '
                            f'{type(optim_wrapper_cfg).__name__}')
        cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        self.mutual = 'student' in cfg or 'teacher' in cfg
        if self.mutual:
            if set(cfg) != {'student', 'teacher'}:
                raise ValueError('optim_wrapper: the mutual form needs exactly the keys student '
                                 f'and teacher, got {sorted(cfg)}')
            if paramwise_cfg is not None:
                raise ValueError('optim_wrapper.paramwise_cfg: give it inside '
                                 'optim_wrapper.student / optim_wrapper.teacher')
        self.inner = cfg.pop('inner_constructor', 'DefaultOptimWrapperConstructor')
        self.cfg = cfg
        self.paramwise_cfg = paramwise_cfg

    def __call__(self, model: nn.Module):
        if hasattr(model, 'module'):
            model = model.module
        if not hasattr(model, 'teacher') or not hasattr(model, 'student'):
            raise TypeError('SpectralDistillOptimWrapperConstructor needs a '
                            f'SpectralCollabDistiller, got {type(model).__name__}')
        side = _StudentSide(model)
        extra = list(model.log_vars.values()) if hasattr(model, 'log_vars') else []
        if not self.mutual:
            return _build_one(self.inner, dict(self.cfg), self.paramwise_cfg, side, extra)
        built = {}
        for name, module, params in (('student', side, extra), ('teacher', model.teacher, [])):
            cfg = copy.deepcopy(self.cfg[name])
            constructor_type = cfg.pop('constructor', 'DefaultOptimWrapperConstructor')
            paramwise = cfg.pop('paramwise_cfg', None)
            built[name] = _build_one(constructor_type, cfg, paramwise, module, params)
        return OptimWrapperDict(**built)
