"""Optimizer wrappers of the ``mutual`` mode: one for the student side, one for the teacher.

``optim_wrapper = dict(constructor='SpectralDistillOptimWrapperConstructor',
student=dict(...), teacher=dict(...))`` builds an ``OptimWrapperDict(student=...,
teacher=...)``. Each part is an ordinary optim-wrapper config (it may name its own
``constructor``, e.g. mmaction2's ``TSMOptimWrapperConstructor``, and ``paramwise_cfg``).
The student part optimises the student recognizer, the tap adapters and, in
``uncertainty`` mode, the log-variances; the teacher part optimises the teacher.
"""
import copy
from typing import Optional

import torch.nn as nn
from mmengine.optim import OptimWrapperDict


from mmaction.registry import OPTIM_WRAPPER_CONSTRUCTORS as ACTION_CONSTRUCTORS


class _StudentSide(nn.Module):
    """The student's trainable parts as one module (the student first, so mmaction2's
    TSM constructor finds the student's first conv and its fc first)."""

    def __init__(self, distiller: nn.Module) -> None:
        super().__init__()
        self.student = distiller.student
        self.adapters = distiller.adapters
        if hasattr(distiller, 'log_vars'):
            self.log_vars = distiller.log_vars


@ACTION_CONSTRUCTORS.register_module()
class SpectralDistillOptimWrapperConstructor:
    """Build ``OptimWrapperDict(student=..., teacher=...)`` for the ``mutual`` mode.

    Args:
        optim_wrapper_cfg: ``dict(student=<optim wrapper cfg>, teacher=<optim wrapper cfg>)``.
        paramwise_cfg: Not used (each part has its own); must be ``None``.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if not isinstance(optim_wrapper_cfg, dict) or set(optim_wrapper_cfg) != {'student',
                                                                                'teacher'}:
            keys = sorted(optim_wrapper_cfg) if isinstance(optim_wrapper_cfg, dict) else None
            raise ValueError('optim_wrapper: SpectralDistillOptimWrapperConstructor needs '
                             f'exactly the keys student and teacher, got {keys}')
        if paramwise_cfg is not None:
            raise ValueError('optim_wrapper.paramwise_cfg: give it inside optim_wrapper.student'
                             ' / optim_wrapper.teacher')
        self.cfgs = copy.deepcopy(optim_wrapper_cfg)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if hasattr(model, 'module'):
            model = model.module
        parts = dict(student=_StudentSide(model), teacher=model.teacher)
        built = {}
        for name, module in parts.items():
            cfg = copy.deepcopy(self.cfgs[name])
            constructor_type = cfg.pop('constructor', 'DefaultOptimWrapperConstructor')
            paramwise = cfg.pop('paramwise_cfg', None)
            registry = ACTION_CONSTRUCTORS
            constructor = registry.build(dict(type=constructor_type, optim_wrapper_cfg=cfg,
                                              paramwise_cfg=paramwise))
            built[name] = constructor(module)
        return OptimWrapperDict(**built)
