"""Check a config's data paths before the runner starts, with one-line errors.

mmengine builds datasets lazily, after the model, the logger and the work dir exist, and a
missing folder then surfaces as a deep traceback. :func:`check_data_paths` looks at every
``*_dataloader.dataset`` (and the ``dataset``/``datasets`` of wrappers) first and raises
:class:`~projects.common.errors.MMPapersError` naming the config file, the key and the path.
"""
import os.path as osp
from typing import Any, Callable, Iterator, Optional, Tuple

from .errors import MMPapersError


def _datasets(cfg: Any, key: str) -> Iterator[Tuple[str, dict]]:
    if not isinstance(cfg, dict):
        return
    yield key, cfg
    if isinstance(cfg.get('dataset'), dict):
        yield from _datasets(cfg['dataset'], f'{key}.dataset')
    for i, sub in enumerate(cfg.get('datasets') or []):
        yield from _datasets(sub, f'{key}.datasets.{i}')


def check_data_paths(cfg: Any, config_file: str,
                     make_missing: Optional[Callable[[str], bool]] = None) -> None:
    """Raise if a dataset's ``data_root`` or ``ann_file`` does not exist.

    Args:
        cfg: The loaded mmengine config.
        config_file: Its path, named in the error.
        make_missing: Called with a missing ``data_root``; returns True if it created it (used
            by the tools to generate the embedded data sets on first use).
    """
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not isinstance(cfg.get(loader), dict):
            continue
        for key, ds in _datasets(cfg[loader].get('dataset'), f'{loader}.dataset'):
            root = ds.get('data_root')
            if isinstance(root, str) and root and '://' not in root and not osp.isdir(root):
                if not (make_missing and make_missing(root) and osp.isdir(root)):
                    raise MMPapersError(
                        f"{config_file}: {key}.data_root = '{root}' does not exist "
                        f"(set it with --cfg-options {key}.data_root=/path/to/data)")
            ann = ds.get('ann_file')
            if isinstance(ann, str) and ann and '://' not in ann:
                path = ann if osp.isabs(ann) or not root else osp.join(root, ann)
                if not osp.exists(path):
                    raise MMPapersError(f"{config_file}: {key}.ann_file = '{ann}' not found "
                                        f"(looked for {path})")


__all__ = ['check_data_paths']
