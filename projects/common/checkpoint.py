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


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """The only ``getattr`` an mmengine checkpoint needs, and nothing more.

    A pickled :class:`~mmengine.logging.HistoryBuffer` stores its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. Allowing the real ``builtins.getattr`` would let a
    malicious file reach arbitrary attributes (and from there, code), so it is mapped to this
    function, which resolves only those methods.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = {'min', 'max', 'current', 'mean'} | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


def _safe_globals() -> List[Any]:
    from mmengine.logging.history_buffer import HistoryBuffer
    try:  # numpy >= 2
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    dtype_classes = [type(np.dtype(t)) for t in (
        np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
        np.bool_)]
    return [HistoryBuffer, np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar,
            (_history_buffer_getattr, 'builtins.getattr')] + dtype_classes


#: Globals besides tensors and builtins that mmengine checkpoints contain (numpy arrays and
#: scalars of the message hub, its HistoryBuffers).
SAFE_GLOBALS = _safe_globals()


def trust_all_checkpoints(enable: bool = True) -> None:
    """Allow full-pickle loading of checkpoints whose types are not allow-listed."""
    if enable:
        os.environ[TRUST_ENV] = '1'
    else:
        os.environ.pop(TRUST_ENV, None)


# How torch's weights-only unpickler says that a file holds objects it may not build.
_NOT_ALLOWED = ('Unsupported global', 'Can only build', 'is not allowed in a checkpoint')


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if lines and lines[0].startswith('Weights only load failed') and len(lines) > 1:
        lines = [line for line in lines if 'error:' in line] or lines
    return lines[0] if lines else type(exc).__name__


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
        detail = next((line.strip() for line in str(exc).splitlines()
                       if any(m in line for m in _NOT_ALLOWED)), None)
        if detail is None:
            raise MMPapersError(f'{filename}: not a readable checkpoint '
                                f'({_first_line(exc)})') from exc
        if os.environ.get(TRUST_ENV) == '1':
            return torch.load(filename, map_location=map_location, weights_only=False)
        raise MMPapersError(
            f'{filename}: holds Python objects outside the safe allow-list ({detail}); '
            f'if you trust this file, pass --trust-checkpoint (or set {TRUST_ENV}=1)') from exc
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise MMPapersError(f'{filename}: not a readable checkpoint ({_first_line(exc)})') from exc


def install_checkpoint_loader() -> None:
    """Register :func:`load_local_checkpoint` as mmengine's loader for local paths."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)


__all__ = ['SAFE_GLOBALS', 'install_checkpoint_loader', 'load_local_checkpoint',
           'trust_all_checkpoints']
