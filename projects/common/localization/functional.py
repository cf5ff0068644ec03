"""Temporal localization metrics, exact to the official definitions, vectorized where it pays.

Which reference each function follows (the choices that change numbers are arguments):

* :func:`average_recall_at_avg_proposals` - ActivityNet AR@AN as the official
  ``Evaluation/eval_proposal.py`` (``average_recall_vs_avg_nr_proposals``) computes it:

  - the videos are the ground-truth videos with at least one annotation (the official ground
    truth is a table of annotations, so a video without one does not exist for it);
  - a ground-truth video without a proposal entry, or with an empty one, has no proposal: it
    counts in the number of videos and its ground truths are missed (one all-zero column);
  - per video the proposals are ranked by ``score.argsort()[::-1]`` (numpy's default sort,
    reversed: the official code and mmaction2 both do this) and the first ``int(n * ratio)``
    are kept;
  - tIoU in float64 as the official ``segment_iou``. ``iou_dtype='float32'`` gives mmaction2's
    ``average_recall_at_avg_proposals`` instead (segments cast to float32, tIoU stored in
    float32 by its ``pairwise_temporal_iou``, which is called); the two differ only where a
    tIoU equals a threshold up to float32 rounding.

  Per ground truth and threshold the rank of its first hit is computed once and every
  percentage of AN is counted from it (mmaction2 loops 10 x videos x 100 in Python).
* :func:`average_recall_at_n` - recall with each video's top-N proposals, averaged over tIoU
  thresholds (0.5:0.05:1.0 by default, as BSN/BMN report THUMOS14 AR@N; recalled).
* :func:`detection_ap` - ActivityNet-style detection AP, the official ``eval_detection.py``
  (``compute_average_precision_detection``): the predictions of a class in decreasing score;
  each one takes the highest-tIoU ground truth of its video that is still unmatched at that
  threshold, if that tIoU is ``>=`` the threshold (else it is a false positive); interpolated
  (VOC 2011) AP, by mmaction2's ``interpolated_precision_recall``. Ties in score:
  ``tie_order='argsort'`` (default) ranks by ``scores.argsort()[::-1]`` as the official code;
  ``'stable'`` keeps the input order as mmaction2's ``ActivityNetLocalization`` (a stable
  ``list.sort``). tIoU in float64 (official) or float32 (``iou_dtype='float32'``, mmaction2's
  ``pairwise_temporal_iou``). THUMOS14 papers mostly report this evaluation at tIoU
  0.3:0.1:0.7 (:data:`THUMOS_MAP_TIOU`).
* :func:`thumos14_kit_ap` - the official THUMOS14 evaluation kit (``TH14evalDet`` /
  ``TH14eventdetpr``, the version with a ``threshold`` argument):

  - per class and video, detections sorted by decreasing score (stable); the ground truths,
    in their order, each take the still-free detection of highest overlap, matched only if
    that overlap is strictly ``>`` the threshold;
  - overlap = intersection / (max end - min start), 0 unless the intersection is > 0 (the
    kit's ``intervaloverlapvalseconds``; the tIoU for intersecting segments);
  - an unmatched detection that overlaps an ``Ambiguous`` segment of its video is removed
    (neither true nor false positive);
  - the kept detections of all videos (video names sorted, each video's in score order) are
    stably sorted by decreasing score; AP = sum of the precision at every true positive /
    number of ground truths (no interpolation); a class without detections has AP 0.

Inputs are plain dicts keyed by video id (no ``v_`` handling here; see :mod:`.proposal_io`).
Bad segments raise :class:`~.errors.LocalizationInputError` naming the video: NaN or infinite
values, a segment that ends before it starts, and a zero-length prediction. Zero-length ground
truths are kept: their tIoU with any prediction is 0 (what the official code computes), so they
count as missed.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmaction.evaluation.functional import (interpolated_precision_recall,
                                            pairwise_temporal_iou)
from .errors import LocalizationInputError

ANET_TIOU = np.linspace(0.5, 0.95, 10)
THUMOS_AR_TIOU = np.linspace(0.5, 1.0, 11)
THUMOS_MAP_TIOU = np.array([0.3, 0.4, 0.5, 0.6, 0.7])
IOU_DTYPES = ('float64', 'float32')
TIE_ORDERS = ('argsort', 'stable')
AMBIGUOUS = 'Ambiguous'

_trapezoid = getattr(np, 'trapezoid', None) or getattr(np, 'trapz')


def check_segments(segments, video: str, what: str = 'ground-truth',
                   allow_zero_length: bool = True) -> np.ndarray:
    """``(n, 2)`` float64 segments, or a one-line error naming the video and the segment.

    Args:
        segments: ``(n, >=2)`` array-like of ``[t_start, t_end, ...]``.
        video: Video id, for the message.
        what: ``'ground-truth'`` or ``'predicted'``, for the message.
        allow_zero_length: Accept ``t_end == t_start``.
    """
    arr = np.asarray(segments, dtype=np.float64)
    arr = arr.reshape(-1, arr.shape[-1] if arr.ndim > 1 else 2)[:, :2]
    bad = ~np.isfinite(arr).all(axis=1)
    bad |= (arr[:, 1] < arr[:, 0]) if allow_zero_length else (arr[:, 1] <= arr[:, 0])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        kind = 'not finite' if not np.isfinite(arr[i]).all() else (
            'ends before it starts' if arr[i, 1] < arr[i, 0] else 'has zero length')
        raise LocalizationInputError(
            f'video {video!r}: {what} segment {i} {arr[i].tolist()} {kind} (expected '
            f'finite [t_start, t_end] with t_end {">=" if allow_zero_length else ">"} t_start)')
    return arr


def segment_iou(proposals: np.ndarray, gts: np.ndarray) -> np.ndarray:
    """tIoU ``(num_gt, num_proposals)`` in float64, as the official ``segment_iou``.

    ``union = gt length + proposal length - intersection`` in this order (bitwise the
    official value); a zero-length ground truth has tIoU 0 with any proposal of positive length.
    """
    p = np.asarray(proposals, dtype=np.float64).reshape(-1, 2)
    g = np.asarray(gts, dtype=np.float64).reshape(-1, 2)
    tt1 = np.maximum(p[None, :, 0], g[:, None, 0])
    tt2 = np.minimum(p[None, :, 1], g[:, None, 1])
    inter = (tt2 - tt1).clip(0)
    union = (g[:, None, 1] - g[:, None, 0]) + (p[None, :, 1] - p[None, :, 0]) - inter
    return inter / union


def _iou(proposals: np.ndarray, gts: np.ndarray, iou_dtype: str) -> np.ndarray:
    if iou_dtype == 'float64':
        return segment_iou(proposals, gts)
    return pairwise_temporal_iou(proposals, gts)  # mmaction2: float32 result


def _check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f'{name} must be one of {allowed}, got {value!r}')


def _first_hits(t_iou: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """``(num_thr, num_gt)``: index of the first proposal with tIoU >= thr (``inf`` if none)."""
    hits = t_iou[None, :, :] >= thresholds[:, None, None]
    if hits.shape[2] == 0:
        return np.full(hits.shape[:2], np.inf)
    first = hits.argmax(axis=2).astype(np.float64)
    first[~hits.any(axis=2)] = np.inf
    return first


def _ranked_proposals(props, video: str) -> np.ndarray:
    """Segments ranked by ``score.argsort()[::-1]`` (official and mmaction2 order)."""
    props = np.asarray(props, dtype=np.float64).reshape(-1, 3)
    check_segments(props, video, 'predicted', allow_zero_length=False)
    if not np.isfinite(props[:, 2]).all():
        raise LocalizationInputError(f'video {video!r}: a proposal score is not finite')
    return props[props[:, 2].argsort()[::-1], :2]


def average_recall_at_avg_proposals(
        ground_truth: Dict[str, np.ndarray], proposals: Dict[str, np.ndarray],
        total_num_proposals: int, max_avg_proposals: Optional[float] = None,
        temporal_iou_thresholds: np.ndarray = ANET_TIOU, iou_dtype: str = 'float64'
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """ActivityNet AR@AN (see the module docstring for the exact definition).

    Args:
        ground_truth: video id -> array ``(n, >=2)`` of ``[t_start, t_end, ...]``; videos with
            ``n = 0`` are left out, as in the official code.
        proposals: video id -> array ``(m, 3)`` of ``[t_start, t_end, score]``; a ground-truth
            video missing here has no proposal.
        total_num_proposals: Number of proposals over all videos (including videos without
            ground truth, as the official code counts them).
        max_avg_proposals: The largest average number of proposals per video (AN); default
            ``total_num_proposals / num_videos``.
        temporal_iou_thresholds: tIoU thresholds.
        iou_dtype: ``'float64'`` (official) or ``'float32'`` (mmaction2).

    Returns:
        ``(recall, average_recall, proposals_per_video, auc)`` as the official code / mmaction2:
        ``recall[i, j]`` at threshold ``i`` and the ``j+1``-th percent of AN.
    """
    _check_choice('iou_dtype', iou_dtype, IOU_DTYPES)
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    gts_by_video = {v: check_segments(g, v) for v, g in ground_truth.items()}
    gts_by_video = {v: g for v, g in gts_by_video.items() if len(g)}
    num_videos = len(gts_by_video)
    if num_videos == 0:
        raise LocalizationInputError('AR@AN: the ground truth has no annotated video')
    if total_num_proposals <= 0:
        raise LocalizationInputError(
            f'AR@AN: total_num_proposals must be > 0, got {total_num_proposals}')
    if not max_avg_proposals:
        max_avg_proposals = float(total_num_proposals) / num_videos
    ratio = max_avg_proposals * float(num_videos) / total_num_proposals

    first_hits, num_cols, total_retrieved = [], [], 0
    for video_id, gts in gts_by_video.items():
        props = _ranked_proposals(proposals.get(video_id, np.zeros((0, 3))), video_id)
        if props.shape[0] == 0:  # the official code scores a single all-zero column
            t_iou = np.zeros((gts.shape[0], 1))
        else:
            n = min(int(props.shape[0] * ratio), props.shape[0])
            total_retrieved += n
            if iou_dtype == 'float64':
                t_iou = segment_iou(props[:n], gts)
            else:  # mmaction2 casts the segments to float32 first
                t_iou = pairwise_temporal_iou(props[:n].astype(np.float32),
                                              gts.astype(np.float32))
        first_hits.append(_first_hits(t_iou, thresholds))
        num_cols.append(np.full(gts.shape[0], t_iou.shape[1]))
    if total_retrieved == 0:
        raise LocalizationInputError(
            f'AR@AN: no proposal is retrieved at max_avg_proposals={max_avg_proposals}')

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
                        temporal_iou_thresholds: np.ndarray = THUMOS_AR_TIOU,
                        iou_dtype: str = 'float64') -> Dict[int, float]:
    """THUMOS14 AR@N: recall with each video's top-N proposals, averaged over thresholds.

    Videos missing from ``proposals`` count as having none; ground-truth videos without
    annotations are left out.
    """
    _check_choice('iou_dtype', iou_dtype, IOU_DTYPES)
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    first_hits = []
    for video_id, gts in ground_truth.items():
        gts = check_segments(gts, video_id)
        props = _ranked_proposals(proposals.get(video_id, np.zeros((0, 3))), video_id)
        if props.shape[0] == 0:
            first_hits.append(np.full((len(thresholds), gts.shape[0]), np.inf))
            continue
        first_hits.append(_first_hits(_iou(props, gts, iou_dtype), thresholds))
    first = np.concatenate(first_hits, axis=1) if first_hits else np.zeros((len(thresholds), 0))
    if first.shape[1] == 0:
        raise LocalizationInputError('AR@N: the ground truth has no instance')
    return {int(n): float((first < n).mean(axis=1).mean()) for n in nums}


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """VOC 2011 interpolated AP (ActivityNet's); mmaction2's ``interpolated_precision_recall``."""
    return float(interpolated_precision_recall(np.asarray(precision), np.asarray(recall)))


def _collect(ground_truth: Dict[str, list], predictions: Dict[str, list],
             classes: Optional[Sequence[str]], skip: Sequence[str] = ()):
    """Validated ground truth and predictions grouped by class (input order kept)."""
    if classes is None:
        classes = []
        for anns in ground_truth.values():
            for ann in anns:
                if ann[2] not in classes and ann[2] not in skip:
                    classes.append(ann[2])
    classes = list(classes)
    index = {c: i for i, c in enumerate(classes)}
    gt_by_class: List[Dict[str, list]] = [dict() for _ in classes]
    for video, anns in ground_truth.items():
        segs = check_segments([a[:2] for a in anns], video) if len(anns) else []
        for (s, e), ann in zip(segs, anns):
            if ann[2] in skip:
                continue
            if ann[2] not in index:
                raise LocalizationInputError(
                    f'video {video!r}: ground-truth label {ann[2]!r} is not in classes')
            gt_by_class[index[ann[2]]].setdefault(video, []).append((s, e))
    for c, name in enumerate(classes):
        if not gt_by_class[c]:
            raise LocalizationInputError(f'class {name!r} has no ground truth')
    preds: List[list] = [[] for _ in classes]
    for video, dets in predictions.items():
        if not len(dets):
            continue
        segs = check_segments([d[:2] for d in dets], video, 'predicted',
                              allow_zero_length=False)
        for j, ((s, e), det) in enumerate(zip(segs, dets)):
            label, score = det[2], det[3]
            if label not in index:
                raise LocalizationInputError(
                    f'video {video!r}: prediction {j} label {label!r} is not a ground-truth '
                    f'class')
            if not np.isfinite(float(score)):
                raise LocalizationInputError(
                    f'video {video!r}: prediction {j} score {score!r} is not finite')
            preds[index[label]].append((video, s, e, float(score)))
    return classes, gt_by_class, preds


def _match_class(gt_by_video: Dict[str, np.ndarray], pred_videos: np.ndarray,
                 pred_segments: np.ndarray, thresholds: np.ndarray, iou_dtype: str
                 ) -> np.ndarray:
    """tp ``(num_thr, num_pred)`` for predictions already in rank order (ActivityNet rule)."""
    num_thr = len(thresholds)
    tp = np.zeros((num_thr, len(pred_videos)), dtype=bool)
    locked = {v: np.zeros((num_thr, len(g)), dtype=bool) for v, g in gt_by_video.items()}
    for idx, (video, seg) in enumerate(zip(pred_videos, pred_segments)):
        gts = gt_by_video.get(video)
        if gts is None:
            continue
        t_iou = _iou(seg[None], gts, iou_dtype)[:, 0]
        order = t_iou.argsort()[::-1]  # the official order of the ground truths
        cand = (t_iou[order][None, :] >= thresholds[:, None]) & ~locked[video][:, order]
        has = cand.any(axis=1)
        if has.any():
            first = order[cand.argmax(axis=1)]
            rows = np.nonzero(has)[0]
            locked[video][rows, first[rows]] = True
            tp[rows, idx] = True
    return tp


def _match_groups(groups: np.ndarray, gts: np.ndarray, valid: np.ndarray,
                  pred_segments: np.ndarray, thresholds: np.ndarray, iou_dtype: str
                  ) -> np.ndarray:
    """:func:`_match_class` for every (class, video) group at once (the same tp).

    Args:
        groups: ``(P,)`` group of each prediction (``-1``: no ground truth, a false positive);
            predictions come in rank order inside each group.
        gts, valid: ``(num_groups, G, 2)`` padded ground truths and their mask.

    Matching only interacts inside a group, so round ``r`` handles the ``r``-th ranked
    prediction of every group at once: its ground truths in decreasing tIoU (ties: the later
    ground truth first, i.e. the official ``argsort()[::-1]`` wherever numpy's sort is stable,
    up to 16 ground truths), the first one still unmatched with ``tIoU >= thr`` is matched.
    """
    num_thr, num_pred = len(thresholds), len(groups)
    tp = np.zeros((num_thr, num_pred), dtype=bool)
    sel = np.flatnonzero(groups >= 0)
    if len(sel) == 0:
        return tp
    grp = groups[sel]
    seg = pred_segments[sel]
    g = gts[grp]  # (P, G, 2)
    if iou_dtype == 'float64':  # the official segment_iou, elementwise
        tt1 = np.maximum(seg[:, None, 0], g[:, :, 0])
        tt2 = np.minimum(seg[:, None, 1], g[:, :, 1])
        inter = (tt2 - tt1).clip(0)
        union = (g[:, :, 1] - g[:, :, 0]) + (seg[:, None, 1] - seg[:, None, 0]) - inter
        t_iou = inter / union
    else:
        t_iou = np.stack([_iou(sg[None], gg, iou_dtype)[:, 0] for sg, gg in zip(seg, g)])
    max_gt = gts.shape[1]
    t_iou = np.where(valid[grp], t_iou, -np.inf)
    gt_idx = np.broadcast_to(np.arange(max_gt), t_iou.shape)
    order = np.lexsort((-gt_idx, -t_iou), axis=-1)  # decreasing tIoU, later gt first on ties
    sorted_iou = np.take_along_axis(t_iou, order, axis=1)
    hit_thr = sorted_iou[:, None, :] >= thresholds[None, :, None]  # (P, T, G)
    by_grp = np.argsort(grp, kind='stable')
    starts = np.searchsorted(grp[by_grp], grp[by_grp])
    rank = np.empty(len(sel), dtype=np.int64)
    rank[by_grp] = np.arange(len(sel)) - starts
    locked = np.zeros((len(gts), num_thr, max_gt), dtype=bool)
    rows_by_rank = np.split(by_grp[np.argsort(rank[by_grp], kind='stable')],
                            np.cumsum(np.bincount(rank))[:-1])
    for rows in rows_by_rank:
        gr = grp[rows]
        ordr = order[rows]
        free = ~np.take_along_axis(locked[gr], ordr[:, None, :], axis=2)
        cand = hit_thr[rows] & free  # (n, T, G) in sorted order
        has = cand.any(axis=2)
        first = np.take_along_axis(ordr, cand.argmax(axis=2), axis=1)  # (n, T)
        n_idx, t_idx = np.nonzero(has)
        locked[gr[n_idx], t_idx, first[n_idx, t_idx]] = True
        tp[t_idx, sel[rows[n_idx]]] = True
    return tp


def _detection_ap_vectorized(ground_truth, predictions, thresholds, classes, tie_order,
                             iou_dtype) -> Tuple[np.ndarray, list]:
    """:func:`detection_ap` with every class and video matched in one grouped pass."""
    classes, gt_by_class, _ = _collect(ground_truth, {}, classes, skip=(AMBIGUOUS, ))
    index = {c: i for i, c in enumerate(classes)}
    vid_names, seg_list, cls_list, score_list = [], [], [], []
    for video, dets in predictions.items():
        if not len(dets):
            continue
        segs = check_segments([d[:2] for d in dets], video, 'predicted',
                              allow_zero_length=False)
        labels = [d[2] for d in dets]
        cls = [index.get(label, -1) for label in labels]
        if -1 in cls:
            j = cls.index(-1)
            raise LocalizationInputError(
                f'video {video!r}: prediction {j} label {labels[j]!r} is not a ground-truth '
                f'class')
        scores = np.array([float(d[3]) for d in dets])
        if not np.isfinite(scores).all():
            j = int(np.flatnonzero(~np.isfinite(scores))[0])
            raise LocalizationInputError(
                f'video {video!r}: prediction {j} score {dets[j][3]!r} is not finite')
        vid_names.append(video)
        seg_list.append(segs)
        cls_list.append(np.array(cls, dtype=np.int64))
        score_list.append(scores)
    ap = np.zeros((len(thresholds), len(classes)))
    if not seg_list:
        return ap, list(classes)
    lengths = np.array([len(c) for c in cls_list])
    pred_vid = np.repeat(np.arange(len(vid_names)), lengths)
    segs, cls, scores = (np.concatenate(x) for x in (seg_list, cls_list, score_list))
    # per class, the predictions in rank order (input order inside a class, as _collect)
    by_cls = np.argsort(cls, kind='stable')
    bounds = np.searchsorted(cls[by_cls], np.arange(len(classes) + 1))
    ranked = np.concatenate([
        by_cls[bounds[c]:bounds[c + 1]][rank_order(scores[by_cls[bounds[c]:bounds[c + 1]]],
                                                   tie_order)]
        for c in range(len(classes))])
    cls_r, vid_r, seg_r = cls[ranked], pred_vid[ranked], segs[ranked]
    # (class, video) groups that have ground truth
    vid_index = {v: i for i, v in enumerate(vid_names)}
    group_of, group_gts = {}, []
    for c, by_video in enumerate(gt_by_class):
        for video, g in by_video.items():
            if video in vid_index:
                group_of[c * len(vid_names) + vid_index[video]] = len(group_gts)
                group_gts.append(g)
    key = cls_r * len(vid_names) + vid_r
    groups = np.array([group_of.get(k, -1) for k in key.tolist()], dtype=np.int64)
    max_gt = max((len(g) for g in group_gts), default=1)
    gts = np.zeros((max(len(group_gts), 1), max_gt, 2))
    valid = np.zeros((max(len(group_gts), 1), max_gt), dtype=bool)
    for i, g in enumerate(group_gts):
        gts[i, :len(g)] = g
        valid[i, :len(g)] = True
    tp = _match_groups(groups, gts, valid, seg_r, thresholds, iou_dtype)
    for c in range(len(classes)):
        lo, hi = bounds[c], bounds[c + 1]
        if lo == hi:
            continue
        num_gt = float(sum(len(g) for g in gt_by_class[c].values()))
        tp_c = tp[:, lo:hi]
        tp_cum = np.cumsum(tp_c, axis=1).astype(np.float64)
        fp_cum = np.cumsum(~tp_c, axis=1).astype(np.float64)
        ap[:, c] = _interpolated_ap_rows(tp_cum / (tp_cum + fp_cum), tp_cum / num_gt)
    return ap, list(classes)


def _interpolated_ap_rows(precision: np.ndarray, recall: np.ndarray) -> np.ndarray:
    """:func:`interpolated_ap` of every row (the same sums; the running max is exact)."""
    rows, n = precision.shape
    mprec = np.zeros((rows, n + 2))
    mprec[:, 1:-1] = precision
    mprec = np.maximum.accumulate(mprec[:, ::-1], axis=1)[:, ::-1]
    mrec = np.zeros((rows, n + 2))
    mrec[:, 1:-1] = recall
    mrec[:, -1] = 1
    out = np.zeros(rows)
    for t in range(rows):
        idx = np.flatnonzero(mrec[t, 1:] != mrec[t, :-1]) + 1
        out[t] = np.sum((mrec[t, idx] - mrec[t, idx - 1]) * mprec[t, idx])
    return out


MATCH_IMPLS = ('vectorized', 'loop')


def rank_order(scores: np.ndarray, tie_order: str = 'argsort') -> np.ndarray:
    """Indices in decreasing score: ``'argsort'`` = ``scores.argsort()[::-1]`` (official
    ActivityNet), ``'stable'`` = ties in input order (mmaction2 ``ActivityNetLocalization``)."""
    _check_choice('tie_order', tie_order, TIE_ORDERS)
    scores = np.asarray(scores, dtype=np.float64)
    if tie_order == 'argsort':
        return scores.argsort()[::-1]
    return np.argsort(-scores, kind='stable')


def detection_ap(ground_truth: Dict[str, list], predictions: Dict[str, list],
                 temporal_iou_thresholds: np.ndarray = ANET_TIOU,
                 classes: Optional[Sequence[str]] = None, tie_order: str = 'argsort',
                 iou_dtype: str = 'float64', impl: str = 'vectorized'
                 ) -> Tuple[np.ndarray, list]:
    """ActivityNet-style detection AP per tIoU threshold and class.

    Args:
        ground_truth: video id -> list of ``(t_start, t_end, label)``; THUMOS14's
            ``'Ambiguous'`` entries are skipped (not a class).
        predictions: video id -> list of ``(t_start, t_end, label, score)``. A label missing
            from the classes raises (the official reader raises too).
        temporal_iou_thresholds: tIoU thresholds (ActivityNet 0.5:0.05:0.95; THUMOS14 papers
            0.3:0.1:0.7).
        classes: Class names; default: the ground truth's labels in order of appearance (the
            official reader's order). Every class must have ground truth.
        tie_order: ``'argsort'`` (official) or ``'stable'`` (mmaction2).
        iou_dtype: ``'float64'`` (official) or ``'float32'`` (mmaction2).
        impl: ``'vectorized'`` (matching vectorized over videos, the running max of the
            interpolation vectorized) or ``'loop'`` (one prediction at a time, as the official
            code); the same numbers (tested).

    Returns:
        ``(ap, classes)``; ``ap`` has shape ``(num_thr, num_classes)``. A class without
        predictions has AP 0; predictions on a video without ground truth of their class are
        false positives.
    """
    _check_choice('iou_dtype', iou_dtype, IOU_DTYPES)
    _check_choice('tie_order', tie_order, TIE_ORDERS)
    _check_choice('impl', impl, MATCH_IMPLS)
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    if impl == 'vectorized':
        return _detection_ap_vectorized(ground_truth, predictions, thresholds, classes,
                                        tie_order, iou_dtype)
    classes, gt_by_class, preds = _collect(ground_truth, predictions, classes,
                                           skip=(AMBIGUOUS, ))
    ap = np.zeros((len(thresholds), len(classes)))
    for c in range(len(classes)):
        if not preds[c]:
            continue
        order = rank_order(np.array([p[3] for p in preds[c]]), tie_order)
        videos = np.array([p[0] for p in preds[c]], dtype=object)[order]
        segments = np.array([p[1:3] for p in preds[c]], dtype=np.float64)[order]
        gts = {v: np.array(g, dtype=np.float64) for v, g in gt_by_class[c].items()}
        num_gt = float(sum(len(g) for g in gts.values()))
        tp = _match_class(gts, videos, segments, thresholds, iou_dtype)
        tp_cum = np.cumsum(tp, axis=1).astype(np.float64)
        fp_cum = np.cumsum(~tp, axis=1).astype(np.float64)
        recall = tp_cum / num_gt
        precision = tp_cum / (tp_cum + fp_cum)
        for t in range(len(thresholds)):
            ap[t, c] = interpolated_ap(precision[t], recall[t])
    return ap, list(classes)


def kit_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """THUMOS14 kit overlap ``(len(a), len(b))``: intersection / (max end - min start) where
    the intersection is > 0, else 0 (``intervaloverlapvalseconds``, default normalisation)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 2)
    inter = np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0])
    hull = np.maximum(a[:, None, 1], b[None, :, 1]) - np.minimum(a[:, None, 0], b[None, :, 0])
    out = np.zeros(inter.shape)
    np.divide(inter, hull, out=out, where=inter > 0)
    return out


def thumos14_kit_ap(ground_truth: Dict[str, list], predictions: Dict[str, list],
                    temporal_iou_thresholds: np.ndarray = THUMOS_MAP_TIOU,
                    ambiguous: Optional[Dict[str, list]] = None,
                    classes: Optional[Sequence[str]] = None) -> Tuple[np.ndarray, list]:
    """AP of the official THUMOS14 kit (``TH14evalDet``), see the module docstring.

    Args:
        ground_truth: video id -> list of ``(t_start, t_end, label)``; entries labelled
            ``'Ambiguous'`` are ambiguous segments, not ground truth.
        predictions: video id -> list of ``(t_start, t_end, label, score)``.
        temporal_iou_thresholds: Overlap thresholds (strict ``>``); 0.3:0.1:0.7 by default.
        ambiguous: video id -> list of ``(t_start, t_end)`` ambiguous segments (the kit's
            ``Ambiguous_<subset>.txt``; see :func:`.proposal_io.load_thumos14_annotations`).
        classes: Class names; default: the ground truth's labels in order of appearance.

    Returns:
        ``(ap, classes)`` with ``ap`` of shape ``(num_thr, num_classes)``.
    """
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    amb: Dict[str, list] = {}
    for video, segs in (ambiguous or {}).items():
        amb.setdefault(video, []).extend(map(tuple, check_segments(segs, video, 'ambiguous')))
    for video, anns in ground_truth.items():
        for ann in anns:
            if ann[2] == AMBIGUOUS:
                amb.setdefault(video, []).append(
                    tuple(check_segments([ann[:2]], video, 'ambiguous')[0]))
    classes, gt_by_class, preds = _collect(ground_truth, predictions, classes,
                                           skip=(AMBIGUOUS, ))
    ap = np.zeros((len(thresholds), len(classes)))
    for c in range(len(classes)):
        if not preds[c]:
            continue  # the kit: "Class ... no instance, skip", AP 0
        num_gt = sum(len(g) for g in gt_by_class[c].values())
        by_video: Dict[str, list] = {}
        for video, s, e, score in preds[c]:
            by_video.setdefault(video, []).append((s, e, score))
        for t, thr in enumerate(thresholds):
            confs, flags = [], []
            for video in sorted(by_video):  # the kit's unique(): sorted names
                det = np.array(by_video[video], dtype=np.float64)
                det = det[np.argsort(-det[:, 2], kind='stable')]
                matched = np.zeros(len(det), dtype=bool)
                gts = gt_by_class[c].get(video, [])
                if gts:
                    ov = kit_overlap(np.array(gts), det[:, :2])
                    for k in range(len(gts)):  # ground truths in turn
                        free = np.flatnonzero(~matched)
                        if len(free) == 0:
                            break
                        best = free[np.argmax(ov[k, free])]
                        if ov[k, best] > thr:
                            matched[best] = True
                ambiguous_det = np.zeros(len(det), dtype=bool)
                if video in amb:
                    ambiguous_det = (kit_overlap(np.array(amb[video]), det[:, :2]) > 0).any(0)
                keep = matched | ~ambiguous_det
                confs.append(det[keep, 2])
                flags.append(matched[keep])
            conf, flag = np.concatenate(confs), np.concatenate(flags)
            order = np.argsort(-conf, kind='stable')
            flag = flag[order]
            tp = np.cumsum(flag).astype(np.float64)
            fp = np.cumsum(~flag).astype(np.float64)
            precision = tp / np.maximum(tp + fp, 1)
            ap[t, c] = float(precision[flag].sum() / num_gt)
    return ap, list(classes)


__all__ = ['average_recall_at_avg_proposals', 'average_recall_at_n', 'detection_ap',
           'thumos14_kit_ap', 'interpolated_ap', 'segment_iou', 'kit_overlap',
           'check_segments', 'rank_order', 'ANET_TIOU', 'THUMOS_AR_TIOU', 'THUMOS_MAP_TIOU',
           'IOU_DTYPES', 'TIE_ORDERS']
