"""ActivityNet detection mAP with label-by-name matching and proposal classification.

The official ActivityNet ``eval_detection.py`` definitions (verified against mmaction2's test
files: average mAP 0.6177579365079365), computed by
:func:`projects.common.localization.functional.detection_ap`:

* tIoU thresholds 0.50:0.05:0.95; per class the predictions in decreasing score (ties:
  ``scores.argsort()[::-1]`` as the official code, or ``tie_order='stable'``); each one is a
  true positive iff its best still-unmatched ground truth of the same class and video has
  tIoU ``>=`` the threshold; interpolated (VOC 2011) AP; mAP = mean over the ground-truth
  classes (a class without predictions has AP 0); the final number = mean over thresholds;
* labels are matched to the taxonomy by **name**, exactly (official typos included). A label
  outside the taxonomy raises a one-line error (the official reader raises too) or, with
  ``unknown_label='drop'``, is dropped (our switch). Labels of the taxonomy that have no ground
  truth in the evaluated videos are dropped: they change no class's AP (the official code only
  indexes ground-truth classes);
* video ids without the ``v_`` prefix in results, with it in mmaction2's annotations;
* the blocked-video list of the official code (fetched over the network) is not used.

The predictions are written in the official result format (``version``, ``results``,
``external_data``) and evaluated from that file's content, read back with the checks of
:func:`~projects.common.localization.proposal_io.load_results`, so the file and the metric
cannot disagree.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log

from mmaction.registry import METRICS
from projects.common.localization.errors import LocalizationInputError
from projects.common.localization.functional import (ANET_TIOU, IOU_DTYPES, TIE_ORDERS,
                                                     detection_ap)
from projects.common.localization.metrics import _LocalizationMetric
from projects.common.localization.proposal_io import (UNKNOWN_LABEL_MODES, detections_as_tuples,
                                                      filter_labels, load_ground_truth,
                                                      load_results, load_taxonomy, strip_v)
from .classification import (MODES, average_video_scores, classify_proposals,
                             load_video_scores)


def gt_classes(gt: Dict[str, list]) -> List[str]:
    """Ground-truth labels in order of first appearance (the official reader's order)."""
    return list(dict.fromkeys(a[2] for anns in gt.values() for a in anns))


def anet_detection_map(gt: Dict[str, list], results: Dict[str, List[dict]],
                       classes: Optional[Sequence[str]] = None, unknown_label: str = 'error',
                       tie_order: str = 'argsort', iou_dtype: str = 'float64',
                       thresholds: np.ndarray = ANET_TIOU, name: str = '<results>',
                       return_ap: bool = False):
    """``mAP@<tIoU>`` per threshold and their mean ``mAP`` (official definitions).

    Args:
        gt: ``{video id: [(t_start, t_end, label)]}`` (:func:`load_ground_truth`).
        results: ``{video id: [{"segment", "score", "label"}]}`` (:func:`load_results`).
        classes: The taxonomy (default: the ground-truth labels).
        unknown_label: ``'error'`` or ``'drop'`` for labels outside the taxonomy.
        tie_order, iou_dtype: See :func:`~projects.common.localization.functional.detection_ap`.
        name: File name for the error messages.
        return_ap: Also return ``(ap (num_thr, num_classes), class names)``.
    """
    present = gt_classes(gt)
    taxonomy = list(classes) if classes is not None else present
    missing = [c for c in present if c not in set(taxonomy)]
    if missing:
        raise LocalizationInputError(f'ground-truth label {missing[0]!r} is not in the taxonomy '
                                     f'({len(taxonomy)} classes)')
    results, dropped = filter_labels(results, taxonomy, unknown_label, name)
    if dropped:
        print_log(f'{name}: dropped {dropped} detection(s) with labels outside the taxonomy',
                  logger='current')
    present_set = set(present)
    results = {v: [d for d in dets if d['label'] in present_set] for v, dets in results.items()}
    ap, names = detection_ap(gt, detections_as_tuples(results), thresholds, classes=present,
                             tie_order=tie_order, iou_dtype=iou_dtype)
    per_thr = ap.mean(axis=1)
    out = OrderedDict((f'mAP@{t:.2f}', float(m)) for t, m in zip(thresholds, per_thr))
    out['mAP'] = float(per_thr.mean())
    return (out, ap, names) if return_ap else out


def evaluate_anet_detection(gt_file, result_file, classes=None, unknown_label: str = 'error',
                            subset: Optional[str] = None, tie_order: str = 'argsort',
                            iou_dtype: str = 'float64', check_fields: bool = True
                            ) -> Dict[str, float]:
    """:func:`anet_detection_map` of an official result file against an mmaction2 annotation
    file; ``classes`` may be a list, a text file or an official json with a taxonomy."""
    gt = load_ground_truth(gt_file, subset)
    results = load_results(result_file, require_label=True, check_fields=check_fields)
    taxonomy = load_taxonomy(classes) if classes is not None else None
    name = result_file if isinstance(result_file, str) else '<results>'
    return anet_detection_map(gt, results, taxonomy, unknown_label, tie_order, iou_dtype,
                              name=name)


@METRICS.register_module()
class ANetDetectionMetric(_LocalizationMetric):
    """ActivityNet detection mAP (``mAP@0.50`` ... ``mAP@0.95`` and ``mAP``).

    Predictions are the localizer's ``proposal_list``. Entries that already carry a
    ``label`` are evaluated as they are; otherwise they are classified with the video-level
    scores of ``video_scores`` (see :mod:`.classification`).

    Args:
        classes: Taxonomy (list, text file or official json); default: the ground-truth labels.
        unknown_label: ``'error'`` (default, as the official reader) or ``'drop'``.
        video_scores: Video-score file(s) of one or several classifiers (json or pkl), or
            ``None`` when the predictions are labelled.
        video_score_weights: Weights of the classifiers (normalised; default equal).
        recognizer_classes: Class names of the recognizers' pkl scores, in index order
            (list or text file; default: ``classes``).
        topk, mode, max_per_video, segment_alpha: Of :func:`.classification.assign_labels`.
        tie_order: ``'argsort'`` (official) or ``'stable'`` (mmaction2).
        iou_dtype: ``'float64'`` (official) or ``'float32'`` (mmaction2).
        out_file: Official result json path, ``'auto'`` (``<log dir>/detections.json``) or
            ``None``.
        gt_file: mmaction2 annotation json (default: the samples' ``annotations``).
    """
    default_name = 'detections.json'

    def __init__(self, classes: Union[None, str, Sequence[str]] = None,
                 unknown_label: str = 'error',
                 video_scores: Union[None, str, Sequence[str]] = None,
                 video_score_weights: Optional[Sequence[float]] = None,
                 recognizer_classes: Union[None, str, Sequence[str]] = None, topk: int = 2,
                 mode: str = 'topk', max_per_video: int = 100, segment_alpha: float = 0.5,
                 tie_order: str = 'argsort', iou_dtype: str = 'float64', **kwargs) -> None:
        if unknown_label not in UNKNOWN_LABEL_MODES:
            raise ValueError(f'unknown_label must be one of {UNKNOWN_LABEL_MODES}, got '
                             f'{unknown_label!r}')
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        if tie_order not in TIE_ORDERS:
            raise ValueError(f'tie_order must be one of {TIE_ORDERS}, got {tie_order!r}')
        if iou_dtype not in IOU_DTYPES:
            raise ValueError(f'iou_dtype must be one of {IOU_DTYPES}, got {iou_dtype!r}')
        super().__init__(**kwargs)
        self.classes = classes  # read when the metric is computed
        self.unknown_label = unknown_label
        if isinstance(video_scores, str):
            video_scores = [video_scores]
        self.video_scores = list(video_scores) if video_scores else []
        self.video_score_weights = video_score_weights
        self.recognizer_classes = recognizer_classes
        self.assign_cfg = dict(topk=topk, mode=mode, max_per_video=max_per_video,
                               segment_alpha=segment_alpha)
        self.tie_order = tie_order
        self.iou_dtype = iou_dtype

    def _label(self, merged: List[dict], taxonomy: List[str]) -> List[dict]:
        unlabelled = {m['video_name']: m['proposal_list'] for m in merged
                      if any('label' not in p for p in m['proposal_list'])}
        if not unlabelled:
            return merged
        if not self.video_scores:
            raise LocalizationInputError(
                f'{type(self).__name__}: the predictions have no labels and no video_scores '
                f'file is set (video-level classifier results to label the proposals)')
        rec = (load_taxonomy(self.recognizer_classes)
               if self.recognizer_classes is not None else None)
        scores = average_video_scores(
            [load_video_scores(p, taxonomy, rec) for p in self.video_scores],
            self.video_score_weights)
        labelled = classify_proposals(unlabelled, scores, taxonomy, **self.assign_cfg)
        return [dict(video_name=m['video_name'],
                     proposal_list=labelled.get(strip_v(m['video_name']), m['proposal_list']))
                for m in merged]

    def compute_metrics(self, results: list) -> dict:
        gt = self._ground_truth(results)
        taxonomy = (load_taxonomy(self.classes) if self.classes is not None
                    else gt_classes(gt))
        data = self._dump(self._label(self._merge(results), taxonomy))
        dets = load_results(data, require_label=True)
        return anet_detection_map(gt, dets, taxonomy, self.unknown_label, self.tie_order,
                                  self.iou_dtype)


__all__ = ['ANetDetectionMetric', 'anet_detection_map', 'evaluate_anet_detection',
           'gt_classes']
