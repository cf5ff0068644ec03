"""Post-processing of boundary-matching (BM) outputs shared by BMN-style localizers.

* :func:`bm_candidates` - BMN's candidate rule (mmaction2 ``BMN.predict``), vectorized: starts are
  local maxima or ``> 0.5 * max`` of the start curve (index 0 always), ends likewise (index
  ``T-1`` always); every pair ``end = start + d + 1 < T`` becomes a proposal scored
  ``p_s * p_e * f(p_cls, p_reg)``. Rows come in BMN's order (duration-major) with BMN's columns
  ``[tmin, tmax, tmin_score, tmax_score, cls, reg, score]``.
* :func:`soft_nms_np` - the same Gaussian Soft-NMS as mmaction2's ``soft_nms`` (including its
  ``top_k + 1`` kept rows and the width-dependent threshold), with the decay of each round
  vectorized; returns the same array, bit for bit (tested).
* :func:`proposals_to_list` - Soft-NMS then seconds, as mmaction2 ``post_processing``.
"""
from typing import Callable, Dict, List, Union

import numpy as np

from mmaction.models.localizers.utils import post_processing, soft_nms, temporal_iou

SCORE_FUSIONS = ('bmn', 'sqrt')


def _peaks(scores: np.ndarray, first: bool) -> np.ndarray:
    bins = np.zeros(len(scores), dtype=bool)
    bins[0 if first else -1] = True
    mid = scores[1:-1]
    local = (mid > scores[2:]) & (mid > scores[:-2])
    high = mid > 0.5 * scores.max()
    bins[1:-1] |= local | high
    return bins


def bm_candidates(start: np.ndarray, end: np.ndarray, cls_map: np.ndarray, reg_map: np.ndarray,
                  score_fusion: str = 'bmn') -> np.ndarray:
    """BMN candidates of one video.

    Args:
        start, end: ``(T,)`` boundary probabilities.
        cls_map, reg_map: ``(T, T)`` BM maps indexed ``[duration, start]``.
        score_fusion: ``'bmn'`` (``p_cls * p_reg``) or ``'sqrt'`` (``sqrt(p_cls * p_reg)``).

    Returns:
        ``(N, 7)`` rows ``[tmin, tmax, tmin_score, tmax_score, cls, reg, score]``.
    """
    if score_fusion not in SCORE_FUSIONS:
        raise ValueError(f'score_fusion must be one of {SCORE_FUSIONS}, got {score_fusion!r}')
    tscale = len(start)
    start_bins, end_bins = _peaks(start, True), _peaks(end, False)
    d, s = np.meshgrid(np.arange(tscale), np.arange(tscale), indexing='ij')
    e = s + d + 1
    valid = e < tscale
    keep = valid.copy()
    keep[valid] = start_bins[s[valid]] & end_bins[e[valid]]
    d, s, e = d[keep], s[keep], e[keep]
    tmin_score, tmax_score = start[s], end[e]
    cls, reg = cls_map[d, s], reg_map[d, s]
    if score_fusion == 'bmn':  # BMN's association order, for bitwise parity in float32
        score = tmin_score * tmax_score * cls * reg
    else:
        score = tmin_score * tmax_score * np.sqrt(cls * reg)
    return np.stack([s / tscale, e / tscale, tmin_score, tmax_score, cls, reg, score], axis=1)


def soft_nms_np(proposals: np.ndarray, alpha: float, low_threshold: float,
                high_threshold: float, top_k: int) -> np.ndarray:
    """mmaction2 ``soft_nms`` with each round's decay vectorized (same output)."""
    proposals = proposals[proposals[:, -1].argsort()[::-1]]
    tstart = proposals[:, 0].astype(np.float64)
    tend = proposals[:, 1].astype(np.float64)
    tscore = proposals[:, -1].astype(np.float64).copy()
    alive = np.ones(len(tscore), dtype=bool)
    keep = []
    while alive.any() and len(keep) <= top_k:
        idx = np.nonzero(alive)[0]
        max_index = idx[np.argmax(tscore[idx])]
        max_width = tend[max_index] - tstart[max_index]
        iou = temporal_iou(tstart[max_index], tend[max_index], tstart[idx], tend[idx])
        decay = np.exp(-np.square(iou) / alpha)
        hit = (iou > low_threshold + (high_threshold - low_threshold) * max_width) & \
            (idx != max_index)
        tscore[idx[hit]] = tscore[idx[hit]] * decay[hit]
        keep.append((tstart[max_index], tend[max_index], tscore[max_index]))
        alive[max_index] = False
    return np.array(keep, dtype=np.float64).reshape(-1, 3)


def proposals_to_list(candidates: np.ndarray, video_info: dict, soft_nms_alpha: float,
                      soft_nms_low_threshold: float, soft_nms_high_threshold: float,
                      top_k: int, feature_extraction_interval: int = 16,
                      soft_nms_impl: str = 'mmaction') -> List[Dict[str, Union[float, list]]]:
    """Soft-NMS and conversion to seconds (mmaction2 ``post_processing``).

    ``soft_nms_impl='mmaction'`` calls mmaction2's ``post_processing`` itself; ``'numpy'``
    runs the same steps with :func:`soft_nms_np` (identical output, faster).
    """
    if soft_nms_impl == 'mmaction':
        return post_processing(candidates, video_info, soft_nms_alpha, soft_nms_low_threshold,
                               soft_nms_high_threshold, top_k, feature_extraction_interval)
    if soft_nms_impl != 'numpy':
        raise ValueError(f"soft_nms_impl must be 'mmaction' or 'numpy', got {soft_nms_impl!r}")
    result = candidates
    if len(result) > 1:
        result = soft_nms_np(result, soft_nms_alpha, soft_nms_low_threshold,
                             soft_nms_high_threshold, top_k)
    result = result[result[:, -1].argsort()[::-1]]
    video_duration = float(
        video_info['duration_frame'] // feature_extraction_interval *
        feature_extraction_interval) / video_info['duration_frame'] * video_info['duration_second']
    return [dict(score=float(r[-1]),
                 segment=[max(0, r[0]) * video_duration, min(1, r[1]) * video_duration])
            for r in result[:top_k]]


SOFT_NMS: Dict[str, Callable] = {'mmaction': soft_nms, 'numpy': soft_nms_np}

__all__ = ['bm_candidates', 'soft_nms_np', 'proposals_to_list', 'SOFT_NMS', 'SCORE_FUSIONS']


def resample_boundary(prob: np.ndarray, temporal_dim: int) -> np.ndarray:
    """Resample ``(..., T)`` boundary probabilities to ``temporal_dim`` points.

    Index ``i`` of a BMN boundary curve is the time ``i / T`` (BMN's ``tmin = start / T``);
    the new curve is the linear interpolation of the old one at ``i' / T'`` (clamped at the
    ends). Resampling to the same T returns the input unchanged.
    """
    prob = np.asarray(prob)
    tscale = prob.shape[-1]
    if tscale == temporal_dim:
        return prob
    pos = np.arange(temporal_dim) * (tscale / temporal_dim)
    flat = prob.reshape(-1, tscale)
    out = np.stack([np.interp(pos, np.arange(tscale), row) for row in flat])
    return out.reshape(prob.shape[:-1] + (temporal_dim, )).astype(prob.dtype)


def resample_bm_map(bm_map: np.ndarray, temporal_dim: int) -> np.ndarray:
    """Resample ``(..., T, T)`` BM maps indexed ``[duration, start]`` to ``temporal_dim``.

    Cell ``(d, s)`` is the proposal ``[s / T, (s + d + 1) / T]``; a new cell takes the
    bilinear interpolation of the old map at the same normalised start and end (coordinates
    clamped to the grid). Resampling to the same T returns the input unchanged.
    """
    bm_map = np.asarray(bm_map)
    tscale = bm_map.shape[-1]
    if tscale == temporal_dim:
        return bm_map
    d_new, s_new = np.meshgrid(np.arange(temporal_dim), np.arange(temporal_dim), indexing='ij')
    start = s_new / temporal_dim * tscale
    dur = (d_new + 1) / temporal_dim * tscale - 1
    s = np.clip(start, 0, tscale - 1)
    d = np.clip(dur, 0, tscale - 1)
    s0, d0 = np.floor(s).astype(int), np.floor(d).astype(int)
    s1, d1 = np.minimum(s0 + 1, tscale - 1), np.minimum(d0 + 1, tscale - 1)
    ws, wd = s - s0, d - d0
    m = bm_map.astype(np.float64)
    out = ((1 - wd) * (1 - ws) * m[..., d0, s0] + (1 - wd) * ws * m[..., d0, s1] +
           wd * (1 - ws) * m[..., d1, s0] + wd * ws * m[..., d1, s1])
    return out.astype(bm_map.dtype)


__all__ += ['resample_boundary', 'resample_bm_map']
