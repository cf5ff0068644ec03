"""Official ActivityNet result files, mmaction2 ground-truth files and THUMOS14 annotation
files, read (with checks) and written.

Results (proposals or detections)::

    {"version": "VERSION 1.3",
     "results": {"<video id without v_>": [{"segment": [s, e], "score": p, "label": "..."}]},
     "external_data": {}}

``label`` is present for detections only. Ground truth is mmaction2's annotation json: a dict
keyed ``v_<id>`` whose values hold ``annotations: [{"segment": [s, e], "label": "..."}]``.
Video names keep mmaction2's convention: the ``v_`` prefix is stripped for results (as
mmaction2's ``ANetMetric`` and the official evaluation do); names without it are kept.

THUMOS14 annotation folders (``TH14_Temporal_annotations_<subset>/annotation``) hold one
``<Class>_<subset>.txt`` per class and ``Ambiguous_<subset>.txt``, each line
``<video> <t_start> <t_end>`` in seconds.

Every reader raises :class:`~.errors.LocalizationInputError` with one line naming the file,
the video and the entry at fault.
"""
import glob
import json
import numbers
import os.path as osp
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

from .errors import LocalizationInputError
from .functional import AMBIGUOUS

VERSION = 'VERSION 1.3'
RESULT_KEYS = ('version', 'results', 'external_data')


def strip_v(video_name: str) -> str:
    """``'v_abc'`` -> ``'abc'`` (the official id); other names unchanged."""
    return video_name[2:] if video_name.startswith('v_') else video_name


def results_to_json(results: Iterable[dict], external_data: Optional[dict] = None) -> dict:
    """``[{'video_name', 'proposal_list'}]`` (the localizers' output) -> official dict."""
    out = {}
    for res in results:
        vid = strip_v(res['video_name'])
        out.setdefault(vid, []).extend(
            {k: (list(map(float, v)) if k == 'segment' else v) for k, v in p.items()}
            for p in res['proposal_list'])
    return dict(version=VERSION, results=out, external_data=external_data or {})


def dump_results(results: Iterable[dict], path: str) -> dict:
    """Write the localizers' outputs as an official result file; returns the dict."""
    data = results_to_json(results)
    with open(path, 'w') as f:
        json.dump(data, f)
    return data


def _read_json(path_or_dict, what: str):
    if isinstance(path_or_dict, str):
        try:
            with open(path_or_dict) as f:
                return json.load(f), path_or_dict
        except OSError as exc:
            raise LocalizationInputError(f'{path_or_dict}: cannot read {what}: '
                                         f'{exc.strerror}') from None
        except json.JSONDecodeError as exc:
            raise LocalizationInputError(f'{path_or_dict}: {what} is not valid json: '
                                         f'{exc.msg} (line {exc.lineno})') from None
    return path_or_dict, '<dict>'


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and np.isfinite(x)


def _check_entry(entry, where: str, require_label: bool) -> None:
    if not isinstance(entry, dict):
        raise LocalizationInputError(f'{where}: expected a dict with "segment" and "score", '
                                     f'got {type(entry).__name__}')
    seg = entry.get('segment')
    if not isinstance(seg, (list, tuple)) or len(seg) != 2 or not all(map(_is_number, seg)):
        raise LocalizationInputError(f'{where}: "segment" must be [t_start, t_end] (two finite '
                                     f'numbers), got {seg!r}')
    if seg[1] <= seg[0]:
        raise LocalizationInputError(f'{where}: segment {list(seg)} must have t_end > t_start')
    if not _is_number(entry.get('score')):
        raise LocalizationInputError(f'{where}: "score" must be a finite number, got '
                                     f'{entry.get("score")!r}')
    if require_label and not isinstance(entry.get('label'), str):
        raise LocalizationInputError(f'{where}: detection needs a "label" string, got '
                                     f'{entry.get("label")!r}')


def load_results(path_or_dict, require_label: bool = False,
                 check_fields: bool = True) -> Dict[str, List[dict]]:
    """Read and check an official result file (path or loaded dict).

    Checks: the top level is a dict with ``version``, ``results`` and ``external_data`` (as the
    official reader; ``check_fields=False`` needs ``results`` only, e.g. for mmaction2's test
    file ``tests/data/eval_localization/result.json``);
    ``results`` maps video ids to lists; every entry has ``segment`` = two finite numbers with
    ``t_end > t_start`` and a finite ``score`` (and a ``label`` string if
    ``require_label``).

    Returns:
        ``results`` (video id -> entries).
    """
    data, name = _read_json(path_or_dict, 'result file')
    if not isinstance(data, dict):
        raise LocalizationInputError(f'{name}: expected an ActivityNet result dict with keys '
                                     f'{list(RESULT_KEYS)}, got {type(data).__name__}')
    missing = [k for k in (RESULT_KEYS if check_fields else ('results', )) if k not in data]
    if missing:
        raise LocalizationInputError(f'{name}: missing key(s) {missing} of an ActivityNet '
                                     f'result file (keys: {sorted(data)})')
    results = data['results']
    if not isinstance(results, dict):
        raise LocalizationInputError(f'{name}: "results" must be a dict {{video id: [entries]}}'
                                     f', got {type(results).__name__}')
    for vid, entries in results.items():
        if not isinstance(entries, list):
            raise LocalizationInputError(f'{name}: video {vid!r}: expected a list of entries, '
                                         f'got {type(entries).__name__}')
        for i, entry in enumerate(entries):
            _check_entry(entry, f'{name}: video {vid!r}, entry {i}', require_label)
    return results


def load_ground_truth(path_or_dict, subset: Optional[str] = None
                      ) -> Dict[str, List[Tuple[float, float, str]]]:
    """mmaction2 annotation json -> ``{official id: [(t_start, t_end, label)]}``.

    Reversed segments, a missing ``segment`` / ``label`` or a non-list ``annotations`` raise a
    one-line error naming the file, video and entry.
    """
    data, name = _read_json(path_or_dict, 'annotation file')
    if not isinstance(data, dict):
        raise LocalizationInputError(f'{name}: expected a dict {{video name: info}}, got '
                                     f'{type(data).__name__}')
    gt = {}
    for video, info in data.items():
        if not isinstance(info, dict):
            raise LocalizationInputError(f'{name}: video {video!r}: expected a dict with '
                                         f'"annotations", got {type(info).__name__}')
        if subset is not None and info.get('subset', subset) != subset:
            continue
        anns = info.get('annotations')
        if not isinstance(anns, list):
            raise LocalizationInputError(f'{name}: video {video!r} has no "annotations" list')
        rows = []
        for i, ann in enumerate(anns):
            seg = ann.get('segment') if isinstance(ann, dict) else None
            where = f'{name}: video {video!r}, annotation {i}'
            if not isinstance(seg, (list, tuple)) or len(seg) != 2 or \
                    not all(map(_is_number, seg)):
                raise LocalizationInputError(f'{where}: "segment" must be [t_start, t_end], '
                                             f'got {seg!r}')
            if seg[1] < seg[0]:
                raise LocalizationInputError(f'{where}: segment {list(seg)} ends before it '
                                             f'starts')
            if 'label' not in ann:
                raise LocalizationInputError(f'{where}: no "label"')
            rows.append((float(seg[0]), float(seg[1]), ann['label']))
        gt[strip_v(video)] = rows
    return gt


def _read_thumos_txt(path: str) -> List[Tuple[str, float, float]]:
    rows = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            try:
                if len(parts) != 3:
                    raise ValueError
                video, s, e = parts[0], float(parts[1]), float(parts[2])
            except ValueError:
                raise LocalizationInputError(f'{path}:{lineno}: expected "<video> <t_start> '
                                             f'<t_end>", got {line.strip()!r}') from None
            if not (np.isfinite(s) and np.isfinite(e)) or e < s:
                raise LocalizationInputError(f'{path}:{lineno}: video {video!r}: segment '
                                             f'[{s}, {e}] ends before it starts')
            rows.append((video, s, e))
    return rows


def load_thumos14_ambiguous(path: str) -> Dict[str, List[Tuple[float, float]]]:
    """``Ambiguous_<subset>.txt`` (``<video> <t_start> <t_end>`` per line) -> segments per video."""
    out: Dict[str, List[Tuple[float, float]]] = {}
    for video, s, e in _read_thumos_txt(path):
        out.setdefault(video, []).append((s, e))
    return out


def load_thumos14_annotations(folder: str, subset: str = 'test',
                              classes: Optional[Iterable[str]] = None
                              ) -> Tuple[Dict[str, list], Dict[str, list]]:
    """A THUMOS14 annotation folder -> ``(ground_truth, ambiguous)``.

    Args:
        folder: Folder of ``<Class>_<subset>.txt`` files (and ``Ambiguous_<subset>.txt``).
        subset: ``'test'`` or ``'val'`` (the file suffix).
        classes: Class names to read (the kit's ``detclasslist.txt``); default: every
            ``*_<subset>.txt`` file except ``Ambiguous``, sorted.

    Returns:
        ``ground_truth`` (video -> ``[(t_start, t_end, class)]``, in class-file order) and
        ``ambiguous`` (video -> ``[(t_start, t_end)]``, empty without an Ambiguous file).
    """
    suffix = f'_{subset}.txt'
    if classes is None:
        names = sorted(osp.basename(p)[:-len(suffix)]
                       for p in glob.glob(osp.join(folder, f'*{suffix}')))
        classes = [c for c in names if c != AMBIGUOUS]
        if not classes:
            raise LocalizationInputError(f'{folder}: no <Class>{suffix} annotation file')
    gt: Dict[str, list] = {}
    for cls in classes:
        path = osp.join(folder, cls + suffix)
        if not osp.isfile(path):
            raise LocalizationInputError(f'{path}: annotation file of class {cls!r} not found')
        for video, s, e in _read_thumos_txt(path):
            gt.setdefault(video, []).append((s, e, cls))
    amb_path = osp.join(folder, AMBIGUOUS + suffix)
    ambiguous = load_thumos14_ambiguous(amb_path) if osp.isfile(amb_path) else {}
    return gt, ambiguous


def proposals_as_arrays(results: Dict[str, List[dict]]) -> Tuple[Dict[str, np.ndarray], int]:
    """Official results -> ``{id: (m, 3) [s, e, score]}`` and the total count."""
    arrays, total = {}, 0
    for vid, props in results.items():
        arr = np.array([[p['segment'][0], p['segment'][1], p['score']] for p in props],
                       dtype=np.float64).reshape(-1, 3)
        arrays[vid] = arr
        total += len(arr)
    return arrays, total


def gt_as_arrays(gt: Dict[str, list]) -> Dict[str, np.ndarray]:
    """``{id: [(s, e, label)]}`` -> ``{id: (n, 2)}`` (labels dropped, for proposal metrics)."""
    return {vid: np.array([a[:2] for a in anns], dtype=np.float64).reshape(-1, 2)
            for vid, anns in gt.items()}


def detections_as_tuples(results: Dict[str, List[dict]]) -> Dict[str, list]:
    """Official detection results -> ``{id: [(s, e, label, score)]}``."""
    return {vid: [(d['segment'][0], d['segment'][1], d['label'], d['score']) for d in dets]
            for vid, dets in results.items()}


__all__ = ['VERSION', 'strip_v', 'results_to_json', 'dump_results', 'load_results',
           'load_ground_truth', 'load_thumos14_annotations', 'load_thumos14_ambiguous',
           'proposals_as_arrays', 'gt_as_arrays', 'detections_as_tuples']


UNKNOWN_LABEL_MODES = ('error', 'drop')


def filter_labels(results: Dict[str, List[dict]], classes: Iterable[str],
                  unknown_label: str = 'error', name: str = '<results>'
                  ) -> Tuple[Dict[str, List[dict]], int]:
    """Keep the detections whose ``label`` is one of ``classes`` (matched by name, exactly).

    The official ActivityNet reader raises on a label outside the ground-truth taxonomy;
    ``unknown_label='error'`` does the same with one line naming the file, video, entry and
    label; ``'drop'`` removes such detections instead.

    Returns:
        ``(results, number dropped)``.
    """
    if unknown_label not in UNKNOWN_LABEL_MODES:
        raise ValueError(f'unknown_label must be one of {UNKNOWN_LABEL_MODES}, got '
                         f'{unknown_label!r}')
    known = set(classes)
    out, dropped = {}, 0
    for vid, dets in results.items():
        kept = []
        for i, det in enumerate(dets):
            if det.get('label') in known:
                kept.append(det)
            elif unknown_label == 'error':
                raise LocalizationInputError(
                    f'{name}: video {vid!r}, entry {i}: label {det.get("label")!r} is not in '
                    f'the taxonomy ({len(known)} classes; labels are matched by name, '
                    f"exactly; set unknown_label='drop' to drop such detections)")
            else:
                dropped += 1
        out[vid] = kept
    return out, dropped


def load_taxonomy(path_or_list) -> List[str]:
    """Class names from a list, a text file (one name per line) or an official ActivityNet
    json (its ``taxonomy`` entries' ``nodeName`` that are leaves)."""
    if not isinstance(path_or_list, str):
        return [str(c) for c in path_or_list]
    if path_or_list.endswith('.json'):
        data, name = _read_json(path_or_list, 'taxonomy file')
        tax = data.get('taxonomy') if isinstance(data, dict) else None
        if not isinstance(tax, list):
            raise LocalizationInputError(f'{name}: expected an official ActivityNet json with a '
                                         f'"taxonomy" list')
        parents = {n.get('parentId') for n in tax}
        return [n['nodeName'] for n in tax if n.get('nodeId') not in parents]
    try:
        with open(path_or_list) as f:
            names = [line.rstrip('\n') for line in f if line.strip()]
    except OSError as exc:
        raise LocalizationInputError(f'{path_or_list}: cannot read the class list: '
                                     f'{exc.strerror}') from None
    return names


__all__ += ['filter_labels', 'load_taxonomy', 'UNKNOWN_LABEL_MODES']
