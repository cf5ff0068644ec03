"""A training killed (real SIGKILL) while it saves a checkpoint resumes; a truncated newest
checkpoint is skipped by ``--resume``; the resumed run ends with the uninterrupted run's weights.

Uses the toy regression of ``tests/test_tools/toy`` through tools/train.py, so it checks what
the tools start, with ``max_keep_ckpts=1``: mmengine deletes the previous checkpoint before it
writes the next one, the hardest case for a kill during the save.
"""
import contextlib
import glob
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import REPO_ROOT, run_tool

CFG = 'tests/test_tools/toy/toy_regression_cfg.py'
PAD = 16 * 1024 * 1024  # 64 MB of buffer per checkpoint: a save takes a while


def _train(work_dir, *options, flags=(), epochs=3):
    return run_tool(['tools/train.py', CFG, '--work-dir', str(work_dir)] + list(flags) +
                    ['--cfg-options', f'train_cfg.max_epochs={epochs}'] + list(options),
                    timeout=300)


def _weights(path):
    sd = torch.load(path, map_location='cpu', weights_only=False)['state_dict']
    return {k: v for k, v in sd.items() if k.startswith('net.')}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


def _last(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    """The work dir of an uninterrupted 3-epoch run that kept every checkpoint."""
    work = tmp_path_factory.mktemp('full')
    _train(work, 'default_hooks.checkpoint.max_keep_ckpts=-1')
    return work


def test_resume_skips_a_truncated_newest_checkpoint(tmp_path, uninterrupted):
    # the state of a run stopped after epoch 2 whose newest file was cut short (a copy, a
    # full disk, a save without this fix)
    for epoch in (1, 2):
        data = (uninterrupted / f'epoch_{epoch}.pth').read_bytes()
        (tmp_path / f'epoch_{epoch}.pth').write_bytes(data if epoch == 1 else data[:len(data) // 2])
    newest = tmp_path / 'epoch_2.pth'
    (tmp_path / 'last_checkpoint').write_text(str(newest))
    proc = _train(tmp_path, flags=['--resume'])
    log = proc.stdout + proc.stderr
    assert f'skipping a broken checkpoint: {newest}: not a readable checkpoint' in log
    assert 'resumed epoch: 1' in log
    _assert_same(_weights(tmp_path / 'epoch_3.pth'), _weights(uninterrupted / 'epoch_3.pth'))


def _kill_during_save(work_dir, name: str) -> int:
    """Start 3 epochs; SIGKILL the process as soon as a file whose name contains ``name``
    holds more than 1 MB in ``work_dir``: the 64 MB checkpoint is being written. Returns the
    size of that file when the kill was sent."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    log_path = osp.join(work_dir, 'child.log')
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(
            [sys.executable, 'tools/train.py', CFG, '--work-dir', str(work_dir),
             '--cfg-options', f'model.pad_numel={PAD}'],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline, seen = time.time() + 240, 0
        try:
            while proc.poll() is None and time.time() < deadline:
                for p in glob.glob(osp.join(work_dir, f'*{name}*')) + \
                        glob.glob(osp.join(work_dir, f'.*{name}*')):
                    with contextlib.suppress(OSError):
                        seen = max(seen, os.path.getsize(p))
                if seen > 2**20:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.0002)
        finally:
            if proc.poll() is None and time.time() >= deadline:
                proc.kill()
            proc.wait()
    with open(log_path) as f:
        log = f.read()
    assert proc.returncode == -signal.SIGKILL, f'not killed during the save:\n{log[-3000:]}'
    return seen


def test_sigkill_during_save_never_breaks_resume(tmp_path, uninterrupted):
    written = _kill_during_save(tmp_path, 'epoch_2')
    assert 2**20 < written
    # the old checkpoint or the new one is complete, and last_checkpoint names a complete one
    last = _last(tmp_path)
    assert osp.basename(last) in ('epoch_1.pth', 'epoch_2.pth')
    ckpt = torch.load(last, map_location='cpu', weights_only=False)
    assert ckpt['state_dict']['pad'].numel() == PAD
    for path in glob.glob(str(tmp_path / '*.pth')):
        torch.load(path, map_location='cpu', weights_only=False)
    # resuming finishes the run with the uninterrupted run's weights (pad is all zeros)
    proc = _train(tmp_path, f'model.pad_numel={PAD}', flags=['--resume'])
    assert 'resumed epoch:' in proc.stdout + proc.stderr
    assert not glob.glob(str(tmp_path / '.*tmp-*')), 'the killed save left its temporary file'
    _assert_same(_weights(tmp_path / 'epoch_3.pth'), _weights(uninterrupted / 'epoch_3.pth'))
