"""The THUMOS14 BSN++ config (sliding windows, ThumosProposalMetric) runs end to end through
tools/train.py and tools/test.py, scaled down by --cfg-options on a tiny THUMOS-format set."""
import glob
import json
import os.path as osp

import numpy as np
import pytest

from tests.conftest import run_tool

CFG = 'configs/bsnpp/bsnpp_2xb8-400x128-9e_thumos14-feature.py'


def _make_thumos(root):
    rng = np.random.default_rng(0)
    (root / 'features').mkdir(parents=True)
    for split, n in (('val', 6), ('test', 3)):
        ann = {}
        for i in range(n):
            name = f'video_{split}_{i:07d}'
            num = int(rng.integers(40, 90))  # snippets; 0.5 s each
            feat = rng.normal(size=(num, 16))
            anns = []
            for s in (5, 30):
                e = s + int(rng.integers(3, 8))
                feat[s:e] += 2.0
                anns.append(dict(segment=[s * 0.5, e * 0.5], label='A'))
            with open(root / 'features' / f'{name}.csv', 'w') as f:
                f.write(','.join(f'c{j}' for j in range(16)) + '\n')
                np.savetxt(f, feat, delimiter=',', fmt='%.4f')
            ann[name] = dict(duration_second=num * 0.5, num_snippets=num, annotations=anns)
        (root / f'thumos14_{split}.json').write_text(json.dumps(ann))


@pytest.mark.slow
def test_thumos_config_trains_and_tests(tmp_path):
    data = tmp_path / 'thumos'
    _make_thumos(data)
    work = str(tmp_path / 'work')
    small = ['model.temporal_dim=32', 'model.feat_dim=16', 'model.num_samples=8',
             'model.hidden_dim_1d=16', 'model.hidden_dim_2d=16', 'model.hidden_dim_3d=16',
             'model.prb.qk_channels=4']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        small += [f'{loader}.dataset.data_root={data}', f'{loader}.dataset.window_size=32',
                  f'{loader}.dataset.window_stride=16', f'{loader}.num_workers=0',
                  f'{loader}.persistent_workers=False',
                  f'{loader}.dataset.pipeline.0.feat_dim=16']  # LoadWindowFeature's check
    small += ['train_dataloader.batch_size=2']
    run_tool(['tools/train.py', CFG, '--work-dir', work, '--cfg-options',
              'train_cfg.max_epochs=1'] + small, env=dict(OMP_NUM_THREADS='1'))
    run_tool(['tools/test.py', CFG, osp.join(work, 'epoch_1.pth'), '--work-dir', work,
              '--cfg-options'] + small, env=dict(OMP_NUM_THREADS='1'))
    from tools.demo import read_test_metric
    for n in (50, 100, 200, 500, 1000):
        value = read_test_metric(work, f'AR@{n}')
        assert value is not None and 0.0 <= value <= 1.0
    dump = sorted(glob.glob(osp.join(work, '*', 'proposals.json')), key=osp.getmtime)[-1]
    with open(dump) as f:
        results = json.load(f)['results']
    assert sorted(results) == [f'video_test_{i:07d}' for i in range(3)]
    for props in results.values():  # merged windows: shifted into the whole video
        assert max(p['segment'][1] for p in props) > 16.0
