"""Proposal classification: video-level class scores -> labelled detections.

Report: ActivityNet Challenge 2020 Task 1 submission (arXiv 2007.09883): proposals are labelled
by a classifier. How the classifier score and the proposal score combine is not given there;
the rules below follow BSN/BMN practice (recalled) and mmaction2's ``report_map.py`` (verified):

* ``mode='topk'`` (default, BSN/BMN practice, recalled): each proposal ``(t_s, t_e, s_p)`` gets
  each of the video's ``topk`` classes ``c`` (``k = 2`` by default) with
  ``score = s_p * P(c | video)``;
* ``mode='top1'``: mmaction2 ``report_map.py``'s ``cuhk17_top1``: the video's top-1 label and
  the proposal score unchanged (a weaker baseline);
* ``segment_scores`` (``segment_cls``, our design, optional): ``P(c | segment)`` of each
  proposal crop from a trimmed classifier gives
  ``score = s_p * P(c | segment)^a * P(c | video)^(1 - a)``; the ``topk`` classes of that
  product are kept per proposal.

At most ``max_per_video`` (100) detections per video are kept, by decreasing score (stable).

Video scores come from one or several recognizers' dumped results (``tools/test.py --dump``
pkl of mmaction2, or the ``{"results": {vid: [{"label", "score"}]}}`` json of the CUHK-2017
classifier that mmaction2's ``report_map.py`` reads), mapped to the taxonomy by class **name**
and averaged with optional weights (:func:`average_video_scores`).
"""
import os.path as osp
import pickle
from typing import Dict, List, Optional, Sequence

import numpy as np

from projects.common.localization.errors import LocalizationInputError
from projects.common.localization.proposal_io import _read_json, strip_v

MODES = ('topk', 'top1')
ID_KEYS = ('video_name', 'video_id', 'filename', 'frame_dir')


def _video_id(entry: dict, where: str, id_key: Optional[str]) -> str:
    keys = (id_key, ) if id_key else ID_KEYS
    for key in keys:
        if key in entry:
            name = osp.basename(str(entry[key]).rstrip('/'))
            if key == 'filename':
                name = osp.splitext(name)[0]
            return strip_v(name)
    raise LocalizationInputError(f'{where}: no video id key (expected one of {list(keys)}) '
                                 f'in the entry keys {sorted(entry)}')


def load_video_scores(path_or_obj, classes: Sequence[str],
                      recognizer_classes: Optional[Sequence[str]] = None,
                      id_key: Optional[str] = None) -> Dict[str, np.ndarray]:
    """Video-level class scores of one classifier, as ``{video id: (len(classes),) array}``.

    Args:
        path_or_obj: A ``.json`` file (or dict) ``{"results": {vid: [{"label", "score"}]}}``
            (labels by name; a class not listed scores 0), or a ``.pkl`` file (or list) of
            mmaction2 ``DumpResults`` entries, each with ``pred_score`` (scores in the
            recognizer's class order) and a video id (``video_name`` / ``video_id`` /
            ``filename`` / ``frame_dir``, or ``id_key``).
        classes: The taxonomy (output order).
        recognizer_classes: For pkl input: the recognizer's class names in index order
            (default: ``classes``); they are matched to ``classes`` by name.
        id_key: The entry key that holds the video id (pkl input).
    """
    classes = list(classes)
    index = {c: i for i, c in enumerate(classes)}
    name = path_or_obj if isinstance(path_or_obj, str) else '<video scores>'
    if isinstance(path_or_obj, str) and path_or_obj.endswith('.pkl'):
        try:
            with open(path_or_obj, 'rb') as f:
                obj = pickle.load(f)
        except OSError as exc:
            raise LocalizationInputError(f'{path_or_obj}: cannot read video scores: '
                                         f'{exc.strerror}') from None
    elif isinstance(path_or_obj, str):
        obj, name = _read_json(path_or_obj, 'video-score file')
    else:
        obj = path_or_obj
    out: Dict[str, np.ndarray] = {}
    if isinstance(obj, dict):
        results = obj.get('results')
        if not isinstance(results, dict):
            raise LocalizationInputError(f'{name}: expected {{"results": {{video id: [{{"label",'
                                         f' "score"}}]}}}}, got keys {sorted(obj)}')
        for vid, preds in results.items():
            vec = np.zeros(len(classes))
            for i, p in enumerate(preds):
                if not isinstance(p, dict) or p.get('label') not in index:
                    label = p.get('label') if isinstance(p, dict) else p
                    raise LocalizationInputError(
                        f'{name}: video {vid!r}, entry {i}: label {label!r} is not in the '
                        f'taxonomy ({len(classes)} classes, matched by name)')
                vec[index[p['label']]] = float(p['score'])
            out[strip_v(vid)] = vec
        return out
    if not isinstance(obj, list):
        raise LocalizationInputError(f'{name}: expected a list of DumpResults entries or a '
                                     f'"results" dict, got {type(obj).__name__}')
    rec = list(recognizer_classes) if recognizer_classes is not None else classes
    missing = [c for c in rec if c not in index]
    if missing:
        raise LocalizationInputError(f'{name}: recognizer classes {missing[:3]} are not in the '
                                     f'taxonomy (matched by name)')
    cols = np.array([index[c] for c in rec], dtype=int)
    for i, entry in enumerate(obj):
        where = f'{name}: entry {i}'
        if not isinstance(entry, dict) or 'pred_score' not in entry:
            raise LocalizationInputError(f'{where}: expected a dict with "pred_score"')
        score = np.asarray(entry['pred_score'], dtype=np.float64).reshape(-1)
        if score.shape[0] != len(rec):
            raise LocalizationInputError(f'{where}: pred_score has {score.shape[0]} classes, '
                                         f'expected {len(rec)} (recognizer_classes)')
        vec = np.zeros(len(classes))
        vec[cols] = score
        out[_video_id(entry, where, id_key)] = vec
    return out


def average_video_scores(scores: Sequence[Dict[str, np.ndarray]],
                         weights: Optional[Sequence[float]] = None) -> Dict[str, np.ndarray]:
    """Weighted mean of several classifiers' video scores (weights normalised to sum 1).

    Every classifier must score the same videos; a missing video is a one-line error.
    """
    if not scores:
        raise ValueError('average_video_scores needs at least one set of scores')
    if weights is None:
        weights = [1.0] * len(scores)
    weights = np.asarray(weights, dtype=np.float64)
    if len(weights) != len(scores) or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f'weights must be {len(scores)} non-negative numbers with a positive '
                         f'sum, got {weights.tolist()}')
    weights = weights / weights.sum()
    videos = list(scores[0])
    for k, s in enumerate(scores[1:], 1):
        diff = set(videos) ^ set(s)
        if diff:
            raise LocalizationInputError(f'video scores {k} and 0 cover different videos, e.g. '
                                         f'{sorted(diff)[0]!r}')
    return {v: sum(w * s[v] for w, s in zip(weights, scores)) for v in videos}


def _check_topk(topk: int, num_classes: int) -> None:
    if not isinstance(topk, int) or not 1 <= topk <= num_classes:
        raise ValueError(f'topk must be an int in [1, {num_classes}], got {topk!r}')


def assign_labels(proposals: List[dict], video_score: np.ndarray, classes: Sequence[str],
                  topk: int = 2, mode: str = 'topk', max_per_video: int = 100,
                  segment_scores: Optional[np.ndarray] = None,
                  segment_alpha: float = 0.5) -> List[dict]:
    """Labelled detections of one video (see the module docstring).

    Args:
        proposals: ``[{"segment": [s, e], "score": s_p}]``.
        video_score: ``(C,)`` class scores of the video (taxonomy order).
        classes: The taxonomy (C names).
        topk: Classes per proposal (``mode='topk'``).
        mode: ``'topk'`` or ``'top1'`` (mmaction2 ``report_map``'s ``cuhk17_top1``).
        max_per_video: Detections kept per video.
        segment_scores: ``(num_proposals, C)`` ``P(c | segment)`` (``segment_cls``) or ``None``.
        segment_alpha: ``a`` of ``P(c|segment)^a * P(c|video)^(1-a)``.

    Returns:
        ``[{"label", "score", "segment"}]`` sorted by decreasing score (stable).
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    classes = list(classes)
    video_score = np.asarray(video_score, dtype=np.float64)
    if video_score.shape != (len(classes), ):
        raise ValueError(f'video_score has shape {video_score.shape}, expected '
                         f'({len(classes)},) (one score per class)')
    if not proposals:
        return []
    seg = np.array([p['segment'] for p in proposals], dtype=np.float64).reshape(-1, 2)
    s_p = np.array([p['score'] for p in proposals], dtype=np.float64)
    if mode == 'top1':
        if segment_scores is not None:
            raise ValueError("segment_scores are used by mode='topk' only")
        # report_map's get_topk: stable ascending sort by score, take the last
        label = classes[len(video_score) - 1 - int(np.argmax(video_score[::-1]))]
        dets = [dict(label=label, score=float(s), segment=[float(a), float(b)])
                for (a, b), s in zip(seg, s_p)]
    else:
        _check_topk(topk, len(classes))
        if segment_scores is None:
            cls_prob = np.broadcast_to(video_score, (len(s_p), len(classes)))
        else:
            segment_scores = np.asarray(segment_scores, dtype=np.float64)
            if segment_scores.shape != (len(s_p), len(classes)):
                raise ValueError(f'segment_scores has shape {segment_scores.shape}, expected '
                                 f'({len(s_p)}, {len(classes)})')
            if not 0.0 <= segment_alpha <= 1.0:
                raise ValueError(f'segment_alpha must be in [0, 1], got {segment_alpha}')
            cls_prob = segment_scores ** segment_alpha * video_score ** (1 - segment_alpha)
        top = np.argsort(-cls_prob, axis=1, kind='stable')[:, :topk]
        dets = [dict(label=classes[c], score=float(s_p[i] * cls_prob[i, c]),
                     segment=[float(seg[i, 0]), float(seg[i, 1])])
                for i in range(len(s_p)) for c in top[i]]
    order = np.argsort(-np.array([d['score'] for d in dets]), kind='stable')
    return [dets[i] for i in order[:max_per_video]]


def classify_proposals(proposals: Dict[str, List[dict]], video_scores: Dict[str, np.ndarray],
                       classes: Sequence[str], **kwargs) -> Dict[str, List[dict]]:
    """:func:`assign_labels` for every video of ``{video id: proposals}`` (``v_`` stripped);
    a video without scores is a one-line error naming it."""
    out = {}
    for vid, props in proposals.items():
        key = strip_v(vid)
        if key not in video_scores:
            raise LocalizationInputError(f'video {key!r} has proposals but no video-level class '
                                         f'scores ({len(video_scores)} videos scored)')
        out[key] = assign_labels(props, video_scores[key], classes, **kwargs)
    return out


__all__ = ['load_video_scores', 'average_video_scores', 'assign_labels', 'classify_proposals',
           'MODES']
