"""A six-entry data set in the released layout, written by the tests (no real labels)."""
import json
import os
import os.path as osp

import cv2
import numpy as np


def live_label(attrs=(1, 0, 1)):
    lab = [0] * 44
    lab[:len(attrs)] = list(attrs)
    return lab


def spoof_label(spoof_type, illum, env):
    lab = [0] * 40 + [spoof_type, illum, env, 1]
    return lab


ENTRIES = {
    'Data/train/101/live/000001.png': live_label((1, 0, 1)),
    'Data/train/101/live/000002.png': live_label((0, 1, 1)),
    'Data/train/101/spoof/000003.png': spoof_label(3, 2, 2),  # env 2 != liveness 1
    'Data/train/102/live/000004.png': live_label((1, 1, 0)),
    'Data/train/102/spoof/000005.png': spoof_label(7, 4, 1),
    'Data/train/102/spoof/000006.png': spoof_label(9, 1, 2),
    'Data/train_2/102/spoof/000006.png': spoof_label(9, 1, 2),  # stray copy: ignored
}


def write_dataset(root: str, entries=None, height: int = 50, width: int = 80) -> str:
    """Images (distinct values), ``_BB.txt`` files and ``metas/intra_test/train_label.json``."""
    entries = ENTRIES if entries is None else entries
    for i, rel in enumerate(entries):
        path = osp.join(root, rel)
        os.makedirs(osp.dirname(path), exist_ok=True)
        img = np.full((height, width, 3), 10 * i, np.uint8)
        cv2.imwrite(path, img)
        with open(osp.splitext(path)[0] + '_BB.txt', 'w') as f:
            f.write('20 30 150 120 0.99\n')
    os.makedirs(osp.join(root, 'metas', 'intra_test'), exist_ok=True)
    ann = osp.join(root, 'metas', 'intra_test', 'train_label.json')
    with open(ann, 'w') as f:
        json.dump(entries, f)
    return ann
