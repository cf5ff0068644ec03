"""Feature datasets for temporal localization (registered in mmaction2's DATASETS/TRANSFORMS).

ActivityNet: reuse mmaction2's ``ActivityNetDataset`` + ``LoadLocalizationFeature`` +
``GenerateLocalizationLabels`` + ``PackLocalizationInputs`` (features rescaled to T per video).

THUMOS14 (BMN practice, recalled): the snippet features are **not** rescaled; each video is cut
into windows of ``window_size`` snippets with stride ``window_stride``.
:class:`Thumos14WindowDataset` gives one sample per window whose meta keys make mmaction2's
``GenerateLocalizationLabels`` and ``post_processing`` work on the window unchanged
(``duration_second`` = the window's seconds, ``duration_frame = feature_frame`` = its frames),
plus ``window_offset_second`` and ``video_annotations`` that ``ThumosProposalMetric`` uses to
shift, merge and score proposals per video.

:class:`CheckLocalizationFeature` goes after a feature loader (mmaction2's
``LoadLocalizationFeature`` or ``LoadWindowFeature``) and turns a feature file of the wrong
shape into one line naming the file, the expected and the found shape (instead of a matrix
shape error deep in the model).

Annotation file: mmaction2's format (``{video_name: {duration_second, annotations, ...}}``) with
optional ``num_snippets`` (otherwise the rows of the feature csv are counted). Feature files:
``<data_prefix.video>/<video_name>.csv``, a header line then one row of C values per snippet.
"""
import copy
import os.path as osp
from collections import OrderedDict
from typing import Callable, List, Optional, Union

import mmengine
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset

from mmaction.registry import DATASETS, TRANSFORMS
from .errors import LocalizationInputError


def _count_rows(path: str) -> int:
    with open(path) as f:
        return sum(1 for _ in f) - 1


@DATASETS.register_module()
class Thumos14WindowDataset(BaseDataset):
    """Sliding windows over un-rescaled snippet features.

    Args:
        ann_file: mmaction2-format annotation json.
        pipeline: Transforms (``LoadWindowFeature`` first).
        data_prefix: ``dict(video=<feature folder>)``.
        window_size: Snippets per window (128 for THUMOS14 in BMN, recalled).
        window_stride: Window stride in snippets (64).
        feature_interval: Frames per snippet (16); sets ``duration_frame``.
        min_gt_overlap: A ground truth belongs to a window when at least this fraction of it
            lies inside (our choice); the part inside is its window label.
        skip_empty: Drop windows without ground truth (training).
    """

    def __init__(self, ann_file: str, pipeline: List[Union[dict, Callable]],
                 data_prefix: Optional[dict] = dict(video=''), window_size: int = 128,
                 window_stride: int = 64, feature_interval: int = 16,
                 min_gt_overlap: float = 0.9, skip_empty: Optional[bool] = None,
                 test_mode: bool = False, **kwargs) -> None:
        if window_size <= 0 or window_stride <= 0:
            raise ValueError(f'window_size and window_stride must be > 0, got '
                             f'{window_size} and {window_stride}')
        if not 0.0 < min_gt_overlap <= 1.0:
            raise ValueError(f'min_gt_overlap must be in (0, 1], got {min_gt_overlap}')
        self.window_size = window_size
        self.window_stride = window_stride
        self.feature_interval = feature_interval
        self.min_gt_overlap = min_gt_overlap
        self.skip_empty = (not test_mode) if skip_empty is None else skip_empty
        super().__init__(ann_file=ann_file, pipeline=pipeline, data_prefix=data_prefix,
                         test_mode=test_mode, **kwargs)

    def window_starts(self, num_snippets: int) -> List[int]:
        """Start snippet of every window; the last one reaches the end of the video."""
        if num_snippets <= self.window_size:
            return [0]
        starts = list(range(0, num_snippets - self.window_size + 1, self.window_stride))
        if starts[-1] + self.window_size < num_snippets:
            starts.append(num_snippets - self.window_size)
        return starts

    def load_data_list(self) -> List[dict]:
        data_list = []
        for name, info in mmengine.load(self.ann_file).items():
            path = osp.join(self.data_prefix.get('video', ''), name + '.csv')
            num = int(info.get('num_snippets') or _count_rows(path))
            snippet_sec = float(info['duration_second']) / num
            for start in self.window_starts(num):
                w0 = start * snippet_sec
                w1 = (start + self.window_size) * snippet_sec
                anns = []
                for ann in info['annotations']:
                    s, e = ann['segment']
                    inter = min(e, w1) - max(s, w0)
                    if e > s and inter / (e - s) >= self.min_gt_overlap:
                        anns.append(dict(segment=[max(s, w0) - w0, min(e, w1) - w0],
                                         label=ann.get('label')))
                if self.skip_empty and not anns:
                    continue
                frames = self.window_size * self.feature_interval
                data_list.append(dict(
                    video_name=name, feature_path=path, window_start=start,
                    window_size=self.window_size, window_offset_second=w0,
                    duration_second=self.window_size * snippet_sec, duration_frame=frames,
                    feature_frame=frames, annotations=anns,
                    video_annotations=copy.deepcopy(info['annotations'])))
        return data_list


@TRANSFORMS.register_module()
class LoadWindowFeature(BaseTransform):
    """Load ``feature_path`` (csv with a header) and cut ``[window_start, +window_size)``.

    Windows past the end are zero-padded. Adds ``raw_feature`` of shape ``(C, window_size)``.

    Args:
        cache_size: Videos kept in memory per worker (windows of one video share a load).
        feat_dim: Expected C (the model's ``feat_dim``); ``None`` = not checked.
    """

    def __init__(self, cache_size: int = 8, feat_dim: Optional[int] = None) -> None:
        self.cache_size = cache_size
        self.feat_dim = feat_dim
        self._cache: 'OrderedDict[str, np.ndarray]' = OrderedDict()

    def _load(self, path: str) -> np.ndarray:
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        try:
            feat = np.loadtxt(path, dtype=np.float32, delimiter=',', skiprows=1, ndmin=2)
        except ValueError as exc:
            raise LocalizationInputError(f'{path}: not a feature csv (a header line, then one '
                                         f'row of numbers per snippet): {exc}') from None
        if self.feat_dim is not None and feat.shape[1] != self.feat_dim:
            raise LocalizationInputError(
                f'{path}: features have {feat.shape[1]} values per snippet (shape '
                f'{tuple(feat.shape)}), expected feat_dim={self.feat_dim}')
        self._cache[path] = feat
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return feat

    def transform(self, results: dict) -> dict:
        feat = self._load(results['feature_path'])
        start, size = results['window_start'], results['window_size']
        window = np.zeros((size, feat.shape[1]), dtype=np.float32)
        part = feat[start:start + size]
        window[:len(part)] = part
        results['raw_feature'] = window.T.copy()
        return results


@TRANSFORMS.register_module()
class CheckLocalizationFeature(BaseTransform):
    """Check ``raw_feature`` (``(C, T)``) against the model's ``feat_dim`` and ``temporal_dim``.

    Put it right after the feature loader; a mismatch raises
    :class:`~.errors.LocalizationInputError` naming ``feature_path``, the expected and the found
    shape.

    Args:
        feat_dim: Expected C (``None`` = not checked).
        temporal_dim: Expected T (``None`` = not checked).
    """

    def __init__(self, feat_dim: Optional[int] = None,
                 temporal_dim: Optional[int] = None) -> None:
        self.feat_dim = feat_dim
        self.temporal_dim = temporal_dim

    def transform(self, results: dict) -> dict:
        shape = tuple(np.shape(results['raw_feature']))
        expected = (self.feat_dim, self.temporal_dim)
        if len(shape) != 2 or any(e is not None and e != s for e, s in zip(expected, shape)):
            want = tuple('any' if e is None else e for e in expected)
            where = results.get('feature_path', results.get('video_name', '<features>'))
            raise LocalizationInputError(
                f'{where}: features of shape (feat_dim, temporal_dim) = {shape}, expected '
                f'{want} (model.feat_dim / model.temporal_dim of the config)')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(feat_dim={self.feat_dim}, '
                f'temporal_dim={self.temporal_dim})')


__all__ = ['Thumos14WindowDataset', 'LoadWindowFeature', 'CheckLocalizationFeature']
