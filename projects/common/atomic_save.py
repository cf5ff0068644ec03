"""Checkpoints that survive a kill during the save, and a resume that skips broken ones.

mmengine 0.10.7 writes checkpoints in place. ``CheckpointHook._save_checkpoint_with_step``
(1) deletes the oldest kept checkpoint (``max_keep_ckpts``), (2) calls
``Runner.save_checkpoint`` -> ``mmengine.runner.checkpoint.save_checkpoint``, which
``torch.save``-s into memory and hands the bytes to ``LocalBackend.put`` (``open(path, 'wb')``
and ``write``), then (3) writes ``<work_dir>/last_checkpoint`` with ``open(..., 'w')``. A job
pre-empted during (2) leaves a truncated file under the final name that ``last_checkpoint``
may point at, and with ``max_keep_ckpts=1`` no complete checkpoint at all; a kill inside (3)
leaves an empty ``last_checkpoint``.

:func:`install_atomic_checkpoint_saves` (called by ``tools/train.py``, hence for every runner
the tools start: one process, ``dist_train.sh``, ``slurm_train.sh``) is the one place that
changes this:

* local checkpoints are written by :func:`atomic_save_checkpoint`: ``torch.save`` into a
  temporary file in the same directory, flush, ``fsync``, ``os.replace`` onto the final name,
  ``fsync`` of the directory. The final name holds the old file or the complete new one.
  Other backends (petrel, http, pavi) keep mmengine's writer;
* ``last_checkpoint`` is written the same way (:class:`AtomicTextWriter`); mmengine writes it
  after the save has returned, i.e. after the rename;
* the deletion of old checkpoints in (1) is deferred until (2) and (3) have finished.

:func:`find_resumable_checkpoint` is the reading side, used by ``tools/train.py --resume``
without a value: the newest checkpoint in the work dir that loads, with a warning naming each
broken file it skips (a truncated copy, a full disk, a run of a version without these saves).
"""
import contextlib
import functools
import glob
import logging
import os
import os.path as osp
import re
from typing import Any, Callable, List, Optional

import torch
from mmengine.logging import print_log

TMP_MARK = '.tmp-'


def temp_path(path: str) -> str:
    """The temporary name ``path`` is written under: hidden, same directory, per process."""
    directory, name = osp.split(osp.abspath(path))
    return osp.join(directory, f'.{name}{TMP_MARK}{os.getpid()}')


def _fsync_dir(directory: str) -> None:
    # the rename itself is durable only once the directory entry is on disk
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: str, write: Callable[[Any], None], mode: str = 'wb') -> None:
    """Write ``path`` through ``write(file)`` into a temporary file, then rename it.

    Args:
        path: Final file name.
        write: Writes the content into the open file object it receives.
        mode: ``'wb'`` or ``'w'``.
    """
    path = os.fspath(path)
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _fsync_dir(directory)


class AtomicTextWriter:
    """``with AtomicTextWriter(path) as f: f.write(text)``: ``path`` changes on exit only."""

    def __init__(self, path: str) -> None:
        self.path = os.fspath(path)
        self.parts: List[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def __enter__(self) -> 'AtomicTextWriter':
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            atomic_write(self.path, lambda f: f.write(''.join(self.parts)), mode='w')


_ORIGINAL = {}


def _is_local(filename: Any, file_client_args: Optional[dict],
              backend_args: Optional[dict]) -> bool:
    from mmengine.fileio import LocalBackend, get_file_backend
    if file_client_args is not None or str(filename).startswith('pavi://'):
        return False
    return isinstance(get_file_backend(filename, backend_args=backend_args), LocalBackend)


def atomic_save_checkpoint(checkpoint: dict,
                           filename: str,
                           file_client_args: Optional[dict] = None,
                           backend_args: Optional[dict] = None) -> None:
    """Drop-in for ``mmengine.runner.checkpoint.save_checkpoint``, atomic for local files."""
    if not _is_local(filename, file_client_args, backend_args):
        _ORIGINAL['save_checkpoint'](checkpoint, filename, file_client_args=file_client_args,
                                     backend_args=backend_args)
        return
    atomic_write(str(filename), lambda f: torch.save(checkpoint, f))


def _open_in_checkpoint_hook(file, mode='r', *args, **kwargs):
    """``open`` as seen by mmengine's checkpoint_hook module, whose only call writes
    ``last_checkpoint``: text writes go through :class:`AtomicTextWriter`."""
    if mode == 'w' and not args and not kwargs:
        return AtomicTextWriter(file)
    return open(file, mode, *args, **kwargs)


def _deferring_removals(save_with_step: Callable) -> Callable:
    """Wrap ``CheckpointHook._save_checkpoint_with_step`` so that the checkpoints it removes
    (``max_keep_ckpts``) are removed only after the new one and last_checkpoint are written."""

    @functools.wraps(save_with_step)
    def wrapper(self, runner, step, meta):
        backend, deferred = self.file_backend, []
        saved = {name: vars(backend).get(name) for name in ('remove', 'rmtree')}
        for name in saved:
            real = getattr(backend, name)
            setattr(backend, name, lambda path, real=real: deferred.append((real, path)))
        try:
            save_with_step(self, runner, step, meta)
        finally:
            for name, value in saved.items():
                if value is None:
                    vars(backend).pop(name, None)
                else:
                    setattr(backend, name, value)
        for fn, path in deferred:
            fn(path)

    wrapper.__mmpapers_atomic__ = True
    return wrapper


def install_atomic_checkpoint_saves() -> None:
    """Make mmengine's checkpoint saves atomic (see the module docstring); idempotent."""
    import mmengine.hooks.checkpoint_hook as hook_module
    import mmengine.runner as runner_pkg
    import mmengine.runner.checkpoint as ckpt_module
    import mmengine.runner.runner as runner_module
    from mmengine.hooks import CheckpointHook

    _ORIGINAL.setdefault('save_checkpoint', ckpt_module.save_checkpoint)
    # Runner.save_checkpoint uses runner.py's own import; CheckpointHook._publish_model imports
    # it from mmengine.runner at call time.
    for module in (ckpt_module, runner_module, runner_pkg):
        module.save_checkpoint = atomic_save_checkpoint
    hook_module.open = _open_in_checkpoint_hook
    if not getattr(CheckpointHook._save_checkpoint_with_step, '__mmpapers_atomic__', False):
        CheckpointHook._save_checkpoint_with_step = _deferring_removals(
            CheckpointHook._save_checkpoint_with_step)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temp_files(directory: str) -> List[str]:
    """Delete temporary checkpoint files left by killed processes; returns their names."""
    removed = []
    for path in glob.glob(osp.join(directory, f'.*{TMP_MARK}*')):
        match = re.search(re.escape(TMP_MARK) + r'(\d+)$', path)
        if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(path)
                removed.append(path)
    return removed


def _resume_candidates(work_dir: str) -> List[str]:
    """Training checkpoints of ``work_dir`` (and of the directory ``last_checkpoint`` names),
    newest first."""
    dirs, paths = [work_dir], []
    last_file = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last_file):
        with open(last_file) as f:
            last = f.read().strip()
        if last:
            paths.append(last)
            dirs.append(osp.dirname(last))
    for d in dict.fromkeys(dirs):
        paths += [p for p in glob.glob(osp.join(d, '*.pth'))
                  if not osp.basename(p).startswith('best_')]
    existing = {osp.abspath(p): p for p in paths if osp.isfile(p)}
    return sorted(existing.values(), key=lambda p: (osp.getmtime(p), p), reverse=True)


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest checkpoint in ``work_dir`` that loads and can be resumed, or None.

    Every newer file that does not load is named in a warning; ``last_checkpoint`` pointing at
    a missing file is reported too. Temporary files of killed saves are removed. A
    ``last_checkpoint`` naming a remote file (``s3://``...) is returned unchecked.

    Args:
        work_dir: The run's work dir (where mmengine writes ``last_checkpoint``).
    """
    from .checkpoint import load_local_checkpoint
    from .errors import MMPapersError

    if not osp.isdir(work_dir):
        return None
    for path in remove_stale_temp_files(work_dir):
        print_log(f'removed {path}, the temporary file of a save that was killed',
                  logger='current')
    last_file = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last_file):
        with open(last_file) as f:
            last = f.read().strip()
        if '://' in last:  # a remote out_dir (petrel, s3...): mmengine's own loader decides
            return last
        if last and not osp.isfile(last):
            print_log(f'{last_file} names {last}, which does not exist; resuming from the '
                      'newest checkpoint that loads', logger='current', level=logging.WARNING)
    for path in _resume_candidates(work_dir):
        try:
            ckpt = load_local_checkpoint(path, map_location='cpu')
        except MMPapersError as exc:
            print_log(f'skipping a broken checkpoint: {exc}; trying an older one',
                      logger='current', level=logging.WARNING)
            continue
        if isinstance(ckpt, dict) and 'meta' in ckpt and 'state_dict' in ckpt:
            return path
        print_log(f'skipping {path}: not a training checkpoint (no meta/state_dict)',
                  logger='current', level=logging.WARNING)
    return None


__all__ = ['AtomicTextWriter', 'atomic_save_checkpoint', 'atomic_write',
           'find_resumable_checkpoint', 'install_atomic_checkpoint_saves',
           'remove_stale_temp_files', 'temp_path']
