"""Generators of the embedded data sets (deterministic, written under ``data/``).

Each generator is a module of this package exposing ``generate(out_dir)``; :data:`GENERATORS`
maps a data-set name to it. :func:`ensure` writes a set only when its stamp file is missing or
from an older generator version, so the demo and the tests can call it every time.
"""
import fcntl
import json
import os
import os.path as osp
import shutil
from typing import Dict

from . import anet_features, anet_views, celeba_spoof, digits, digits_det, rate_videos

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA_ROOT = osp.join(REPO_ROOT, 'data')

#: name -> (module with ``generate(out_dir) -> dict`` and ``VERSION``)
GENERATORS: Dict[str, object] = {
    'digits': digits,
    'digits-det': digits_det,
    'anet-features': anet_features,
    'anet-views': anet_views,
    'celeba-spoof': celeba_spoof,
    'rate-videos': rate_videos,
}

STAMP = '.mmpapers_dataset.json'


def ensure(name: str, root: str = DATA_ROOT, force: bool = False) -> str:
    """Return the folder of data set ``name``, generating it first if needed.

    Args:
        name: A key of :data:`GENERATORS`.
        root: Folder that holds the data sets (default: ``<repo>/data``).
        force: Regenerate even when an up-to-date copy exists.
    """
    if name not in GENERATORS:
        raise KeyError(f'unknown embedded data set {name!r}; known: {sorted(GENERATORS)}')
    module = GENERATORS[name]
    out_dir = osp.join(root, name)
    stamp = osp.join(out_dir, STAMP)
    if not force and _up_to_date(stamp, module.VERSION):
        return out_dir
    os.makedirs(root, exist_ok=True)
    # one writer at a time (parallel test workers, two trainings started on a fresh clone):
    # the others wait and then find the stamp
    with open(osp.join(root, f'.{name}.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and _up_to_date(stamp, module.VERSION):
            return out_dir
        tmp_dir = out_dir + '.tmp'
        shutil.rmtree(tmp_dir, ignore_errors=True)
        os.makedirs(tmp_dir)
        info = module.generate(tmp_dir)
        with open(osp.join(tmp_dir, STAMP), 'w') as f:
            json.dump(dict(name=name, version=module.VERSION, **info), f, indent=1)
        shutil.rmtree(out_dir, ignore_errors=True)
        os.replace(tmp_dir, out_dir)
    return out_dir


def _up_to_date(stamp: str, version) -> bool:
    if not osp.isfile(stamp):
        return False
    with open(stamp) as f:
        return json.load(f).get('version') == version


def ensure_all(root: str = DATA_ROOT) -> Dict[str, str]:
    """Generate every embedded data set that is missing; returns name -> folder."""
    return {name: ensure(name, root) for name in GENERATORS}


__all__ = ['GENERATORS', 'DATA_ROOT', 'ensure', 'ensure_all']
