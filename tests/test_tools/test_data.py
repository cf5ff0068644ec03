"""tools/data: the embedded data sets are real, deterministic and in the expected layout."""
import glob
import hashlib
import json
import os.path as osp

import cv2
import numpy as np
from pycocotools.coco import COCO

from tools.data import digits, digits_det


def _tree_digest(root: str) -> str:
    h = hashlib.sha256()
    for path in sorted(glob.glob(osp.join(root, '**', '*.*'), recursive=True)):
        h.update(osp.relpath(path, root).encode())
        with open(path, 'rb') as f:
            h.update(f.read())
    return h.hexdigest()


def test_digits_layout_and_split(digits_root):
    counts = {s: len(glob.glob(osp.join(digits_root, s, '*', '*.png'))) for s in ('train', 'val')}
    assert counts == {'train': 1437, 'val': 360}
    assert sorted(osp.basename(p) for p in glob.glob(osp.join(digits_root, 'train', '*'))) == \
        [str(c) for c in range(10)]
    img = cv2.imread(glob.glob(osp.join(digits_root, 'val', '7', '*.png'))[0])
    assert img.shape == (32, 32, 3) and img.max() > 128


def test_digits_images_are_sklearn_digits(digits_root):
    images, labels, is_val = digits.load_split()
    idx = int(np.flatnonzero(is_val)[0])
    stored = cv2.imread(osp.join(digits_root, 'val', str(labels[idx]), f'{idx:04d}.png'))
    small = cv2.resize(stored[:, :, 0], (8, 8), interpolation=cv2.INTER_AREA).astype(float)
    # downscaled back, the image matches the 8x8 original closely
    assert np.abs(small - images[idx]).mean() < 20


def test_generation_is_deterministic(tmp_path):
    a, b = tmp_path / 'a', tmp_path / 'b'
    a.mkdir(), b.mkdir()
    digits_det.NUM_IMAGES, saved = {'train': 6, 'val': 3}, digits_det.NUM_IMAGES
    try:
        digits_det.generate(str(a))
        digits_det.generate(str(b))
    finally:
        digits_det.NUM_IMAGES = saved
    assert _tree_digest(str(a)) == _tree_digest(str(b))


def test_digits_det_is_valid_coco(digits_det_root):
    for split, n in digits_det.NUM_IMAGES.items():
        coco = COCO(osp.join(digits_det_root, 'annotations', f'{split}.json'))
        assert len(coco.getImgIds()) == n
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(digits_det.CLASSES)
        per_image = [len(coco.getAnnIds(imgIds=i)) for i in coco.getImgIds()]
        assert min(per_image) >= 1 and max(per_image) <= 5
        for ann in coco.loadAnns(coco.getAnnIds()):
            x, y, w, h = ann['bbox']
            assert 0 <= x and 0 <= y and x + w <= 128 and y + h <= 128 and w >= 4 and h >= 4


def test_digits_det_boxes_hold_the_ink(digits_det_root):
    with open(osp.join(digits_det_root, 'annotations', 'val.json')) as f:
        coco = json.load(f)
    inside_sum = inside_n = outside_sum = outside_n = 0.0
    for info in coco['images'][:20]:
        img = cv2.imread(osp.join(digits_det_root, 'val', info['file_name'])).max(axis=2)
        mask = np.zeros(img.shape, bool)
        for ann in (a for a in coco['annotations'] if a['image_id'] == info['id']):
            x, y, w, h = (int(round(v)) for v in ann['bbox'])
            assert img[y:y + h, x:x + w].max() > 100  # every box holds a bright digit
            mask[y:y + h, x:x + w] = True
        inside_sum += img[mask].sum()
        inside_n += mask.sum()
        outside_sum += img[~mask].sum()
        outside_n += (~mask).sum()
    assert inside_sum / inside_n > 2 * outside_sum / outside_n


class _SlowSet:
    """A stand-in generator that counts its runs and is slow enough for two callers to meet."""
    VERSION = 1

    def __init__(self, counter: str) -> None:
        self.counter = counter

    def generate(self, out_dir: str) -> dict:
        import time
        with open(self.counter, 'a') as f:
            f.write('x')
        time.sleep(0.5)
        with open(osp.join(out_dir, 'a.txt'), 'w') as f:
            f.write('ok')
        return {}


def _ensure_in_child(root: str, counter: str) -> None:
    import tools.data as data
    data.GENERATORS['slow-set'] = _SlowSet(counter)
    data.ensure('slow-set', root)


def test_concurrent_ensure_generates_once(tmp_path):
    """Two processes asking for a missing set at once (parallel test workers, two trainings on
    a fresh clone): one generates, the other waits and finds it."""
    import multiprocessing as mp
    root, counter = str(tmp_path / 'data'), str(tmp_path / 'runs.txt')
    ctx = mp.get_context('fork')
    procs = [ctx.Process(target=_ensure_in_child, args=(root, counter)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with open(counter) as f:
        assert f.read() == 'x'
    with open(osp.join(root, 'slow-set', 'a.txt')) as f:
        assert f.read() == 'ok'
    with open(osp.join(root, 'slow-set', '.mmpapers_dataset.json')) as f:
        assert json.load(f)['version'] == 1
