"""The tiny DG-Net config trains and tests end to end through tools/train.py and tools/test.py."""
import glob
import json
import os.path as osp

import pytest

from tests.conftest import run_tool

CFG = 'configs/dgnet/dgnet-resnet18-tiny_1xb64-10e_digits.py'


@pytest.mark.slow
def test_tiny_dgnet_trains_and_tests_on_digits(tmp_path, digits_root):
    work = str(tmp_path)
    run_tool(['tools/train.py', CFG, '--work-dir', work, '--cfg-options',
              'train_cfg.max_epochs=3', 'default_hooks.logger.interval=5',
              'custom_hooks.0.interval=5'])
    records = []
    for path in glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            records += [json.loads(line) for line in f]
    train = [r for r in records if 'loss' in r]
    assert train[-1]['loss'] < train[0]['loss']
    # the connectivity hook's scalars reach the log (and so TensorBoard)
    assert any('graph/backbone.layer4/active' in r for r in train)
    run_tool(['tools/test.py', CFG, osp.join(work, 'epoch_3.pth'), '--work-dir', work])
    from tools.demo import read_test_metric
    assert read_test_metric(work, 'accuracy/top1') > 25.0  # 10 classes: chance is 10 %, 3 epochs reach ~35 %
