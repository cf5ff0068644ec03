"""CelebA-Spoof in its released layout (arXiv 2007.12342; official README).

Layout read here::

    <data_root>/Data/{train,test}/<subject>/{live,spoof}/<name>.{jpg,png}
    <data_root>/Data/{train,test}/<subject>/{live,spoof}/<name>_BB.txt   # x y w h score (224 space)
    <data_root>/metas/intra_test/{train,test}_label.{json,txt}
    <data_root>/metas/protocol1/..., metas/protocol2/...

The json maps each relative path to the 44-entry label list of :mod:`.labels`; a ``.txt``
list (``<path> <0|1>`` per line, 1 = spoof) gives the liveness only (used for cross-dataset
test lists such as CASIA-MFSD frames). Entries under the stray ``Data/train_2`` folder (a broken
copy, issues #3 and #38) are dropped.

Depth and reflection ground truth is not distributed; where it was generated offline, give its
roots (``depth_prefix``/``reflect_prefix``, our layout: the image's relative path with a
``.png`` suffix under the root, the map of the face crop). Depth exists for live images only
(spoof depth is zero), reflection for spoof images only (live reflection is zero) [R].
"""
import json
import os.path as osp
from typing import List, Optional

from mmengine.logging import print_log
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .labels import (ATTR_SLICE, ENV_INDEX, ILLUM_INDEX, LIVE_INDEX, LIVENESS, NUM_LABELS,
                     SPOOF_TYPE_INDEX, CelebASpoofError)

STRAY_FOLDER = 'Data/train_2/'


def bbox_path_of(img_path: str) -> str:
    """``.../000003.jpg`` -> ``.../000003_BB.txt`` (the release's naming)."""
    return osp.splitext(img_path)[0] + '_BB.txt'


def check_label_list(lab, ann_file: str, key: str) -> List[int]:
    """Validate one 44-entry label list; raise a one-line error naming file and entry."""
    if not isinstance(lab, (list, tuple)) or len(lab) != NUM_LABELS:
        n = len(lab) if isinstance(lab, (list, tuple)) else type(lab).__name__
        raise CelebASpoofError(
            f'{ann_file}: entry {key!r} has a label list of length {n}; expected {NUM_LABELS} '
            '(40 attributes, spoof type, illumination, environment, live/spoof)')
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in lab):
        raise CelebASpoofError(f'{ann_file}: entry {key!r}: labels must be integers, got {lab}')
    ranges = [(i, 0, 1) for i in range(40)] + [
        (SPOOF_TYPE_INDEX, 0, 10), (ILLUM_INDEX, 0, 4), (ENV_INDEX, 0, 2), (LIVE_INDEX, 0, 1)]
    for i, lo, hi in ranges:
        if not lo <= lab[i] <= hi:
            raise CelebASpoofError(
                f'{ann_file}: entry {key!r}: label[{i}] = {lab[i]} is outside {lo}..{hi}')
    spoof = lab[LIVE_INDEX] == 1
    if spoof != (lab[SPOOF_TYPE_INDEX] != 0):
        raise CelebASpoofError(
            f'{ann_file}: entry {key!r}: live/spoof label[43] = {lab[LIVE_INDEX]} disagrees with '
            f'spoof type label[40] = {lab[SPOOF_TYPE_INDEX]} (0 = Live)')
    return list(lab)


@DATASETS.register_module()
class CelebASpoofDataset(BaseDataset):
    """CelebA-Spoof images with their liveness and auxiliary labels.

    Each item of ``data_list`` holds ``img_path``, ``bbox_path``, ``gt_label`` (= label[43],
    0 live, 1 spoof), ``attr`` (label[0:40]), ``spoof_type`` (label[40]), ``illum``
    (label[41]), ``env`` (label[42]) and, when the prefixes are set, ``depth_path`` /
    ``reflect_path`` (None where the map is zero by definition). From a ``.txt`` list the
    auxiliary labels are -1 (unknown).

    Args:
        ann_file: Label file relative to ``data_root``, e.g.
            ``'metas/intra_test/train_label.json'``.
        data_root: Folder holding ``Data/`` and ``metas/``.
        pipeline: Transforms.
        depth_prefix: Root of the generated depth maps (None: no depth).
        reflect_prefix: Root of the generated reflection maps (None: no reflection).
        check_files: Check at start that every image and its ``_BB.txt`` exist (one ``stat``
            each); a missing one raises with the label file and the entry.
        with_bbox: Whether the ``_BB.txt`` files are expected (cross-dataset frames that are
            already face crops have none).
        **kwargs: Passed to :class:`mmpretrain.datasets.BaseDataset`.
    """

    METAINFO = {'classes': LIVENESS}

    def __init__(self, ann_file: str, data_root: str = '', pipeline=(),
                 depth_prefix: Optional[str] = None, reflect_prefix: Optional[str] = None,
                 check_files: bool = True, with_bbox: bool = True, **kwargs) -> None:
        self.depth_prefix = depth_prefix
        self.reflect_prefix = reflect_prefix
        self.check_files = check_files
        self.with_bbox = with_bbox
        super().__init__(ann_file=ann_file, data_root=data_root, pipeline=pipeline, **kwargs)

    def _map_path(self, prefix: Optional[str], rel: str) -> Optional[str]:
        if prefix is None:
            return None
        root = prefix if osp.isabs(prefix) else osp.join(self.data_root, prefix)
        return osp.join(root, osp.splitext(rel)[0] + '.png')

    def _read_annotations(self):
        ann_file = self.ann_file
        if not osp.isfile(ann_file):
            raise CelebASpoofError(f'{ann_file}: label file not found')
        if ann_file.endswith('.json'):
            with open(ann_file) as f:
                try:
                    raw = json.load(f)
                except json.JSONDecodeError as exc:
                    raise CelebASpoofError(f'{ann_file}: not valid json ({exc})') from None
            if not isinstance(raw, dict):
                raise CelebASpoofError(
                    f'{ann_file}: expected a json object {{relative path: [44 ints]}}')
            return [(k, check_label_list(v, ann_file, k)) for k, v in raw.items()]
        items = []
        with open(ann_file) as f:
            for lineno, line in enumerate(f, 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 2 or parts[1] not in ('0', '1'):
                    raise CelebASpoofError(
                        f'{ann_file}: line {lineno} {line.strip()!r}: expected "<path> <0|1>"')
                items.append((parts[0], int(parts[1])))
        return items

    def load_data_list(self) -> List[dict]:
        data_list, stray = [], 0
        for key, lab in self._read_annotations():
            if key.replace('\\', '/').lstrip('./').startswith(STRAY_FOLDER):
                stray += 1
                continue
            img_path = osp.join(self.data_root, key)
            info = dict(img_path=img_path, entry=key)
            if isinstance(lab, list):
                info.update(gt_label=lab[LIVE_INDEX], attr=lab[ATTR_SLICE],
                            spoof_type=lab[SPOOF_TYPE_INDEX], illum=lab[ILLUM_INDEX],
                            env=lab[ENV_INDEX])
            else:
                info.update(gt_label=lab, attr=[-1] * 40, spoof_type=-1, illum=-1, env=-1)
            if self.with_bbox:
                info['bbox_path'] = bbox_path_of(img_path)
            live = info['gt_label'] == 0
            if self.depth_prefix is not None:
                info['depth_path'] = self._map_path(self.depth_prefix, key) if live else None
            if self.reflect_prefix is not None:
                info['reflect_path'] = None if live else self._map_path(self.reflect_prefix, key)
            if self.check_files:
                self._check_entry(info)
            data_list.append(info)
        if stray:
            print_log(f'{self.ann_file}: ignored {stray} entries under the stray '
                      f'{STRAY_FOLDER} folder', logger='current')
        if not data_list:
            raise CelebASpoofError(f'{self.ann_file}: no entries')
        return data_list

    def _check_entry(self, info: dict) -> None:
        for field, what in (('img_path', 'image'), ('bbox_path', 'face box file'),
                            ('depth_path', 'depth map'), ('reflect_path', 'reflection map')):
            path = info.get(field)
            if path is not None and not osp.isfile(path):
                raise CelebASpoofError(
                    f'{self.ann_file}: entry {info["entry"]!r}: {what} {path} not found')
