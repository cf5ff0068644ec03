"""Validation that leaves the training's random state as it found it.

Every pass over a ``DataLoader`` draws its workers' base seed from torch's global generator
(``_BaseDataLoaderIter.__init__`` in ``torch/utils/data/dataloader.py``, also with
``num_workers=0``), so each validation mmengine runs between training epochs shifts the random
numbers the rest of the training sees (BMN's and BSN++'s loss sampling, MimicDet's RoI
sampler...). Validating more often would then change the trained model, and the results of a
config would depend on its ``val_interval``. :class:`RestoreRandomStateHook` saves the random
states of torch (CPU and CUDA), numpy and Python before each validation and restores them after
it; ``tools/train.py`` registers it for every run. With it, a run that validates every few
epochs trains exactly as one that validates only at the end (tested).
"""
import random
from typing import Any, Optional

import numpy as np
import torch
from mmengine.hooks import Hook


class RestoreRandomStateHook(Hook):
    """Restore the global random states after validation (see the module docstring)."""

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._saved: Optional[dict] = None

    def before_val(self, runner: Any) -> None:
        self._saved = dict(
            torch=torch.get_rng_state(), numpy=np.random.get_state(), python=random.getstate(),
            cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None)

    def after_val(self, runner: Any) -> None:
        if self._saved is None:
            return
        torch.set_rng_state(self._saved['torch'])
        np.random.set_state(self._saved['numpy'])
        random.setstate(self._saved['python'])
        if self._saved['cuda'] is not None:
            torch.cuda.set_rng_state_all(self._saved['cuda'])
        self._saved = None


__all__ = ['RestoreRandomStateHook']
