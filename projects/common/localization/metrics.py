"""mmengine metrics for temporal proposals and detections (registered in mmaction2's METRICS).

* ``ANetProposalMetric`` - ActivityNet AR@AN: keys ``auc``, ``AR@1``, ``AR@5``, ``AR@10``,
  ``AR@100`` (the keys of mmaction2's ``ANetMetric(metric_type='AR@AN')``), computed by
  :func:`.functional.average_recall_at_avg_proposals` with the official definition; the
  proposals are written as an official result file that :func:`evaluate_proposal_file` reads
  back to the same numbers.
* ``ThumosProposalMetric`` - THUMOS14 AR@50/100/200/500/1000. Window predictions (see
  :class:`.datasets.Thumos14WindowDataset`) are shifted by their window offset, merged per video
  and Soft-NMSed (keep ``top_k`` per video) before scoring.
* ``TemporalDetectionMetric`` - detection mAP per tIoU and averaged, with three protocols:

  - ``'anet'``: ActivityNet, :func:`.functional.detection_ap` at tIoU 0.50:0.05:0.95;
  - ``'thumos14_anet'``: the same ActivityNet-style evaluation at tIoU 0.3:0.1:0.7, which most
    recent THUMOS14 papers report;
  - ``'thumos14_kit'``: the official THUMOS14 kit (:func:`.functional.thumos14_kit_ap`) at
    0.3:0.1:0.7, with the ``Ambiguous`` segments of ``ambiguous_file``.

Ground truth comes from the data samples' ``annotations`` meta key (``video_annotations`` for
THUMOS14 windows), as in mmaction2, or from ``gt_file`` (an mmaction2 annotation json) when
given; a missing key is a one-line error, never an empty ground truth.
"""
import logging
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log

from mmaction.registry import METRICS
from .errors import LocalizationInputError
from .functional import (ANET_TIOU, IOU_DTYPES, THUMOS_AR_TIOU, THUMOS_MAP_TIOU, TIE_ORDERS,
                         average_recall_at_avg_proposals, average_recall_at_n, detection_ap,
                         thumos14_kit_ap)
from .postprocess import soft_nms_np
from .proposal_io import (detections_as_tuples, dump_results, gt_as_arrays, load_ground_truth,
                          load_results, load_thumos14_ambiguous, proposals_as_arrays,
                          results_to_json, strip_v)

PROTOCOLS = {'anet': ANET_TIOU, 'thumos14_anet': THUMOS_MAP_TIOU,
             'thumos14_kit': THUMOS_MAP_TIOU}


def aran_metrics(gt: Dict[str, np.ndarray], proposals: Dict[str, np.ndarray], total: int,
                 max_avg_proposals: float = 100, thresholds: np.ndarray = ANET_TIOU,
                 iou_dtype: str = 'float64') -> Dict[str, float]:
    """``auc``, ``AR@1/5/10/100`` as mmaction2 ``ANetMetric`` reports them."""
    recall, _, _, auc = average_recall_at_avg_proposals(gt, proposals, total, max_avg_proposals,
                                                        thresholds, iou_dtype)
    out = OrderedDict(auc=float(auc))
    for an in (1, 5, 10, 100):
        if an <= recall.shape[1]:
            out[f'AR@{an}'] = float(np.mean(recall[:, an - 1]))
    return out


def evaluate_proposal_file(gt_file, result_file, max_avg_proposals: float = 100,
                           subset: Optional[str] = None, iou_dtype: str = 'float64',
                           check_fields: bool = True) -> Dict[str, float]:
    """AR@AN of an official proposal file against an mmaction2 annotation file.

    ``check_fields=False`` accepts a result file without ``version`` / ``external_data``.
    """
    gt = load_ground_truth(gt_file, subset)
    props, total = proposals_as_arrays(load_results(result_file, check_fields=check_fields))
    return aran_metrics(gt_as_arrays(gt), props, total, max_avg_proposals, iou_dtype=iou_dtype)


def evaluate_detection_file(gt_file, result_file, protocol: str = 'anet',
                            subset: Optional[str] = None, ambiguous_file: Optional[str] = None,
                            tie_order: str = 'argsort', iou_dtype: str = 'float64',
                            check_fields: bool = True) -> Dict[str, float]:
    """Detection mAP of an official detection file against an mmaction2 annotation file.

    Args:
        protocol: ``'anet'``, ``'thumos14_anet'`` or ``'thumos14_kit'`` (module docstring).
        ambiguous_file: THUMOS14 ``Ambiguous_<subset>.txt`` (``'thumos14_kit'`` only).
        tie_order, iou_dtype: Of the ActivityNet-style protocols, see
            :func:`.functional.detection_ap`.
        check_fields: Require ``version`` and ``external_data`` (the official reader does).
    """
    gt = load_ground_truth(gt_file, subset)
    dets = detections_as_tuples(load_results(result_file, require_label=True,
                                             check_fields=check_fields))
    ambiguous = load_thumos14_ambiguous(ambiguous_file) if ambiguous_file else None
    return _map_dict(gt, dets, protocol, ambiguous, tie_order, iou_dtype)


def _check_protocol(protocol: str, ambiguous_file: Optional[str]) -> None:
    if protocol == 'thumos':
        raise ValueError("protocol='thumos' was replaced by 'thumos14_kit' (the official "
                         "THUMOS14 kit) and 'thumos14_anet' (ActivityNet-style at 0.3:0.1:0.7)")
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {tuple(PROTOCOLS)}, got {protocol!r}')
    if ambiguous_file is not None and protocol != 'thumos14_kit':
        raise ValueError(f"ambiguous_file is used by protocol='thumos14_kit' only, got "
                         f"protocol={protocol!r}")


def _map_dict(gt, dets, protocol: str, ambiguous=None, tie_order: str = 'argsort',
              iou_dtype: str = 'float64') -> Dict[str, float]:
    _check_protocol(protocol, None)
    thresholds = PROTOCOLS[protocol]
    if protocol == 'thumos14_kit':
        ap, _ = thumos14_kit_ap(gt, dets, thresholds, ambiguous=ambiguous)
    else:
        ap, _ = detection_ap(gt, dets, thresholds, tie_order=tie_order, iou_dtype=iou_dtype)
    per_thr = ap.mean(axis=1)
    out = OrderedDict((f'mAP@{t:.2f}', float(m)) for t, m in zip(thresholds, per_thr))
    out['mAP'] = float(per_thr.mean())
    return out


def current_log_dir() -> Optional[str]:
    """Folder of the current mmengine log file (the runner's ``work_dir/<timestamp>``)."""
    logger = MMLogger.get_current_instance()
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            return osp.dirname(handler.baseFilename)
    return None


class _LocalizationMetric(BaseMetric):
    """Collects ``(video_name, proposal_list)`` predictions and per-video ground truth.

    Args:
        out_file: Where to write the predictions as an official result file: a path,
            ``'auto'`` (``<work_dir>/<timestamp>/<default_name>`` of the running runner) or
            ``None`` (no file).
        gt_file: Optional mmaction2 annotation json to take the ground truth from.
    """
    default_name = 'results.json'
    gt_meta_key = 'annotations'

    def __init__(self, out_file: Optional[str] = 'auto', gt_file: Optional[str] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_file = out_file
        self.gt_file = gt_file

    def _sample_gt(self, meta: dict, video: str) -> list:
        if self.gt_meta_key not in meta:
            if self.gt_file is not None:
                return []
            raise LocalizationInputError(
                f'{type(self).__name__}: the data sample of video {video!r} has no '
                f'{self.gt_meta_key!r} meta key: add it to the meta_keys of the test '
                f"pipeline's PackLocalizationInputs, or set the metric's gt_file")
        return [(float(a['segment'][0]), float(a['segment'][1]), a.get('label'))
                for a in meta[self.gt_meta_key]]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        metas = [s.metainfo if hasattr(s, 'metainfo') else s.get('metainfo', s)
                 for s in data_batch['data_samples']]
        for pred, meta in zip(data_samples, metas):
            gt = self._sample_gt(meta, pred['video_name'])
            self.results.append(dict(video_name=pred['video_name'],
                                     proposal_list=list(pred['proposal_list']),
                                     offset=float(meta.get('window_offset_second', 0.0)),
                                     gt=gt))

    def _ground_truth(self, results: List[dict]) -> Dict[str, list]:
        if self.gt_file is not None:
            return load_ground_truth(self.gt_file)
        return {strip_v(r['video_name']): r['gt'] for r in results}

    def _merge(self, results: List[dict]) -> List[dict]:
        return [dict(video_name=r['video_name'], proposal_list=r['proposal_list'])
                for r in results]

    def _dump(self, merged: List[dict]) -> dict:
        data = results_to_json(merged)
        path = self.out_file
        if path == 'auto':
            log_dir = current_log_dir()
            path = osp.join(log_dir, self.default_name) if log_dir else None
        if path:
            dump_results(merged, path)
            print_log(f'{type(self).__name__}: wrote {path}', logger='current')
        return data


@METRICS.register_module()
class ANetProposalMetric(_LocalizationMetric):
    """ActivityNet AR@AN (``auc``, ``AR@1/5/10/100``) with an official proposal file.

    Args:
        max_avg_proposals: AN of the curve's end (100 for ActivityNet).
        iou_dtype: ``'float64'`` (official ``eval_proposal.py``) or ``'float32'`` (mmaction2's
            ``ANetMetric``).
        out_file, gt_file, collect_device, prefix: see ``_LocalizationMetric``.
    """
    default_name = 'proposals.json'

    def __init__(self, max_avg_proposals: float = 100, iou_dtype: str = 'float64',
                 **kwargs) -> None:
        if iou_dtype not in IOU_DTYPES:
            raise ValueError(f'iou_dtype must be one of {IOU_DTYPES}, got {iou_dtype!r}')
        super().__init__(**kwargs)
        self.max_avg_proposals = max_avg_proposals
        self.iou_dtype = iou_dtype

    def compute_metrics(self, results: list) -> dict:
        data = self._dump(self._merge(results))
        props, total = proposals_as_arrays(load_results(data))
        gt = gt_as_arrays(self._ground_truth(results))
        return aran_metrics(gt, props, total, self.max_avg_proposals, iou_dtype=self.iou_dtype)


@METRICS.register_module()
class ThumosProposalMetric(_LocalizationMetric):
    """THUMOS14 AR@N after merging sliding windows per video.

    Args:
        nums: The N of AR@N.
        temporal_iou_thresholds: tIoU thresholds (default 0.5:0.05:1.0, BSN/BMN practice
            as recalled).
        soft_nms: Soft-NMS of the merged proposals ``dict(alpha, low_threshold,
            high_threshold)`` or ``None`` to only sort; keeps ``top_k`` per video.
        top_k: Proposals kept per video.
    """
    default_name = 'proposals.json'
    gt_meta_key = 'video_annotations'  # the whole video's ground truth, not the window's

    def __init__(self, nums: Sequence[int] = (50, 100, 200, 500, 1000),
                 temporal_iou_thresholds: Sequence[float] = tuple(THUMOS_AR_TIOU),
                 soft_nms: Optional[dict] = dict(alpha=0.4, low_threshold=0.5,
                                                 high_threshold=0.9),
                 top_k: int = 1000, **kwargs) -> None:
        super().__init__(**kwargs)
        self.nums = tuple(nums)
        self.thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
        self.soft_nms = soft_nms
        self.top_k = top_k

    def _merge(self, results: List[dict]) -> List[dict]:
        by_video: Dict[str, list] = OrderedDict()
        for r in results:
            rows = by_video.setdefault(r['video_name'], [])
            rows += [[p['segment'][0] + r['offset'], p['segment'][1] + r['offset'], p['score']]
                     for p in r['proposal_list']]
        merged = []
        for name, rows in by_video.items():
            arr = np.array(rows, dtype=np.float64).reshape(-1, 3)
            if self.soft_nms is not None and len(arr) > 1:
                # Soft-NMS works on any time unit except for its width-dependent threshold,
                # which expects [0, 1]: normalise by the video's extent, then scale back.
                scale = max(arr[:, 1].max(), 1e-8)
                arr = soft_nms_np(arr / [scale, scale, 1.], self.soft_nms['alpha'],
                                  self.soft_nms['low_threshold'],
                                  self.soft_nms['high_threshold'], self.top_k) * [scale, scale, 1.]
            arr = arr[arr[:, 2].argsort()[::-1]][:self.top_k]
            merged.append(dict(video_name=name, proposal_list=[
                dict(segment=[float(a[0]), float(a[1])], score=float(a[2])) for a in arr]))
        return merged

    def _ground_truth(self, results: List[dict]) -> Dict[str, list]:
        if self.gt_file is not None:
            return load_ground_truth(self.gt_file)
        gt = {}
        for r in results:  # every window carries the whole video's annotations
            gt.setdefault(strip_v(r['video_name']), r['gt'])
        return gt

    def compute_metrics(self, results: list) -> dict:
        data = self._dump(self._merge(results))
        props, _ = proposals_as_arrays(load_results(data))
        gt = {k: v for k, v in gt_as_arrays(self._ground_truth(results)).items() if len(v)}
        ar = average_recall_at_n(gt, props, self.nums, self.thresholds)
        return OrderedDict((f'AR@{n}', v) for n, v in ar.items())


@METRICS.register_module()
class TemporalDetectionMetric(_LocalizationMetric):
    """Detection mAP: ``mAP@<tIoU>`` per threshold and their mean ``mAP``.

    Predictions are ``proposal_list`` entries with a ``label``.

    Args:
        protocol: ``'anet'`` (ActivityNet, tIoU 0.50:0.05:0.95), ``'thumos14_anet'``
            (ActivityNet-style at 0.3:0.1:0.7) or ``'thumos14_kit'`` (the official THUMOS14
            kit at 0.3:0.1:0.7); see the module docstring.
        ambiguous_file: THUMOS14 ``Ambiguous_<subset>.txt`` (``'thumos14_kit'``; without it no
            detection is excused as ambiguous).
        tie_order: ``'argsort'`` (official ActivityNet) or ``'stable'`` (mmaction2).
        iou_dtype: ``'float64'`` (official ActivityNet) or ``'float32'`` (mmaction2).
    """
    default_name = 'detections.json'

    def __init__(self, protocol: str = 'anet', ambiguous_file: Optional[str] = None,
                 tie_order: str = 'argsort', iou_dtype: str = 'float64', **kwargs) -> None:
        _check_protocol(protocol, ambiguous_file)
        if tie_order not in TIE_ORDERS:
            raise ValueError(f'tie_order must be one of {TIE_ORDERS}, got {tie_order!r}')
        if iou_dtype not in IOU_DTYPES:
            raise ValueError(f'iou_dtype must be one of {IOU_DTYPES}, got {iou_dtype!r}')
        super().__init__(**kwargs)
        self.protocol = protocol
        self.ambiguous_file = ambiguous_file
        self.tie_order = tie_order
        self.iou_dtype = iou_dtype

    def compute_metrics(self, results: list) -> dict:
        data = self._dump(self._merge(results))
        dets = detections_as_tuples(load_results(data, require_label=True))
        ambiguous = (load_thumos14_ambiguous(self.ambiguous_file)
                     if self.ambiguous_file else None)
        return _map_dict(self._ground_truth(results), dets, self.protocol, ambiguous,
                         self.tie_order, self.iou_dtype)


__all__ = ['ANetProposalMetric', 'ThumosProposalMetric', 'TemporalDetectionMetric',
           'aran_metrics', 'evaluate_proposal_file', 'evaluate_detection_file',
           'current_log_dir']
