"""``anet-features``: an ActivityNet-format temporal feature set (mmaction2 layout), synthetic.

Each video has 1-3 non-overlapping actions of 6 classes. Action lengths are drawn from a
long-tailed mix like ActivityNet's (a fraction of the video: 15% short 0.02-0.08, 35% medium
0.08-0.3, 50% long 0.3-0.9), so short actions are rare. Snippet features (one per 16 frames at
30 fps, 16-d) are a background vector, plus a class prototype inside actions, plus start/end
"onset" patterns around the boundaries (so that boundaries are learnable), plus Gaussian noise;
each video's snippets are then linearly rescaled to T = 32 rows, as the CUHK ``csv_mean_100``
features are rescaled to 100. Layout (mmaction2's ``ActivityNetDataset`` format)::

    anet-features/features/v_<id>.csv     header line, then T rows of 16 values
    anet-features/anet_anno_train.json    200 videos  {"v_<id>": {duration_second, duration_frame,
    anet-features/anet_anno_val.json       50 videos    feature_frame, fps, rfps, subset,
                                                         annotations: [{segment, label}]}}
"""
import json
import os
import os.path as osp

import numpy as np

VERSION = 2
TEMPORAL_DIM = 32
FEAT_DIM = 16
FPS = 30.0
INTERVAL = 16
NUM_VIDEOS = {'train': 200, 'val': 50}
SEEDS = {'train': 11, 'val': 12}
CLASSES = ('Jumping', 'Spinning', 'Throwing', 'Waving', 'Kicking', 'Clapping')
LENGTH_MIX = ((0.15, 0.02, 0.08), (0.35, 0.08, 0.3), (0.5, 0.3, 0.9))


def _segments(rng: np.random.Generator):
    """1-3 non-overlapping segments in normalised time, with labels."""
    segs = []
    for _ in range(int(rng.integers(1, 4))):
        k = rng.choice(len(LENGTH_MIX), p=[m[0] for m in LENGTH_MIX])
        length = rng.uniform(LENGTH_MIX[k][1], LENGTH_MIX[k][2])
        for _attempt in range(10):
            s = rng.uniform(0.0, 1.0 - length)
            if all(s + length <= a or s >= b for a, b, _ in segs):
                segs.append((s, s + length, int(rng.integers(len(CLASSES)))))
                break
    return sorted(segs)


def _features(rng, segs, num_snippets, protos, background, onset):
    t = (np.arange(num_snippets) + 0.5) / num_snippets
    feat = np.tile(background, (num_snippets, 1))
    width = 0.015
    for s, e, c in segs:
        inside = ((t >= s) & (t < e)).astype(np.float64)[:, None]
        feat += inside * protos[c]
        feat += np.exp(-0.5 * ((t - s) / width) ** 2)[:, None] * onset[0]
        feat += np.exp(-0.5 * ((t - e) / width) ** 2)[:, None] * onset[1]
    feat += rng.normal(0.0, 1.2, feat.shape)
    # linear rescaling to TEMPORAL_DIM rows (as the csv_mean_100 features)
    pos = (np.arange(TEMPORAL_DIM) + 0.5) / TEMPORAL_DIM * num_snippets - 0.5
    return np.stack([np.interp(pos, np.arange(num_snippets), feat[:, i])
                     for i in range(feat.shape[1])], axis=1)


def generate(out_dir: str) -> dict:
    proto_rng = np.random.default_rng(0)
    protos = proto_rng.normal(0.0, 1.0, (len(CLASSES), FEAT_DIM))
    background = proto_rng.normal(0.0, 0.3, FEAT_DIM)
    onset = proto_rng.normal(0.0, 1.0, (2, FEAT_DIM))
    os.makedirs(osp.join(out_dir, 'features'))
    header = ','.join(f'f{i}' for i in range(FEAT_DIM))
    counts = {}
    for split, n in NUM_VIDEOS.items():
        rng = np.random.default_rng(SEEDS[split])
        anno = {}
        num_actions = 0
        for i in range(n):
            name = f'v_{split}{i:04d}'
            duration = float(np.round(rng.uniform(30.0, 240.0), 2))
            frames = int(duration * FPS)
            feature_frame = frames // INTERVAL * INTERVAL
            covered = feature_frame / frames * duration  # seconds the features cover
            segs = _segments(rng)
            feat = _features(rng, segs, feature_frame // INTERVAL, protos, background, onset)
            with open(osp.join(out_dir, 'features', name + '.csv'), 'w') as f:
                f.write(header + '\n')
                np.savetxt(f, feat, fmt='%.5f', delimiter=',')
            anno[name] = dict(
                duration_second=duration, duration_frame=frames, feature_frame=feature_frame,
                fps=FPS, rfps=FPS, subset='training' if split == 'train' else 'validation',
                annotations=[dict(segment=[round(s * covered, 3), round(e * covered, 3)],
                                  label=CLASSES[c]) for s, e, c in segs])
            num_actions += len(segs)
        with open(osp.join(out_dir, f'anet_anno_{split}.json'), 'w') as f:
            json.dump(anno, f, indent=1)
        counts[split] = dict(videos=n, actions=num_actions)
    return dict(source='synthetic snippet features rescaled to T rows', temporal_dim=TEMPORAL_DIM,
                feat_dim=FEAT_DIM, classes=list(CLASSES), **counts)
