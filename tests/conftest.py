"""Shared fixtures: the repo root on sys.path, the stack fixes, the embedded data sets."""
import os
import os.path as osp
import subprocess
import sys
from typing import List

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if os.environ.get('PYTEST_XDIST_WORKER'):
    # parallel workers (make test runs one per core): one thread each, also in the tools they
    # start, instead of every worker's torch taking every core
    os.environ.setdefault('OMP_NUM_THREADS', '1')
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402,F401  (applies projects.common.compat)

DIGITS_CFG = 'configs/baselines/resnet18-tiny_1xb64-10e_digits.py'
RETINANET_CFG = 'configs/baselines/retinanet_r18-tiny_fpn_1xb16-12e_digits-det.py'


@pytest.fixture(scope='session')
def digits_root() -> str:
    from tools.data import ensure
    return ensure('digits')


@pytest.fixture(scope='session')
def digits_det_root() -> str:
    from tools.data import ensure
    return ensure('digits-det')


def run_tool(args: List[str], timeout: float = 600, env: dict = None,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python <args>`` from the repo root and return the finished process."""
    full_env = dict(os.environ, PYTHONPATH=REPO_ROOT, **(env or {}))
    proc = subprocess.run([sys.executable] + args, cwd=REPO_ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} exited {proc.returncode}\n--- stdout\n'
                             f'{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}')
    return proc
