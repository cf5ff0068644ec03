"""The baseline configs train and test end to end through tools/train.py and tools/test.py."""
import glob
import json
import os.path as osp

import pytest

from tests.conftest import RETINANET_CFG, run_tool


@pytest.mark.slow
def test_retinanet_trains_and_tests_on_digits_det(tmp_path, digits_det_root):
    work = str(tmp_path)
    run_tool(['tools/train.py', RETINANET_CFG, '--work-dir', work, '--cfg-options',
              'train_cfg.max_epochs=1', 'train_cfg.val_interval=10',
              'default_hooks.logger.interval=5'])
    losses = []
    for path in glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            losses += [json.loads(line)['loss'] for line in f if '"loss"' in line]
    assert len(losses) >= 10 and sum(losses[-3:]) < sum(losses[:3])
    out = str(tmp_path / 'preds.pkl')
    # after one epoch few scores pass the default 0.05: keep all so that the metric is computed
    run_tool(['tools/test.py', RETINANET_CFG, osp.join(work, 'epoch_1.pth'), '--work-dir', work,
              '--out', out, '--cfg-options', 'model.test_cfg.score_thr=0.0'])
    from tools.demo import read_test_metric
    assert 0.0 <= read_test_metric(work, 'coco/bbox_mAP') <= 1.0
    import pickle
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 200  # one entry per val image
