"""``anet-views``: two synthetic "encoders" of the ``anet-features`` videos, and a tiny classifier.

The ActivityNet-2020 pipeline (projects/anet_tal) trains one proposal generator per feature
encoder and fuses them. Here the two encoders are two views of the same snippet features of
:mod:`tools.data.anet_features` (same videos, same annotations), with different noise and
dimension:

* ``view_a``: the 16-d features plus Gaussian noise (sigma 0.6), T = 32 rows (as the 400-d
  two-stream ``csv_mean_100`` features, rescaled to one T);
* ``view_b``: ``2 tanh(x W)`` with a fixed random ``W`` (16 x 24), plus Gaussian noise
  (sigma 0.8), linearly rescaled to T = 24 rows: another dimension and another T, so an
  ensemble must resample before averaging maps.

The tiny video-level classifier is a nearest-centroid classifier per view (standardised
[mean, max]-pooled features; class centroids from the training videos that contain the class;
``softmax(-d^2 / D)`` over the D-dim squared distances); its validation scores are written like
mmaction2's ``tools/test.py --dump`` results (a pkl list of ``dict(video_name, pred_score)``).
Layout::

    anet-views/view_a/v_<id>.csv         header line, then 32 rows of 16 values
    anet-views/view_b/v_<id>.csv         header line, then 24 rows of 24 values
    anet-views/anet_anno_{train,val}.json   the annotations of anet-features
    anet-views/classes.txt                one class name per line (the taxonomy)
    anet-views/classifier/view_{a,b}_val.pkl   the tiny classifier's video scores
"""
import json
import os
import os.path as osp
import pickle
import shutil
import tempfile

import numpy as np

from . import anet_features

VERSION = 1
VIEWS = {'view_a': dict(dim=16, temporal_dim=32, noise=0.6, seed=21),
         'view_b': dict(dim=24, temporal_dim=24, noise=0.8, seed=22)}


def _rescale(feat: np.ndarray, temporal_dim: int) -> np.ndarray:
    num = feat.shape[0]
    pos = (np.arange(temporal_dim) + 0.5) / temporal_dim * num - 0.5
    return np.stack([np.interp(pos, np.arange(num), feat[:, i]) for i in range(feat.shape[1])],
                    axis=1)


def _centroid_scores(train_x, train_labels, val_x, num_classes):
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    tx, vx = (train_x - mean) / std, (val_x - mean) / std
    centroids = np.stack([tx[[c in lab for lab in train_labels]].mean(0)
                          for c in range(num_classes)])
    d2 = ((vx[:, None, :] - centroids[None]) ** 2).sum(-1) / vx.shape[1]
    logits = -d2
    logits -= logits.max(1, keepdims=True)
    prob = np.exp(logits)
    return prob / prob.sum(1, keepdims=True)


def generate(out_dir: str) -> dict:
    src = tempfile.mkdtemp(prefix='anet_views_src_')
    try:
        base = osp.join(src, 'anet-features')
        anet_features.generate(base)
        proj = np.random.default_rng(20).normal(0.0, 1.0 / np.sqrt(anet_features.FEAT_DIM),
                                                (anet_features.FEAT_DIM, VIEWS['view_b']['dim']))
        classes = list(anet_features.CLASSES)
        pooled = {v: {} for v in VIEWS}
        labels, counts = {}, {}
        for split in anet_features.NUM_VIDEOS:
            ann_name = f'anet_anno_{split}.json'
            shutil.copy(osp.join(base, ann_name), osp.join(out_dir, ann_name))
            with open(osp.join(base, ann_name)) as f:
                anno = json.load(f)
            counts[split] = len(anno)
            for name, info in anno.items():
                labels[name] = {classes.index(a['label']) for a in info['annotations']}
        for view, spec in VIEWS.items():
            os.makedirs(osp.join(out_dir, view))
            rng = np.random.default_rng(spec['seed'])
            header = ','.join(f'{view}_{i}' for i in range(spec['dim']))
            for name in sorted(labels):
                x = np.loadtxt(osp.join(base, 'features', name + '.csv'), delimiter=',',
                               skiprows=1, ndmin=2)
                if view == 'view_b':
                    x = 2.0 * np.tanh(x @ proj)
                x = x + rng.normal(0.0, spec['noise'], x.shape)
                x = _rescale(x, spec['temporal_dim'])
                with open(osp.join(out_dir, view, name + '.csv'), 'w') as f:
                    f.write(header + '\n')
                    np.savetxt(f, x, fmt='%.5f', delimiter=',')
                pooled[view][name] = np.concatenate([x.mean(0), x.max(0)])
        with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
            f.write('\n'.join(classes) + '\n')
        os.makedirs(osp.join(out_dir, 'classifier'))
        train = sorted(n for n in labels if n.startswith('v_train'))
        val = sorted(n for n in labels if n.startswith('v_val'))
        top1 = {}
        for view in VIEWS:
            prob = _centroid_scores(np.stack([pooled[view][n] for n in train]),
                                    [labels[n] for n in train],
                                    np.stack([pooled[view][n] for n in val]), len(classes))
            dump = [dict(video_name=n, pred_score=p.astype(np.float32))
                    for n, p in zip(val, prob)]
            with open(osp.join(out_dir, 'classifier', f'{view}_val.pkl'), 'wb') as f:
                pickle.dump(dump, f)
            top1[view] = float(np.mean([int(np.argmax(p)) in labels[n]
                                        for n, p in zip(val, prob)]))
    finally:
        shutil.rmtree(src, ignore_errors=True)
    return dict(source='two noisy views of the anet-features snippet features',
                views={v: dict(feat_dim=s['dim'], temporal_dim=s['temporal_dim'],
                               noise=s['noise']) for v, s in VIEWS.items()},
                classes=classes, videos=counts,
                classifier_val_top1_in_labels=top1)
