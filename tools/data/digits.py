"""``digits``: scikit-learn's real handwritten digits as a 32x32 RGB classification set.

Source: the UCI optical-recognition digits shipped with scikit-learn (1,797 images, 8x8, 16 grey
levels). Each image is rescaled to 0..255, upscaled to 32x32 (bicubic) and repeated over three
channels. Layout is mmpretrain's ``CustomDataset`` folder layout::

    digits/train/<class>/<index>.png     1,437 images (80 %, stratified, seed 0)
    digits/val/<class>/<index>.png         360 images
    digits/classes.txt
"""
import os
import os.path as osp

import cv2
import numpy as np

VERSION = 1
SIZE = 32
SEED = 0
VAL_FRACTION = 0.2


def load_split():
    """Return ``(images, labels, is_val)``: uint8 ``(N, 8, 8)`` digits and the fixed split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    data = load_digits()
    images = np.clip(data.images * (255.0 / 16.0), 0, 255).astype(np.uint8)
    labels = data.target.astype(np.int64)
    _, val_idx = train_test_split(
        np.arange(len(labels)), test_size=VAL_FRACTION, random_state=SEED, stratify=labels)
    is_val = np.zeros(len(labels), dtype=bool)
    is_val[val_idx] = True
    return images, labels, is_val


def upscale(img: np.ndarray, size: int) -> np.ndarray:
    """Upscale an 8x8 grey digit to ``size`` x ``size`` x 3 uint8 (bicubic)."""
    big = cv2.resize(img, (size, size), interpolation=cv2.INTER_CUBIC)
    return np.repeat(big[:, :, None], 3, axis=2)


def generate(out_dir: str) -> dict:
    images, labels, is_val = load_split()
    counts = {'train': 0, 'val': 0}
    for idx, (img, label, val) in enumerate(zip(images, labels, is_val)):
        split = 'val' if val else 'train'
        folder = osp.join(out_dir, split, str(label))
        os.makedirs(folder, exist_ok=True)
        cv2.imwrite(osp.join(folder, f'{idx:04d}.png'), upscale(img, SIZE))
        counts[split] += 1
    with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(str(c) for c in range(10)) + '\n')
    return dict(source='sklearn.datasets.load_digits (UCI optdigits, CC BY 4.0)', **counts)
