"""``digits-det``: COCO-format detection of real handwritten digits on 128x128 canvases.

Each image holds 1-5 digits from scikit-learn's digits set (train images use only the train
split of ``digits``, val images only its val split), each upscaled to a random size of 20-48
pixels, tinted, and pasted at a random place with little overlap on a noisy dark background.
The box is the tight box of the digit's ink. Ten classes ``'0'``..``'9'`` (COCO ids 1..10)::

    digits-det/train/*.png  digits-det/annotations/train.json   (800 images)
    digits-det/val/*.png    digits-det/annotations/val.json     (200 images)
"""
import json
import os
import os.path as osp

import cv2
import numpy as np

from .digits import load_split

VERSION = 1
CANVAS = 128
NUM_IMAGES = {'train': 800, 'val': 200}
SEEDS = {'train': 1, 'val': 2}
CLASSES = tuple(str(c) for c in range(10))


def _iou(a, b) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _render(rng, pool_images, pool_labels):
    canvas = rng.normal(20, 8, (CANVAS, CANVAS, 3)).clip(0, 255).astype(np.float32)
    boxes, labels = [], []
    for _ in range(int(rng.integers(1, 6))):
        for _attempt in range(20):
            size = int(rng.integers(20, 49))
            x0, y0 = (int(v) for v in rng.integers(0, CANVAS - size + 1, 2))
            k = int(rng.integers(len(pool_images)))
            digit = cv2.resize(pool_images[k], (size, size), interpolation=cv2.INTER_CUBIC)
            ys, xs = np.nonzero(digit > 48)
            if len(xs) == 0:
                continue
            box = [x0 + xs.min(), y0 + ys.min(), x0 + xs.max() + 1, y0 + ys.max() + 1]
            if all(_iou(box, b) < 0.1 for b in boxes):
                break
        else:
            continue
        alpha = (digit.astype(np.float32) / 255.0)[:, :, None]
        tint = rng.uniform(0.5, 1.0, 3) * 255.0
        region = canvas[y0:y0 + size, x0:x0 + size]
        canvas[y0:y0 + size, x0:x0 + size] = region * (1 - alpha) + tint * alpha
        boxes.append([float(v) for v in box])
        labels.append(int(pool_labels[k]))
    return canvas.clip(0, 255).astype(np.uint8), boxes, labels


def generate(out_dir: str) -> dict:
    images, labels, is_val = load_split()
    os.makedirs(osp.join(out_dir, 'annotations'))
    counts = {}
    for split, n in NUM_IMAGES.items():
        mask = is_val if split == 'val' else ~is_val
        pool_images, pool_labels = images[mask], labels[mask]
        rng = np.random.default_rng(SEEDS[split])
        os.makedirs(osp.join(out_dir, split))
        coco = dict(images=[], annotations=[],
                    categories=[dict(id=i + 1, name=c) for i, c in enumerate(CLASSES)])
        for img_id in range(n):
            img, boxes, cls = _render(rng, pool_images, pool_labels)
            name = f'{img_id:05d}.png'
            cv2.imwrite(osp.join(out_dir, split, name), img)
            coco['images'].append(dict(id=img_id, file_name=name, width=CANVAS, height=CANVAS))
            for (x1, y1, x2, y2), c in zip(boxes, cls):
                coco['annotations'].append(dict(
                    id=len(coco['annotations']) + 1, image_id=img_id, category_id=c + 1,
                    bbox=[x1, y1, x2 - x1, y2 - y1], area=(x2 - x1) * (y2 - y1), iscrowd=0))
        with open(osp.join(out_dir, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(coco, f)
        counts[split] = dict(images=n, boxes=len(coco['annotations']))
    return dict(source='digits of sklearn.datasets.load_digits pasted on generated canvases',
                **counts)
