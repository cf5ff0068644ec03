"""Official ActivityNet result files and mmaction2 ground-truth files, read and written.

Results (proposals or detections)::

    {"version": "VERSION 1.3",
     "results": {"<video id without v_>": [{"segment": [s, e], "score": p, "label": "..."}]},
     "external_data": {}}

``label`` is present for detections only. Ground truth is mmaction2's annotation json: a dict
keyed ``v_<id>`` whose values hold ``annotations: [{"segment": [s, e], "label": "..."}]``.
Video names keep mmaction2's convention: the ``v_`` prefix is stripped for results (as
mmaction2's ``ANetMetric`` and the official evaluation do); names without it are kept.
"""
import json
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

VERSION = 'VERSION 1.3'


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


def load_results(path_or_dict) -> Dict[str, List[dict]]:
    """Read an official result file (path or loaded dict); checks the three keys."""
    data = path_or_dict
    if isinstance(path_or_dict, str):
        with open(path_or_dict) as f:
            data = json.load(f)
    missing = {'version', 'results', 'external_data'} - set(data)
    if 'results' in missing:
        raise ValueError(f'not an ActivityNet result file: no "results" key (keys: {sorted(data)})')
    return data['results']


def load_ground_truth(path_or_dict, subset: Optional[str] = None
                      ) -> Dict[str, List[Tuple[float, float, str]]]:
    """mmaction2 annotation json -> ``{official id: [(t_start, t_end, label)]}``."""
    data = path_or_dict
    if isinstance(path_or_dict, str):
        with open(path_or_dict) as f:
            data = json.load(f)
    gt = {}
    for name, info in data.items():
        if subset is not None and info.get('subset', subset) != subset:
            continue
        gt[strip_v(name)] = [(float(a['segment'][0]), float(a['segment'][1]), a['label'])
                             for a in info['annotations']]
    return gt


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
           'load_ground_truth', 'proposals_as_arrays', 'gt_as_arrays', 'detections_as_tuples']
