"""Progressive bit inheritance 4 -> 3 -> 2: re-initialise the LSQ steps after ``load_from``.

OQA [ABS; details R]: the b-bit supernet loads every tensor of the (b+1)-bit one (the keys match
because only ``bits`` changes), then its steps are re-initialised for the new bit-width.
``mode`` (our configurable choice [R/D]):

* ``'data'``: clear the init flags, so every quantizer runs the data-driven init
  ``s = 2 mean|x| / sqrt(Qp)`` on its first training forward;
* ``'rescale'``: ``s_new = s_old * Qp(from_bits) / Qp(bits)`` (keeps the clipping range);
* ``'keep'``: keep the inherited steps.
"""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS
from torch import nn

from .lsq import lsq_quantizers, quant_range

MODES = ('data', 'rescale', 'keep')


@torch.no_grad()
def reinit_steps(model: nn.Module, mode: str = 'data', from_bits: Optional[int] = None) -> int:
    """Re-initialise every LSQ step of ``model``; returns the number of quantizers touched."""
    if mode not in MODES:
        raise ValueError(f'step re-init mode must be one of {MODES}, got {mode!r}')
    if mode == 'rescale' and not isinstance(from_bits, int):
        raise ValueError("step re-init mode 'rescale' needs from_bits (the bits of the loaded "
                         f'checkpoint), got {from_bits!r}')
    quantizers = [q for q in lsq_quantizers(model) if q.bits is not None]
    for q in quantizers:
        if mode == 'data':
            q.initialized.fill_(0)
        elif mode == 'rescale':
            old_qp = quant_range(from_bits, q.signed)[1]
            q.step.mul_(old_qp / q.qp)
    return len(quantizers) if mode != 'keep' else 0


@HOOKS.register_module()
class LSQStepReinitHook(Hook):
    """Re-initialise the LSQ steps once, before the first training iteration of a fresh run.

    Not applied when the run is resumed (the steps in the resumed checkpoint are already the
    new bit-width's).

    Args:
        mode: ``'data'``, ``'rescale'`` or ``'keep'``.
        from_bits: Bits of the ``load_from`` checkpoint (needed by ``'rescale'``).
    """

    priority = 'VERY_HIGH'

    def __init__(self, mode: str = 'data', from_bits: Optional[int] = None) -> None:
        if mode not in MODES:
            raise ValueError(f'LSQStepReinitHook: mode must be one of {MODES}, got {mode!r}')
        if mode == 'rescale' and not isinstance(from_bits, int):
            raise ValueError("LSQStepReinitHook: mode 'rescale' needs from_bits")
        self.mode, self.from_bits = mode, from_bits

    def before_train(self, runner) -> None:
        if runner.iter != 0:
            return
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        n = reinit_steps(model, self.mode, self.from_bits)
        print_log(f'LSQ steps re-initialised ({self.mode}) on {n} quantizers', logger='current')
