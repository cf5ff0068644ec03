"""``rate-videos``: tiny video classes that differ only in temporal rate and motion.

Each video is 8 frames of 32x32 px (8 fps, MPEG-4 part 2 ``mp4v`` in ``.mp4``, decodable by
mmaction2's ``DecordInit``/``DecordDecode``) showing one textured patch on a textured
background; patch texture, size, colours, position and phase are drawn per video. The class
is the patch's temporal behaviour:

====  ==============  ==========================================================
id    name            behaviour over the 8 frames
====  ==============  ==========================================================
0     blink-1         contrast modulated by ``0.5 + 0.5 cos(2 pi k (t + t0) / 8)``, k = 1
1     blink-2         the same with k = 2
2     blink-4         the same with k = 4 (on/off every frame)
3     slide-right     full contrast, moves right 3 px per frame (wrapping around)
4     slide-left      moves left 3 px per frame
5     sway            moves horizontally ``4 cos(2 pi 2 (t + t0) / 8)`` px around its place
====  ==============  ==========================================================

Classes 3 and 4 have the same per-frame appearance distribution (direction only), and the
blink classes share their mean frame: a model that averages per-frame predictions without
temporal modelling (TSN) cannot separate them, TSM can. Layout (mmaction2 ``VideoDataset``)::

    rate-videos/
      train_list_videos.txt   # "<relative path> <label>" per line
      val_list_videos.txt
      classes.txt
      videos/train/000000.mp4 ...
      videos/val/000000.mp4 ...
"""
import os
import os.path as osp
from typing import Dict

import numpy as np

VERSION = 1
CLASSES = ('blink-1', 'blink-2', 'blink-4', 'slide-right', 'slide-left', 'sway')
NUM_FRAMES = 8
SIZE = 32
FPS = 8
SPLITS = dict(train=(32, 1001), val=(16, 2002))  # videos per class, seed


def _texture(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """A smooth random colour texture ``[h, w, 3]`` in [0, 1] (bilinear from a coarse grid)."""
    import cv2
    coarse = rng.random((cells, cells, 3)).astype(np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)


def render(label: int, rng: np.random.Generator) -> np.ndarray:
    """The frames ``[T, H, W, 3]`` (uint8, RGB) of one video of class ``label``."""
    if not 0 <= label < len(CLASSES):
        raise ValueError(f'rate_videos: label must be in [0, {len(CLASSES)}), got {label}')
    bg = 0.25 + 0.5 * _texture(rng, SIZE, SIZE, 3) * rng.uniform(0.3, 0.7)
    side = int(rng.integers(9, 14))
    patch = _texture(rng, side, side, 3)
    patch = 0.5 * patch + 0.5 * (patch > 0.5)  # some sharp edges
    y0, x0 = (int(v) for v in rng.integers(2, SIZE - side - 2, size=2))
    t0 = int(rng.integers(0, NUM_FRAMES))
    frames = []
    for t in range(NUM_FRAMES):
        frame = bg.copy()
        contrast, dx = 1.0, 0
        if label <= 2:
            k = (1, 2, 4)[label]
            contrast = 0.5 + 0.5 * np.cos(2 * np.pi * k * (t + t0) / NUM_FRAMES)
        elif label == 3:
            dx = 3 * (t + t0)
        elif label == 4:
            dx = -3 * (t + t0)
        else:
            dx = int(round(4 * np.cos(2 * np.pi * 2 * (t + t0) / NUM_FRAMES)))
        layer = np.zeros_like(frame)
        mask = np.zeros(frame.shape[:2], np.float32)
        layer[y0:y0 + side, x0:x0 + side] = patch
        mask[y0:y0 + side, x0:x0 + side] = 1.0
        layer, mask = np.roll(layer, dx, axis=1), np.roll(mask, dx, axis=1)
        alpha = contrast * mask[..., None]
        frame = frame * (1 - alpha) + layer * alpha
        frames.append(frame)
    return (np.clip(np.stack(frames), 0, 1) * 255).round().astype(np.uint8)


def write_video(path: str, frames: np.ndarray) -> None:
    """Write RGB frames ``[T, H, W, 3]`` with OpenCV (``mp4v``)."""
    import cv2
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), FPS,
                             (frames.shape[2], frames.shape[1]))
    if not writer.isOpened():
        raise RuntimeError(f'rate_videos: OpenCV cannot open a mp4v writer for {path}')
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()


def generate(out_dir: str) -> Dict[str, object]:
    """Write the set under ``out_dir``; returns its summary (stored in the stamp file)."""
    counts = {}
    for split, (per_class, seed) in SPLITS.items():
        rng = np.random.default_rng(seed)
        folder = osp.join(out_dir, 'videos', split)
        os.makedirs(folder, exist_ok=True)
        lines = []
        labels = [c for c in range(len(CLASSES)) for _ in range(per_class)]
        for i, label in enumerate(rng.permutation(labels)):
            name = f'{i:06d}.mp4'
            write_video(osp.join(folder, name), render(int(label), rng))
            lines.append(f'{split}/{name} {int(label)}')
        with open(osp.join(out_dir, f'{split}_list_videos.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        counts[split] = len(lines)
    with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    return dict(classes=list(CLASSES), num_frames=NUM_FRAMES, size=SIZE, videos=counts)
