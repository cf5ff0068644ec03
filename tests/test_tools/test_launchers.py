"""tools/dist_train.sh (torchrun over gloo on CPU) and tools/slurm_train.sh."""
import glob
import json
import os
import os.path as osp
import socket
import stat
import subprocess

import pytest

from tests.conftest import DIGITS_CFG, REPO_ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_torchrun_two_cpu_ranks(tmp_path, digits_root):
    import sys
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, PORT=str(_free_port()), OMP_NUM_THREADS='1',
               PATH=osp.dirname(sys.executable) + os.pathsep + os.environ['PATH'])
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', DIGITS_CFG, '2', '--work-dir', str(tmp_path),
         '--cfg-options', 'train_cfg.max_epochs=1', 'train_dataloader.num_workers=0',
         'val_dataloader.num_workers=0', 'default_hooks.logger.interval=1'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert 'rank 0 of 2: training finished' in out and 'rank 1 of 2: training finished' in out
    # each rank sees half of the 1,437 training images: ceil(719 / 64) = 12 iterations
    assert 'Epoch(train) [1][12/12]' in out, out[-3000:]
    # only rank 0 writes the checkpoint
    assert sorted(osp.basename(p) for p in glob.glob(str(tmp_path / '*.pth'))) == ['epoch_1.pth']


def test_slurm_train_passes_arguments_to_srun(tmp_path):
    fake = tmp_path / 'bin' / 'srun'
    fake.parent.mkdir()
    record = tmp_path / 'srun.json'
    fake.write_text('#!/usr/bin/env python3\nimport json, os, sys\n'
                    f'json.dump(dict(argv=sys.argv[1:], env=dict(os.environ)), '
                    f'open({str(record)!r}, "w"))\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f'{fake.parent}{os.pathsep}{os.environ["PATH"]}', GPUS='16',
               GPUS_PER_NODE='8', CPUS_PER_TASK='4', SRUN_ARGS='--quotatype=auto')
    proc = subprocess.run(
        ['bash', 'tools/slurm_train.sh', 'gpu-part', 'my-job', DIGITS_CFG, 'work_dirs/x',
         '--amp', '--cfg-options', 'train_cfg.max_epochs=3'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(record.read_text())
    assert got['argv'] == [
        '-p', 'gpu-part', '--job-name=my-job', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=4', '--kill-on-bad-exit=1', '--quotatype=auto',
        'python', '-u', osp.join('tools', 'train.py'), DIGITS_CFG, '--work-dir=work_dirs/x',
        '--launcher=slurm', '--amp', '--cfg-options', 'train_cfg.max_epochs=3']
    assert got['env']['PYTHONPATH'].split(os.pathsep)[0] == 'tools/..'


def test_slurm_test_passes_arguments_to_srun(tmp_path):
    fake = tmp_path / 'srun'
    record = tmp_path / 'argv.txt'
    fake.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" > {record}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f'{tmp_path}{os.pathsep}{os.environ["PATH"]}')
    proc = subprocess.run(['bash', 'tools/slurm_test.sh', 'p', 'j', DIGITS_CFG, 'w.pth'],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    argv = record.read_text().split()
    assert argv[:8] == ['-p', 'p', '--job-name=j', '--gres=gpu:8', '--ntasks=8',
                        '--ntasks-per-node=8', '--cpus-per-task=5', '--kill-on-bad-exit=1']
    assert argv[8:] == ['python', '-u', 'tools/test.py', DIGITS_CFG, 'w.pth', '--launcher=slurm']
