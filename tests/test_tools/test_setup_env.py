"""tools/setup_env.sh reuses the cached environment it built."""
import os
import os.path as osp
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT


def test_second_setup_reuses_the_environment():
    link = osp.join(REPO_ROOT, '.venv')
    if not osp.islink(link) or osp.realpath(link) != osp.realpath(sys.prefix):
        pytest.skip('the tests do not run in the environment tools/setup_env.sh made')
    start = time.time()
    proc = subprocess.run(['bash', 'tools/setup_env.sh'], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    assert 'reusing environment' in proc.stderr
    assert osp.realpath(proc.stdout.strip().splitlines()[-1]) == osp.realpath(sys.prefix)
    assert time.time() - start < 60
