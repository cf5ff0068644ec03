"""Shared start-up of ``tools/*.py``: repo root on ``sys.path``, stack fixes, embedded data.

Imported first by every tool so that configs find ``projects.<method>`` from any working
directory (as mmdet's shell tools do with PYTHONPATH) and the fixes of
:mod:`projects.common.compat` are in place before mmengine loads anything.
"""
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402,F401  (applies projects.common.compat)


def make_embedded_data(root: str) -> bool:
    """Generate ``root`` if it is one of the embedded data sets under ``<repo>/data``."""
    from mmengine.logging import print_log

    from tools.data import DATA_ROOT, GENERATORS, ensure
    root = osp.abspath(root)
    name = osp.basename(root.rstrip('/'))
    if osp.dirname(root) != DATA_ROOT or name not in GENERATORS:
        return False
    print_log(f'generating the embedded data set {name!r} in {root}', logger='current')
    ensure(name)
    return True
