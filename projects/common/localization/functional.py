"""Temporal localization metrics in the official ActivityNet / THUMOS14 definitions, vectorized.

* :func:`average_recall_at_avg_proposals` - ActivityNet AR@AN (AR@1/5/10/100 and the AUC of the
  AR-AN curve). Same definition and the same float32 rounding as the official
  ``eval_proposal.py`` and mmaction2's ``mmaction.evaluation.average_recall_at_avg_proposals``
  (which loops over 10 thresholds x videos x 100 percentages in Python and takes minutes for
  5,000 videos; this one computes, per ground truth and threshold, the rank of its first hit
  and counts all percentages at once). ``np.trapezoid`` is used when numpy has it (``np.trapz``
  was removed in numpy 2.4).
* :func:`average_recall_at_n` - THUMOS14 AR@N: recall with the top-N proposals of every video,
  averaged over tIoU thresholds (BSN/BMN practice: 0.5:0.05:1.0, recalled).
* :func:`detection_ap` - detection AP per class and tIoU: greedy matching in score order to the
  highest-tIoU unmatched ground truth; ``mode='anet'`` is the interpolated (VOC 2011) AP of the
  official ActivityNet ``eval_detection.py`` (mmaction2 ``ActivityNetLocalization``),
  ``mode='thumos'`` the non-interpolated AP of THUMOS14's ``TH14evalDet`` (sum of the precision at
  every true positive divided by the number of ground truths; recalled).

Inputs are plain dicts keyed by video id (no ``v_`` handling here; see :mod:`.proposal_io`).
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

ANET_TIOU = np.linspace(0.5, 0.95, 10)
THUMOS_AR_TIOU = np.linspace(0.5, 1.0, 11)
THUMOS_MAP_TIOU = np.array([0.3, 0.4, 0.5, 0.6, 0.7])

_trapezoid = getattr(np, 'trapezoid', None) or getattr(np, 'trapz')


def segment_iou_f32(proposals: np.ndarray, gts: np.ndarray) -> np.ndarray:
    """tIoU ``(num_gt, num_proposals)`` rounded as the official code rounds it.

    Segments are float32 (as the official proposal evaluation casts them), the intersection
    is divided in float64 and the result stored as float32.
    """
    p = proposals.astype(np.float32).reshape(-1, 2)
    g = gts.astype(np.float32).reshape(-1, 2)
    tt1 = np.maximum(p[None, :, 0], g[:, None, 0])
    tt2 = np.minimum(p[None, :, 1], g[:, None, 1])
    inter = (tt2 - tt1).clip(0)
    union = (g[:, None, 1] - g[:, None, 0]) + (p[None, :, 1] - p[None, :, 0]) - inter
    return (inter.astype(float) / union).astype(np.float32)


def _first_hits(t_iou: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """``(num_thr, num_gt)``: index of the first proposal with tIoU >= thr (``inf`` if none)."""
    hits = t_iou[None, :, :] >= thresholds[:, None, None]
    if hits.shape[2] == 0:
        return np.full(hits.shape[:2], np.inf)
    first = hits.argmax(axis=2).astype(np.float64)
    first[~hits.any(axis=2)] = np.inf
    return first


def _sorted_proposals(props: np.ndarray) -> np.ndarray:
    props = np.asarray(props, dtype=np.float64).reshape(-1, 3)
    order = props[:, 2].argsort()[::-1]
    return props[order, :2]


def average_recall_at_avg_proposals(
        ground_truth: Dict[str, np.ndarray], proposals: Dict[str, np.ndarray],
        total_num_proposals: int, max_avg_proposals: Optional[float] = None,
        temporal_iou_thresholds: np.ndarray = ANET_TIOU
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """ActivityNet AR@AN.

    Args:
        ground_truth: video id -> array ``(n, >=2)`` of ``[t_start, t_end, ...]``.
        proposals: video id -> array ``(m, 3)`` of ``[t_start, t_end, score]``; every video of
            ``ground_truth`` must be present (``KeyError`` otherwise, as the official code).
        total_num_proposals: Number of proposals over all videos.
        max_avg_proposals: The largest average number of proposals per video (AN); default
            ``total_num_proposals / num_videos``.
        temporal_iou_thresholds: tIoU thresholds.

    Returns:
        ``(recall, average_recall, proposals_per_video, auc)`` exactly as mmaction2 /
        the official code: ``recall[i, j]`` at threshold ``i`` and the ``j+1``-th percent of AN.
    """
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    num_videos = len(ground_truth)
    if num_videos == 0:
        raise ValueError('ground_truth is empty')
    if total_num_proposals <= 0:
        raise ValueError(f'total_num_proposals must be > 0, got {total_num_proposals}')
    if not max_avg_proposals:
        max_avg_proposals = float(total_num_proposals) / num_videos
    ratio = max_avg_proposals * float(num_videos) / total_num_proposals

    first_hits, num_cols, total_retrieved = [], [], 0
    for video_id in ground_truth:
        props = _sorted_proposals(proposals[video_id])
        gts = np.asarray(ground_truth[video_id])[:, :2].astype(np.float32).reshape(-1, 2)
        if props.shape[0] == 0:  # the official code scores a single all-zero column
            t_iou = np.zeros((gts.shape[0], 1))
        else:
            n = min(int(props.shape[0] * ratio), props.shape[0])
            total_retrieved += n
            t_iou = segment_iou_f32(props[:n], gts)
        first_hits.append(_first_hits(t_iou, thresholds))
        num_cols.append(np.full(gts.shape[0], t_iou.shape[1]))
    if total_retrieved == 0:
        raise ValueError('no proposal is retrieved at this max_avg_proposals')

    pcn_list = np.arange(1, 101) / 100.0 * (max_avg_proposals * float(num_videos) /
                                           total_retrieved)
    first = np.concatenate(first_hits, axis=1)  # (num_thr, num_gt_total)
    cols = np.concatenate(num_cols)  # (num_gt_total,)
    # proposals looked at, per ground truth (i.e. per its video) and percentage
    pcn = np.minimum((cols[:, None] * pcn_list[None, :]).astype(np.int32), cols[:, None])
    matches = (first[:, :, None] < pcn[None, :, :]).sum(axis=1)  # (num_thr, 100)
    recall = matches / float(cols.shape[0])
    avg_recall = recall.mean(axis=0)
    proposals_per_video = pcn_list * (float(total_retrieved) / num_videos)
    auc = 100. * float(_trapezoid(avg_recall, proposals_per_video)) / proposals_per_video[-1]
    return recall, avg_recall, proposals_per_video, auc


def average_recall_at_n(ground_truth: Dict[str, np.ndarray], proposals: Dict[str, np.ndarray],
                        nums: Sequence[int] = (50, 100, 200, 500, 1000),
                        temporal_iou_thresholds: np.ndarray = THUMOS_AR_TIOU
                        ) -> Dict[int, float]:
    """THUMOS14 AR@N: recall with each video's top-N proposals, averaged over thresholds.

    Videos missing from ``proposals`` count as having none.
    """
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    first_hits = []
    for video_id, gts in ground_truth.items():
        gts = np.asarray(gts)[:, :2].reshape(-1, 2)
        props = _sorted_proposals(proposals.get(video_id, np.zeros((0, 3))))
        if props.shape[0] == 0:
            first_hits.append(np.full((len(thresholds), gts.shape[0]), np.inf))
            continue
        first_hits.append(_first_hits(segment_iou_f32(props, gts), thresholds))
    first = np.concatenate(first_hits, axis=1)
    if first.shape[1] == 0:
        raise ValueError('ground_truth has no instance')
    return {int(n): float((first < n).mean(axis=1).mean()) for n in nums}


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """VOC 2011 interpolated AP (the official ActivityNet definition)."""
    mprec = np.concatenate([[0.], precision, [0.]])
    mrec = np.concatenate([[0.], recall, [1.]])
    mprec = np.maximum.accumulate(mprec[::-1])[::-1]
    idx = np.where(mrec[1:] != mrec[:-1])[0] + 1
    return float(np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx]))


def _match_class(gt_by_video: Dict[str, np.ndarray], pred_videos: np.ndarray,
                 pred_segments: np.ndarray, thresholds: np.ndarray
                 ) -> np.ndarray:
    """tp ``(num_thr, num_pred)`` for predictions already sorted by decreasing score."""
    num_thr = len(thresholds)
    tp = np.zeros((num_thr, len(pred_videos)), dtype=bool)
    locked = {v: np.zeros((num_thr, len(g)), dtype=bool) for v, g in gt_by_video.items()}
    for idx, (video, seg) in enumerate(zip(pred_videos, pred_segments)):
        gts = gt_by_video.get(video)
        if gts is None:
            continue
        # tIoU in float64, stored as float32 (official pairwise_temporal_iou)
        tt1 = np.maximum(seg[0], gts[:, 0])
        tt2 = np.minimum(seg[1], gts[:, 1])
        inter = (tt2 - tt1).clip(0)
        union = (gts[:, 1] - gts[:, 0]) + (seg[1] - seg[0]) - inter
        t_iou = (inter / union).astype(np.float32)
        order = t_iou.argsort()[::-1]
        cand = (t_iou[order][None, :] >= thresholds[:, None]) & ~locked[video][:, order]
        has = cand.any(axis=1)
        if has.any():
            first = order[cand.argmax(axis=1)]
            rows = np.nonzero(has)[0]
            locked[video][rows, first[rows]] = True
            tp[rows, idx] = True
    return tp


def detection_ap(ground_truth: Dict[str, list], predictions: Dict[str, list],
                 temporal_iou_thresholds: np.ndarray = ANET_TIOU, mode: str = 'anet',
                 classes: Optional[Sequence[str]] = None) -> Tuple[np.ndarray, list]:
    """Detection AP per tIoU threshold and class.

    Args:
        ground_truth: video id -> list of ``(t_start, t_end, label)``.
        predictions: video id -> list of ``(t_start, t_end, label, score)``. A label missing
            from the classes raises ``ValueError`` (the official reader raises too).
        temporal_iou_thresholds: tIoU thresholds.
        mode: ``'anet'`` (interpolated AP) or ``'thumos'`` (non-interpolated AP).
        classes: Class names; default: the ground truth's labels in order of appearance (the
            official reader's order).

    Returns:
        ``(ap, classes)``; ``ap`` has shape ``(num_thr, num_classes)``. A class with ground
        truth and no prediction has AP 0; predictions on a video without ground truth of their
        class are false positives; ties in score keep the input order (stable sort, as the
        official ``list.sort``).
    """
    if mode not in ('anet', 'thumos'):
        raise ValueError(f"mode must be 'anet' or 'thumos', got {mode!r}")
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    if classes is None:
        classes = []
        for anns in ground_truth.values():
            for ann in anns:
                if ann[2] not in classes:
                    classes.append(ann[2])
    index = {c: i for i, c in enumerate(classes)}
    gt_by_class = [dict() for _ in classes]
    num_gt = np.zeros(len(classes))
    for video, anns in ground_truth.items():
        for s, e, label in anns:
            gt_by_class[index[label]].setdefault(video, []).append((float(s), float(e)))
            num_gt[index[label]] += 1
    preds = [[] for _ in classes]
    for video, dets in predictions.items():
        for s, e, label, score in dets:
            if label not in index:
                raise ValueError(f'prediction label {label!r} of video {video!r} is not a '
                                 f'ground-truth class')
            preds[index[label]].append((video, float(s), float(e), score))
    ap = np.zeros((len(thresholds), len(classes)))
    for c in range(len(classes)):
        if not preds[c]:
            continue
        scores = np.array([p[3] for p in preds[c]], dtype=np.float64)
        order = np.argsort(-scores, kind='stable')
        videos = np.array([p[0] for p in preds[c]], dtype=object)[order]
        segments = np.array([p[1:3] for p in preds[c]], dtype=np.float64)[order]
        gts = {v: np.array(g, dtype=np.float64) for v, g in gt_by_class[c].items()}
        tp = _match_class(gts, videos, segments, thresholds)
        tp_cum = np.cumsum(tp, axis=1).astype(np.float64)
        fp_cum = np.cumsum(~tp, axis=1).astype(np.float64)
        recall = tp_cum / num_gt[c] if num_gt[c] else np.zeros_like(tp_cum)
        precision = tp_cum / (tp_cum + fp_cum)
        for t in range(len(thresholds)):
            if mode == 'anet':
                ap[t, c] = interpolated_ap(precision[t], recall[t])
            elif num_gt[c]:
                ap[t, c] = float(precision[t][tp[t]].sum() / num_gt[c])
    return ap, list(classes)


__all__ = ['average_recall_at_avg_proposals', 'average_recall_at_n', 'detection_ap',
           'interpolated_ap', 'segment_iou_f32', 'ANET_TIOU', 'THUMOS_AR_TIOU',
           'THUMOS_MAP_TIOU']
