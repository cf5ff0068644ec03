"""The tiny BSN++ config trains and tests through tools/train.py and tools/test.py; the
proposal file it writes is an official ActivityNet result file that the metric reads back to
the same numbers."""
import glob
import json
import os.path as osp

import pytest

from tests.conftest import run_tool

CFG = 'configs/bsnpp/bsnpp_tiny_1xb8-12e_anet-features.py'


@pytest.mark.slow
def test_tiny_bsnpp_trains_tests_and_round_trips(tmp_path):
    from tools.data import ensure
    data = ensure('anet-features')
    work = str(tmp_path)
    run_tool(['tools/train.py', CFG, '--work-dir', work, '--cfg-options',
              'train_cfg.max_epochs=2', 'default_hooks.checkpoint.interval=2'],
             env=dict(OMP_NUM_THREADS='1'))
    losses = []
    for path in glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            losses += [json.loads(line)['loss'] for line in f if '"loss"' in line]
    assert len(losses) >= 4 and losses[-1] < losses[0]
    run_tool(['tools/test.py', CFG, osp.join(work, 'epoch_2.pth'), '--work-dir', work],
             env=dict(OMP_NUM_THREADS='1'))
    from tools.demo import read_test_metric
    logged = {k: read_test_metric(work, k) for k in ('auc', 'AR@1', 'AR@5', 'AR@10', 'AR@100')}
    assert 0 < logged['auc'] <= 100 and 0 <= logged['AR@100'] <= 1
    dumps = sorted(glob.glob(osp.join(work, '*', 'proposals.json')), key=osp.getmtime)
    with open(dumps[-1]) as f:
        data_json = json.load(f)
    assert set(data_json) == {'version', 'results', 'external_data'}
    assert len(data_json['results']) == 50
    assert all(not vid.startswith('v_') for vid in data_json['results'])
    first = next(iter(data_json['results'].values()))[0]
    assert set(first) == {'segment', 'score'}
    from projects.common.localization.metrics import evaluate_proposal_file
    again = evaluate_proposal_file(osp.join(data, 'anet_anno_val.json'), dumps[-1])
    for key, value in logged.items():
        # the json log rounds to 4 decimals
        assert again[key] == pytest.approx(value, abs=1e-4), key


@pytest.mark.slow
def test_feature_file_of_wrong_shape_stops_train_with_one_line(tmp_path):
    from tools.data import ensure
    ensure('anet-features')
    proc = run_tool(['tools/train.py', CFG, '--work-dir', str(tmp_path), '--cfg-options',
                     'train_dataloader.dataset.pipeline.1.temporal_dim=30'],
                    env=dict(OMP_NUM_THREADS='1'), check=False)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and '.csv: features of shape' in last
    assert '(16, 32), expected (16, 30)' in last
