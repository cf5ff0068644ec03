"""One-line errors for bad configs, data and checkpoints.

:class:`MMPapersError` carries a message that is complete on one line (file, key, what was
expected). ``tools/train.py`` and ``tools/test.py`` run inside :func:`cli_errors`, which prints
such errors, and mmengine's registry ``KeyError``, as a single ``error:`` line and exits with
status 1. Set ``MMPAPERS_DEBUG=1`` to get the full traceback instead.
"""
import contextlib
import os
import re
import sys
from typing import Any, Iterator, List, Optional, Tuple

_REGISTRY_MISS = re.compile(r'([\w.]+) is not in the ([\w:]+) registry')


class MMPapersError(RuntimeError):
    """An error whose message names the file or key at fault, on one line."""


def find_type_keys(cfg: Any, type_name: str, prefix: str = '') -> List[str]:
    """Dotted keys of every ``type`` field of ``cfg`` equal to ``type_name``.

    Args:
        cfg: A config (dicts and lists nested).
        type_name: The ``type`` value to look for (a ``scope.`` prefix is ignored).
        prefix: Key of ``cfg`` itself.
    """
    keys = []
    if isinstance(cfg, dict):
        t = cfg.get('type')
        if isinstance(t, str) and t.split('.')[-1] == type_name.split('.')[-1]:
            keys.append(f'{prefix}type' if prefix else 'type')
        for k, v in cfg.items():
            keys += find_type_keys(v, type_name, f'{prefix}{k}.')
    elif isinstance(cfg, (list, tuple)):
        for i, v in enumerate(cfg):
            keys += find_type_keys(v, type_name, f'{prefix}{i}.')
    return keys


def describe(exc: BaseException, config_file: str = '', cfg: Any = None) -> Optional[str]:
    """The one-line message for ``exc``, or None if it is not a known user error."""
    if isinstance(exc, MMPapersError):
        return _worker_message(str(exc))
    if isinstance(exc, KeyError):
        match = _REGISTRY_MISS.search(str(exc))
        if match:
            name, registry = match.groups()
            if hasattr(cfg, 'to_dict'):  # an mmengine Config
                cfg = cfg.to_dict()
            keys = find_type_keys(cfg, name) if cfg is not None else []
            where = f'{keys[0]}=' if keys else 'type='
            return (f'{config_file}: {where}{name!r} is not in the {registry} registry '
                    '(typo, or a missing custom_imports?)')
    return None


def _worker_message(message: str) -> str:
    """The original one-line message of an error re-raised from a DataLoader worker.

    torch re-raises a worker's exception with the same type and the message
    ``Caught X in DataLoader worker process N.\nOriginal Traceback ...``, whose last line is
    ``module.X: <original message>``.
    """
    if 'DataLoader worker process' not in message or '\n' not in message:
        return message
    last = [line for line in message.splitlines() if line.strip()][-1]
    return last.split(': ', 1)[1] if ': ' in last else last


@contextlib.contextmanager
def cli_errors(config_file: str, cfg_holder: Optional[dict] = None) -> Iterator[None]:
    """Turn known user errors raised inside the block into one ``error:`` line and exit 1.

    Args:
        config_file: The config path, named in registry errors.
        cfg_holder: A dict whose ``'cfg'`` item the block fills with the loaded config, used
            to name the key of an unknown ``type``.
    """
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - filtered by describe()
        cfg = (cfg_holder or {}).get('cfg')
        message = describe(exc, config_file, cfg)
        if message is None or os.environ.get('MMPAPERS_DEBUG'):
            raise
        print(f'error: {message}', file=sys.stderr)
        sys.exit(1)


__all__: Tuple[str, ...] = ('MMPapersError', 'cli_errors', 'describe', 'find_type_keys')
