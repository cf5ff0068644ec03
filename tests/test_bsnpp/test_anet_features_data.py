"""tools/data/anet_features.py: deterministic, fast, mmaction2's ActivityNet layout, long tail."""
import glob
import hashlib
import json
import os.path as osp
import time

import numpy as np

from tools.data import anet_features


def _digest(root):
    h = hashlib.sha256()
    for path in sorted(glob.glob(osp.join(root, '**', '*.*'), recursive=True)):
        h.update(osp.relpath(path, root).encode())
        with open(path, 'rb') as f:
            h.update(f.read())
    return h.hexdigest()


def test_generation_is_deterministic_and_fast(tmp_path):
    start = time.perf_counter()
    anet_features.generate(str(tmp_path / 'a'))
    assert time.perf_counter() - start < 10
    anet_features.generate(str(tmp_path / 'b'))
    assert _digest(str(tmp_path / 'a')) == _digest(str(tmp_path / 'b'))


def test_layout_splits_and_long_tailed_durations(tmp_path):
    root = str(tmp_path)
    anet_features.generate(root)
    lengths, labels = [], set()
    for split, n in anet_features.NUM_VIDEOS.items():
        with open(osp.join(root, f'anet_anno_{split}.json')) as f:
            anno = json.load(f)
        assert len(anno) == n and all(k.startswith('v_') for k in anno)
        for name, info in anno.items():
            covered = info['feature_frame'] / info['duration_frame'] * info['duration_second']
            for a in info['annotations']:
                assert 0 <= a['segment'][0] < a['segment'][1] <= covered + 1e-6
                lengths.append((a['segment'][1] - a['segment'][0]) / covered)
                labels.add(a['label'])
        feat = np.loadtxt(osp.join(root, 'features', next(iter(anno)) + '.csv'), delimiter=',',
                          skiprows=1)
        assert feat.shape == (anet_features.TEMPORAL_DIM, anet_features.FEAT_DIM)
    assert labels == set(anet_features.CLASSES)
    lengths = np.array(lengths)
    assert 0.05 < (lengths < 0.08).mean() < 0.25  # short actions exist but are rare
    assert (lengths > 0.3).mean() > 0.4


def test_activitynet_dataset_and_pipeline_read_it(tmp_path):
    from mmengine.registry import init_default_scope

    from mmaction.registry import DATASETS
    init_default_scope('mmaction')
    root = str(tmp_path)
    anet_features.generate(root)
    ds = DATASETS.build(dict(
        type='ActivityNetDataset', data_root=root, ann_file='anet_anno_val.json',
        data_prefix=dict(video='features'),
        pipeline=[dict(type='LoadLocalizationFeature'), dict(type='GenerateLocalizationLabels'),
                  dict(type='PackLocalizationInputs', keys=('gt_bbox', ),
                       meta_keys=('video_name', ))]))
    item = ds[0]
    assert tuple(item['inputs'].shape) == (anet_features.FEAT_DIM, anet_features.TEMPORAL_DIM)
    bbox = item['data_samples'].gt_instances['gt_bbox']
    assert bbox.shape[1] == 2 and bool(((bbox >= 0) & (bbox <= 1)).all())
