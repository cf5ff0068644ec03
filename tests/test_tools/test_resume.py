"""tools/train.py --resume continues a run exactly where it stopped."""
import glob
import json
import os.path as osp

import pytest

from tests.conftest import DIGITS_CFG, run_tool

# Two short epochs of the tiny digits classifier on its first 320 training images (5
# iterations per epoch; the rest of the argument list follows the epoch count, see below).
SHORT = ['--cfg-options', 'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
         'default_hooks.logger.interval=1', 'train_dataloader.dataset.indices=320']


def _losses(work_dir: str) -> dict:
    """iteration -> loss, from every scalars.json mmengine's LocalVisBackend wrote."""
    losses = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'loss' in rec:
                    losses[rec['step']] = rec['loss']
    return losses


@pytest.mark.slow
def test_resume_matches_uninterrupted_run(tmp_path, digits_root):
    full, split = str(tmp_path / 'full'), str(tmp_path / 'split')
    run_tool(['tools/train.py', DIGITS_CFG, '--work-dir', full] + SHORT)
    # Stop after the first epoch, then resume from the latest checkpoint ('auto').
    run_tool(['tools/train.py', DIGITS_CFG, '--work-dir', split] + SHORT[:1] +
             ['train_cfg.max_epochs=1'] + SHORT[2:])
    assert osp.isfile(osp.join(split, 'epoch_1.pth'))
    resumed = run_tool(['tools/train.py', DIGITS_CFG, '--work-dir', split, '--resume'] + SHORT)
    assert 'resumed epoch: 1' in (resumed.stdout + resumed.stderr)
    a, b = _losses(full), _losses(split)
    iters_per_epoch = len(a) // 2
    second_epoch = [i for i in a if i > iters_per_epoch]
    assert second_epoch and all(i in b for i in second_epoch)
    for i in second_epoch:
        assert b[i] == pytest.approx(a[i], rel=1e-6, abs=1e-7), f'iteration {i}'
