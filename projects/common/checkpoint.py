"""Safe checkpoint loading for mmengine 0.10.7 on torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7's local loader
does not pass ``weights_only``: resuming then fails with "Unsupported global:
mmengine.logging.history_buffer.HistoryBuffer". Instead of switching the safety off, we
allow-list the types mmengine's own checkpoints hold (:data:`SAFE_GLOBALS`) and replace
mmengine's loader for local files with :func:`load_local_checkpoint`, which

* loads with ``weights_only=True`` and the allow-list;
* loads a checkpoint holding other Python objects (a foreign full pickle) only when the user
  says so: ``--trust-checkpoint`` in our tools, or ``MMPAPERS_TRUST_CHECKPOINT=1``;
* names the file in every load error, on one line (:class:`~projects.common.errors.MMPapersError`).
"""
import os
import os.path as osp
import pickle
from typing import Any, List, Optional

import numpy as np
import torch

from .errors import MMPapersError

TRUST_ENV = 'MMPAPERS_TRUST_CHECKPOINT'


def _safe_globals() -> List[Any]:
    from mmengine.logging.history_buffer import HistoryBuffer
    numpy_types = [np.ndarray, np.dtype, np.core.multiarray._reconstruct,
                   np.core.multiarray.scalar]
    numpy_types += [type(np.dtype(t)) for t in (
        np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
        np.uint8, np.bool_)]
    return [HistoryBuffer] + numpy_types


#: Globals besides tensors and builtins that mmengine checkpoints contain.
SAFE_GLOBALS = _safe_globals()


def trust_all_checkpoints(enable: bool = True) -> None:
    """Allow full-pickle loading of checkpoints whose types are not allow-listed."""
    if enable:
        os.environ[TRUST_ENV] = '1'
    else:
        os.environ.pop(TRUST_ENV, None)


def load_local_checkpoint(filename: str, map_location: Optional[str] = None) -> Any:
    """Load a local checkpoint safely; errors name ``filename``.

    Args:
        filename: Path of the checkpoint (``~`` is expanded).
        map_location: As in :func:`torch.load`.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise MMPapersError(f'{filename}: checkpoint file not found')
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        if 'weights_only' not in str(exc) and 'Unsupported global' not in str(exc):
            raise MMPapersError(f'{filename}: not a readable checkpoint '
                                f'({str(exc).splitlines()[0]})') from exc
        if os.environ.get(TRUST_ENV) == '1':
            return torch.load(filename, map_location=map_location, weights_only=False)
        detail = next((line for line in str(exc).splitlines()
                       if 'Unsupported global' in line), 'unsupported Python objects')
        raise MMPapersError(
            f'{filename}: holds Python objects outside the safe allow-list ({detail.strip()}); '
            f'if you trust this file, pass --trust-checkpoint (or set {TRUST_ENV}=1)') from exc
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MMPapersError(f'{filename}: not a readable checkpoint ({first})') from exc


def install_checkpoint_loader() -> None:
    """Register :func:`load_local_checkpoint` as mmengine's loader for local paths."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)


__all__ = ['SAFE_GLOBALS', 'install_checkpoint_loader', 'load_local_checkpoint',
           'trust_all_checkpoints']
