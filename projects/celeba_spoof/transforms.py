"""CelebA-Spoof transforms: the face crop from ``_BB.txt``, the geometric maps, packing.

The crop follows the release's ``client.py`` ``read_image``: the box ``x y w h`` is in
224x224 coordinates; it is scaled by ``W / 224`` and ``H / 224`` (``int``), its corner is
clamped at 0 and its far edge at the image border, and the crop is taken *before* any resize.
"""
import os.path as osp
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from .labels import CelebASpoofError

BOX_SPACE = 224


def read_bbox_file(path: str, entry: str = '') -> Tuple[float, float, float, float]:
    """``(x, y, w, h)`` in 224 space from a ``_BB.txt`` (``x y w h score``)."""
    where = f'entry {entry!r}: ' if entry else ''
    if not osp.isfile(path):
        raise CelebASpoofError(f'{where}face box file {path} not found')
    with open(path) as f:
        text = f.read()
    parts = text.split()
    try:
        values = [float(v) for v in parts[:4]]
    except ValueError:
        values = []
    if len(values) != 4 or len(parts) > 5:
        raise CelebASpoofError(f'{where}face box file {path}: expected "x y w h score" '
                               f'(224x224 coordinates), got {text.strip()!r}')
    return tuple(values)


def scale_and_clamp_box(box: Sequence[float], height: int,
                        width: int) -> Tuple[int, int, int, int]:
    """Pixel crop ``(x1, y1, x2, y2)`` of a 224-space box in an ``height`` x ``width`` image.

    As the release: ``x = int(bx * W / 224)`` etc.; ``x1 = max(x, 0)``; ``x2 = W`` if
    ``x1 + w > W`` else ``x + w`` (likewise for y).
    """
    bx, by, bw, bh = box
    x = int(bx * (width / BOX_SPACE))
    y = int(by * (height / BOX_SPACE))
    w = int(bw * (width / BOX_SPACE))
    h = int(bh * (height / BOX_SPACE))
    x1, y1 = max(x, 0), max(y, 0)
    x2 = width if x1 + w > width else x + w
    y2 = height if y1 + h > height else y + h
    return x1, y1, x2, y2


@TRANSFORMS.register_module()
class CropFaceFromBBoxFile(BaseTransform):
    """Crop ``results['img']`` to the face box of ``results['bbox_path']``.

    Required keys: ``img``, ``bbox_path``. Modified: ``img``, ``img_shape``. Added:
    ``face_box`` (pixel ``x1, y1, x2, y2`` in the original image).
    """

    def transform(self, results: dict) -> dict:
        if 'bbox_path' not in results:
            raise CelebASpoofError(
                f'{results.get("img_path")}: no bbox_path (is with_bbox=False in the dataset?)')
        entry = results.get('entry', results.get('img_path', ''))
        img = results['img']
        height, width = img.shape[:2]
        x1, y1, x2, y2 = scale_and_clamp_box(read_bbox_file(results['bbox_path'], entry),
                                             height, width)
        if x2 <= x1 or y2 <= y1:
            raise CelebASpoofError(f'entry {entry!r}: face box file {results["bbox_path"]} '
                                   f'gives an empty crop ({x1}, {y1}, {x2}, {y2}) in a '
                                   f'{width}x{height} image')
        results['img'] = img[y1:y2, x1:x2]
        results['img_shape'] = results['img'].shape[:2]
        results['face_box'] = (x1, y1, x2, y2)
        return results


@TRANSFORMS.register_module()
class LoadGeometryMaps(BaseTransform):
    """Load the depth (1 channel) and reflection (3 channels) maps as float32 in [0, 1].

    A ``None`` path means the map is zero by definition (depth of a spoof, reflection of a
    live image). The maps are resized (bilinear) to ``map_size``.

    Args:
        map_size: Side of the maps (14, the size of AENet's geometric heads).
        map_space: ``'crop'``: the files are maps of the face crop (our layout);
            ``'image'``: maps of the whole image, cropped with ``face_box`` first.
        with_depth: Load ``depth_path`` into ``depth_map``.
        with_reflect: Load ``reflect_path`` into ``reflect_map``.
    """

    def __init__(self, map_size: int = 14, map_space: str = 'crop', with_depth: bool = True,
                 with_reflect: bool = True) -> None:
        if map_space not in ('crop', 'image'):
            raise ValueError(f"map_space must be 'crop' or 'image', got {map_space!r}")
        self.map_size = map_size
        self.map_space = map_space
        self.with_depth = with_depth
        self.with_reflect = with_reflect

    def _load(self, results: dict, key: str, channels: int) -> np.ndarray:
        entry = results.get('entry', results.get('img_path', ''))
        if key not in results:
            raise CelebASpoofError(f'entry {entry!r}: no {key} (set depth_prefix/reflect_prefix '
                                   'of the dataset)')
        path = results[key]
        if path is None:
            return np.zeros((channels, self.map_size, self.map_size), np.float32)
        flag = cv2.IMREAD_GRAYSCALE if channels == 1 else cv2.IMREAD_COLOR
        img = cv2.imread(path, flag) if osp.isfile(path) else None
        if img is None:
            raise CelebASpoofError(f'entry {entry!r}: map {path} not found or unreadable')
        if self.map_space == 'image':
            if 'face_box' not in results:
                raise CelebASpoofError(f"entry {entry!r}: map_space='image' needs "
                                       'CropFaceFromBBoxFile before LoadGeometryMaps')
            x1, y1, x2, y2 = results['face_box']
            img = img[y1:y2, x1:x2]
        img = cv2.resize(img, (self.map_size, self.map_size), interpolation=cv2.INTER_LINEAR)
        if channels == 3:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).transpose(2, 0, 1)
        else:
            img = img[None]
        return np.ascontiguousarray(img, dtype=np.float32) / 255.0

    def transform(self, results: dict) -> dict:
        if self.with_depth:
            results['depth_map'] = self._load(results, 'depth_path', 1)
        if self.with_reflect:
            results['reflect_map'] = self._load(results, 'reflect_path', 3)
        return results


@TRANSFORMS.register_module()
class PackAntiSpoofInputs(BaseTransform):
    """Pack the image and every CelebA-Spoof label into a :class:`DataSample`.

    ``gt_label`` is the liveness (0 live, 1 spoof); the data sample also gets ``attr``
    (float (40,)), ``spoof_type``, ``illum``, ``env`` (long scalars, -1 = unknown) and, if
    loaded, ``depth_map`` (1, S, S) and ``reflect_map`` (3, S, S).

    Args:
        meta_keys: Meta keys copied into the data sample.
    """

    def __init__(self, meta_keys: Sequence[str] = ('sample_idx', 'img_path', 'entry',
                                                     'ori_shape', 'img_shape',
                                                     'face_box')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = img[:, :, None]
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        sample = DataSample().set_gt_label(int(results['gt_label']))
        if 'attr' in results:
            sample.set_field(torch.as_tensor(results['attr'], dtype=torch.float32), 'attr')
        for key in ('spoof_type', 'illum', 'env'):
            if key in results:
                sample.set_field(torch.tensor(int(results[key])), key)
        for key in ('depth_map', 'reflect_map'):
            if key in results:
                sample.set_field(torch.from_numpy(results[key]), key)
        for key in self.meta_keys:
            if key in results:
                sample.set_field(results[key], key, field_type='metainfo')
        return dict(inputs=inputs, data_samples=sample)
