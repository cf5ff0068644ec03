"""Warm-up of the distillation terms (our design choice, off unless configured)."""
from mmengine.hooks import Hook

from mmaction.registry import HOOKS


@HOOKS.register_module()
class DistillLossWarmupHook(Hook):
    """Ramp the distillation terms (KD, spectrum, parameter) linearly from 0 to their weights.

    Sets ``model.distill_factor = min(1, (runner.iter + 1) / warmup_iters)`` before every
    training iteration (``runner.iter``, so a resumed run continues the ramp).

    Args:
        warmup_iters: Iterations of the ramp (> 0).
    """

    priority = 'NORMAL'

    def __init__(self, warmup_iters: int = 100) -> None:
        if not isinstance(warmup_iters, int) or warmup_iters <= 0:
            raise ValueError(f'DistillLossWarmupHook: warmup_iters must be a positive int, got '
                             f'{warmup_iters!r}')
        self.warmup_iters = warmup_iters

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        if not hasattr(model, 'distill_factor'):
            raise TypeError('DistillLossWarmupHook needs a SpectralCollabDistiller model, got '
                            f'{type(model).__name__}')
        model.distill_factor = min(1.0, (runner.iter + 1) / self.warmup_iters)
