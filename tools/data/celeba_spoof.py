"""``celeba-spoof``: a small face anti-spoofing set in CelebA-Spoof's exact released layout.

CelebA-Spoof itself may not be redistributed, so nothing of it is here. "Faces" are
scikit-learn's real handwritten digits (UCI optdigits, CC BY 4.0) drawn as a skin-toned
ellipse with the digit as features; scenes are crops of scikit-learn's two sample photographs
(``china.jpg`` = indoor, ``flower.jpg`` = outdoor). A subject is one digit image and one skin
tone. Spoofs are a rendering of the subject "recaptured" with learnable artifacts per type:

- print (1 Photo, 2 Poster, 3 A4): reduced dynamic range, warm paper tint, fixed paper grain
  (A4 adds halftone dots);
- 4 Face Mask: a flat, blurred face;
- screen (7 PC, 8 Pad, 9 Phone): moire grating (frequency per device), colour banding
  (quantisation) and a dark screen bezel around the face (thicker for smaller devices);

under one of the four illuminations (1 Normal, 2 Strong, 3 Back, 4 Dark) and two
environments (1 Indoor, 2 Outdoor). Live faces carry 40 attributes: 0-3 the digit's bits,
20 (Male) the darker tones, 31 (Smiling) per image, the rest fixed per subject; spoofs carry
all-0 attributes as in the release. Layout::

    Data/{train,test}/<subject>/{live,spoof}/<000001>.png  + <000001>_BB.txt (x y w h score,
                                                              224x224 coordinates)
    Data/train_2/...                        stray copy, in no label file (as the release's)
    metas/intra_test/{train,test}_label.{json,txt}
    metas/protocol1/{train,test}_label.{json,txt}   ours: unseen illuminations (Back, Dark)
    metas/protocol2/{train,test}_label.{json,txt}   ours: unseen media (screens)
    depth/Data/.../<name>.png        depth GT of live face crops (28x28 grey)
    reflection/Data/.../<name>.png   reflection GT of spoof face crops (28x28 RGB)

The protocol folders have the release's file names; their content (which media or
illuminations are held out) is our stand-in, the release's protocol semantics are not
reproduced. Images are 96x72 (W x H), so the 224-space box scales differently per axis.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np

VERSION = 1
SEED = 0
WIDTH, HEIGHT = 96, 72
NUM_TRAIN_SUBJECTS = 40
NUM_TEST_SUBJECTS = 12
LIVE_PER_SUBJECT = 4
SPOOF_PER_SUBJECT = 4
MAP_SIZE = 28
SPOOF_TYPES = (1, 2, 3, 4, 7, 8, 9)
PRINT_TYPES = (1, 2, 3, 4)
MOIRE_PERIOD = {7: 3.0, 8: 4.5, 9: 6.0}
BEZEL = {7: 2, 8: 4, 9: 6}


def _scenes():
    from sklearn.datasets import load_sample_images
    imgs = load_sample_images().images  # RGB uint8 (427, 640, 3): china, flower
    return [cv2.resize(im, (320, 214), interpolation=cv2.INTER_AREA) for im in imgs]


def _scene_crop(scene, rng):
    y = rng.integers(0, scene.shape[0] - HEIGHT)
    x = rng.integers(0, scene.shape[1] - WIDTH)
    return scene[y:y + HEIGHT, x:x + WIDTH].astype(np.float32)


def _face_box(rng):
    fw, fh = int(rng.integers(36, 50)), int(rng.integers(40, 56))
    x = int(rng.integers(-4, WIDTH - fw + 5))  # a few boxes overflow the border
    y = int(rng.integers(-4, HEIGHT - fh + 5))
    return x, y, fw, fh


def _draw_face(canvas, box, digit, tone):
    """Skin ellipse with the digit's strokes darkened in; returns (image, face mask)."""
    x, y, fw, fh = box
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    cx, cy = x + fw / 2, y + fh / 2
    ell = ((xx - cx) / (fw / 2)) ** 2 + ((yy - cy) / (fh / 2)) ** 2
    mask = np.clip((1.0 - ell) * 4, 0, 1)
    strokes = np.zeros((HEIGHT, WIDTH), np.float32)
    big = cv2.resize(digit, (fw, fh), interpolation=cv2.INTER_CUBIC)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + fw, WIDTH), min(y + fh, HEIGHT)
    strokes[y0:y1, x0:x1] = big[y0 - y:y1 - y, x0 - x:x1 - x]
    face = np.asarray(tone, np.float32)[None, None] * (1 - 0.7 * strokes[..., None])
    out = canvas * (1 - mask[..., None]) + face * mask[..., None]
    return out, mask


def _depth_map(box, mask, digit):
    x, y, fw, fh = box
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    bump = np.exp(-(((xx - x - fw / 2) / (fw / 2.5)) ** 2 + ((yy - y - fh / 2) / (fh / 2.5)) ** 2))
    return np.clip(mask * (0.4 + 0.6 * bump), 0, 1)


def _recapture(img, box, mask, spoof_type, rng, grain):
    x, y, fw, fh = box
    if spoof_type in PRINT_TYPES[:3]:
        out = 50 + 0.6 * img
        out = out * np.array([1.05, 1.0, 0.85], np.float32)
        out = out + grain[..., None] * (10 if spoof_type != 2 else 16)
        if spoof_type == 3:
            yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
            out = out - 18 * (((yy % 3) == 0) & ((xx % 3) == 0))[..., None]
    elif spoof_type == 4:
        flat = cv2.GaussianBlur(img, (0, 0), 2.5)
        out = img * (1 - mask[..., None]) + flat * mask[..., None]
        out = 0.8 * out + 30
    else:
        yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
        period = MOIRE_PERIOD[spoof_type]
        angle = rng.uniform(0.2, 1.2)
        moire = np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)
        out = img + 18 * moire[..., None]
        out = np.floor(np.clip(out, 0, 255) / 32) * 32 + 16  # colour banding
        b = BEZEL[spoof_type]
        x0, y0 = max(x - 6, 0), max(y - 6, 0)
        x1, y1 = min(x + fw + 6, WIDTH), min(y + fh + 6, HEIGHT)
        frame = np.zeros((HEIGHT, WIDTH), bool)
        frame[max(y0 - b, 0):min(y1 + b, HEIGHT), max(x0 - b, 0):min(x1 + b, WIDTH)] = True
        frame[y0:y1, x0:x1] = False
        out[frame] = 12
    return out


def _illuminate(img, mask, illum, rng):
    if illum == 2:
        img = 255 * (np.clip(img, 0, 255) / 255) ** 0.6
    elif illum == 3:
        m = mask[..., None]
        img = img * (1 - m) * 1.4 + img * m * 0.6
    elif illum == 4:
        img = img * 0.45 + rng.normal(0, 4, img.shape)
    return img


def _crop_map(arr, box):
    x, y, fw, fh = box
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + fw, WIDTH), min(y + fh, HEIGHT)
    return cv2.resize(np.ascontiguousarray(arr[y0:y1, x0:x1]), (MAP_SIZE, MAP_SIZE),
                      interpolation=cv2.INTER_AREA)


def _box224(box):
    x, y, fw, fh = box
    sx, sy = 224 / WIDTH, 224 / HEIGHT
    # ceil keeps int(b * W / 224) == the pixel box after the loader's scaling
    return [int(np.ceil(x * sx)) if x >= 0 else int(np.floor(x * sx)),
            int(np.ceil(y * sy)) if y >= 0 else int(np.floor(y * sy)),
            int(np.ceil(fw * sx)), int(np.ceil(fh * sy))]


def _write(out_dir, rel, img_rgb):
    path = osp.join(out_dir, rel)
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, cv2.cvtColor(np.clip(img_rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR))


def _write_split(folder, name, entries):
    os.makedirs(folder, exist_ok=True)
    with open(osp.join(folder, f'{name}_label.json'), 'w') as f:
        json.dump({k: v for k, v in entries}, f)
    with open(osp.join(folder, f'{name}_label.txt'), 'w') as f:
        f.writelines(f'{k} {v[43]}\n' for k, v in entries)


def generate(out_dir: str) -> dict:
    from sklearn.datasets import load_digits
    rng = np.random.default_rng(SEED)
    digits = load_digits()
    scenes = _scenes()
    grain = cv2.GaussianBlur(rng.normal(0, 1, (HEIGHT, WIDTH)).astype(np.float32), (0, 0), 0.6)
    splits = {'train': [], 'test': []}
    n_subjects = NUM_TRAIN_SUBJECTS + NUM_TEST_SUBJECTS
    digit_ids = rng.choice(len(digits.images), n_subjects, replace=False)
    for s in range(n_subjects):
        split = 'train' if s < NUM_TRAIN_SUBJECTS else 'test'
        subject = str(10001 + s)
        digit = (digits.images[digit_ids[s]] / 16.0).astype(np.float32)
        cls = int(digits.target[digit_ids[s]])
        dark = bool(rng.random() < 0.5)
        tone = (rng.uniform(110, 150), rng.uniform(80, 110), rng.uniform(60, 90)) if dark else \
            (rng.uniform(200, 240), rng.uniform(160, 200), rng.uniform(140, 180))
        subject_attrs = (rng.random(40) < 0.3).astype(int)
        n = 0
        for kind in ['live'] * LIVE_PER_SUBJECT + ['spoof'] * SPOOF_PER_SUBJECT:
            n += 1
            name = f'{n:06d}'
            rel = f'Data/{split}/{subject}/{kind}/{name}.png'
            box = _face_box(rng)
            env = int(rng.integers(1, 3))
            canvas = _scene_crop(scenes[env - 1], rng)
            img, mask = _draw_face(canvas, box, digit, tone)
            if kind == 'live':
                attrs = subject_attrs.copy()
                attrs[0:4] = [(cls >> b) & 1 for b in range(4)]
                attrs[20] = int(dark)
                attrs[31] = int(rng.random() < 0.5)
                if attrs[31]:  # a "smile": a brighter band in the lower face
                    x, y, fw, fh = box
                    y0, y1 = max(y + int(0.7 * fh), 0), max(min(y + int(0.8 * fh), HEIGHT), 0)
                    img[y0:y1, max(x + fw // 4, 0):max(min(x + 3 * fw // 4, WIDTH), 0)] += 40
                label = list(map(int, attrs)) + [0, 0, 0, 0]
                depth = _crop_map(_depth_map(box, mask, digit), box)
                dpath = osp.join(out_dir, 'depth', osp.splitext(rel)[0] + '.png')
                os.makedirs(osp.dirname(dpath), exist_ok=True)
                cv2.imwrite(dpath, (depth * 255).astype(np.uint8))
            else:
                stype = int(SPOOF_TYPES[rng.integers(len(SPOOF_TYPES))])
                illum = int(rng.integers(1, 5))
                clean = img
                img = _recapture(img, box, mask, stype, rng, grain)
                img = _illuminate(img, mask, illum, rng)
                resid = np.abs(np.clip(img, 0, 255) - np.clip(clean, 0, 255))
                resid = resid / max(float(resid.max()), 1.0)
                _write(out_dir, osp.join('reflection', rel), _crop_map(resid, box) * 255)
                label = [0] * 40 + [stype, illum, env, 1]
            _write(out_dir, rel, img)
            with open(osp.join(out_dir, osp.splitext(rel)[0] + '_BB.txt'), 'w') as f:
                f.write(' '.join(map(str, _box224(box))) + f' {rng.uniform(0.9, 1.0):.4f}\n')
            splits[split].append((rel, label))
    # the release's stray, broken Data/train_2 folder: in no label file
    for rel, _ in splits['train'][:2]:
        src = cv2.imread(osp.join(out_dir, rel))
        stray = rel.replace('Data/train/', 'Data/train_2/')
        os.makedirs(osp.dirname(osp.join(out_dir, stray)), exist_ok=True)
        cv2.imwrite(osp.join(out_dir, stray), src[: HEIGHT // 2])
    metas = osp.join(out_dir, 'metas')
    for name, entries in splits.items():
        _write_split(osp.join(metas, 'intra_test'), name, entries)
    # our stand-in cross-domain splits (see the module docstring)
    p1 = dict(train=[e for e in splits['train'] if e[1][41] in (0, 1, 2)],
              test=[e for e in splits['test'] if e[1][41] in (0, 3, 4)])
    p2 = dict(train=[e for e in splits['train'] if e[1][40] in (0,) + PRINT_TYPES],
              test=[e for e in splits['test'] if e[1][40] not in PRINT_TYPES])
    for proto, parts in (('protocol1', p1), ('protocol2', p2)):
        for name, entries in parts.items():
            _write_split(osp.join(metas, proto), name, entries)
    count = lambda es, v: sum(e[1][43] == v for e in es)  # noqa: E731
    return dict(source='sklearn load_digits (UCI optdigits, CC BY 4.0) + load_sample_images',
                train_live=count(splits['train'], 0), train_spoof=count(splits['train'], 1),
                test_live=count(splits['test'], 0), test_spoof=count(splits['test'], 1),
                image_size=[HEIGHT, WIDTH])
