"""mmengine metrics for temporal proposals and detections (registered in mmaction2's METRICS).

* ``ANetProposalMetric`` - ActivityNet AR@AN: keys ``auc``, ``AR@1``, ``AR@5``, ``AR@10``,
  ``AR@100`` (the keys of mmaction2's ``ANetMetric(metric_type='AR@AN')``), computed by
  :func:`.functional.average_recall_at_avg_proposals`; the proposals are written as an
  official result file that :func:`evaluate_proposal_file` reads back to the same numbers.
* ``ThumosProposalMetric`` - THUMOS14 AR@50/100/200/500/1000. Window predictions (see
  :class:`.datasets.Thumos14WindowDataset`) are shifted by their window offset, merged per video
  and Soft-NMSed (keep ``top_k`` per video) before scoring.
* ``TemporalDetectionMetric`` - detection mAP per tIoU and averaged; ``protocol='anet'``
  (0.50:0.05:0.95, interpolated AP) or ``'thumos'`` (0.3:0.1:0.7, TH14evalDet AP).

Ground truth comes from the data samples' ``annotations`` meta key (as in mmaction2), or from
``gt_file`` (an mmaction2 annotation json) when given.
"""
import logging
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log

from mmaction.registry import METRICS
from .functional import (ANET_TIOU, THUMOS_AR_TIOU, THUMOS_MAP_TIOU,
                         average_recall_at_avg_proposals, average_recall_at_n, detection_ap)
from .postprocess import soft_nms_np
from .proposal_io import (detections_as_tuples, dump_results, gt_as_arrays, load_ground_truth,
                          load_results, proposals_as_arrays, results_to_json, strip_v)


def aran_metrics(gt: Dict[str, np.ndarray], proposals: Dict[str, np.ndarray], total: int,
                 max_avg_proposals: float = 100,
                 thresholds: np.ndarray = ANET_TIOU) -> Dict[str, float]:
    """``auc``, ``AR@1/5/10/100`` as mmaction2 ``ANetMetric`` reports them."""
    recall, _, _, auc = average_recall_at_avg_proposals(gt, proposals, total, max_avg_proposals,
                                                        thresholds)
    out = OrderedDict(auc=float(auc))
    for an in (1, 5, 10, 100):
        if an <= recall.shape[1]:
            out[f'AR@{an}'] = float(np.mean(recall[:, an - 1]))
    return out


def evaluate_proposal_file(gt_file, result_file, max_avg_proposals: float = 100,
                           subset: Optional[str] = None) -> Dict[str, float]:
    """AR@AN of an official proposal file against an mmaction2 annotation file."""
    gt = load_ground_truth(gt_file, subset)
    props, total = proposals_as_arrays(load_results(result_file))
    return aran_metrics(gt_as_arrays(gt), props, total, max_avg_proposals)


def evaluate_detection_file(gt_file, result_file, protocol: str = 'anet',
                            subset: Optional[str] = None) -> Dict[str, float]:
    """Detection mAP of an official detection file against an mmaction2 annotation file."""
    gt = load_ground_truth(gt_file, subset)
    dets = detections_as_tuples(load_results(result_file))
    return _map_dict(gt, dets, protocol)


def _map_dict(gt, dets, protocol: str) -> Dict[str, float]:
    thresholds = ANET_TIOU if protocol == 'anet' else THUMOS_MAP_TIOU
    ap, _ = detection_ap(gt, dets, thresholds, mode=protocol)
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

    def __init__(self, out_file: Optional[str] = 'auto', gt_file: Optional[str] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_file = out_file
        self.gt_file = gt_file

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        metas = [s.metainfo if hasattr(s, 'metainfo') else s.get('metainfo', s)
                 for s in data_batch['data_samples']]
        for pred, meta in zip(data_samples, metas):
            gt = [(float(a['segment'][0]), float(a['segment'][1]), a.get('label'))
                  for a in meta.get('video_annotations', meta.get('annotations', []))]
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
        out_file, gt_file, collect_device, prefix: see ``_LocalizationMetric``.
    """
    default_name = 'proposals.json'

    def __init__(self, max_avg_proposals: float = 100, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_avg_proposals = max_avg_proposals

    def compute_metrics(self, results: list) -> dict:
        data = self._dump(self._merge(results))
        props, total = proposals_as_arrays(load_results(data))
        gt = gt_as_arrays(self._ground_truth(results))
        return aran_metrics(gt, props, total, self.max_avg_proposals)


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
        protocol: ``'anet'`` (tIoU 0.50:0.05:0.95, interpolated AP) or ``'thumos'``
            (0.3:0.1:0.7, non-interpolated AP).
    """
    default_name = 'detections.json'

    def __init__(self, protocol: str = 'anet', **kwargs) -> None:
        if protocol not in ('anet', 'thumos'):
            raise ValueError(f"protocol must be 'anet' or 'thumos', got {protocol!r}")
        super().__init__(**kwargs)
        self.protocol = protocol

    def compute_metrics(self, results: list) -> dict:
        data = self._dump(self._merge(results))
        dets = detections_as_tuples(load_results(data))
        return _map_dict(self._ground_truth(results), dets, self.protocol)


__all__ = ['ANetProposalMetric', 'ThumosProposalMetric', 'TemporalDetectionMetric',
           'aran_metrics', 'evaluate_proposal_file', 'evaluate_detection_file',
           'current_log_dir']
