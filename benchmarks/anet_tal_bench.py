"""ActivityNet-2020 pipeline: single generators vs ensembles on the embedded data; metric speed.

Everything is measured in one run:

1. **Embedded pipeline.** ``tools/anet_tal.py``'s chain (projects/anet_tal/pipeline.py) on
   ``configs/anet_tal/pipeline_tiny_anet-views.py``: BMN and BSN++ trained on each of the two
   synthetic feature views (6 epochs each, seed 0), each alone and the two ensemble rules
   (``map_mean`` resampled to T = 32, ``proposal_union``); detection mAP (average and
   @0.50/0.75/0.95) with the tiny video-level classifier (top-2), AR@AN; top-1 (mmaction2
   ``report_map``) vs top-2 assignment; the official json read back.
2. **Detection-mAP speed.** 5,000 random videos x 100 labelled predictions (200 classes,
   1-3 ground truths per video): our :func:`detection_ap` (vectorized and one-prediction loop)
   against mmaction2's ``ActivityNetLocalization.evaluate`` on the same data, interleaved
   after a warm-up (medians); the computation on loaded data, and end to end from the two json
   files; the numbers of each (max abs difference of the per-threshold mAP).

Writes ``projects/anet_tal/benchmark/anet_tal_bench.json``.

Usage::

    python benchmarks/anet_tal_bench.py            # full run
    python benchmarks/anet_tal_bench.py --quick    # 1 epoch per generator, 500 videos
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402

import tools._bootstrap  # noqa: E402,F401

OUT = osp.join(REPO_ROOT, 'projects', 'anet_tal', 'benchmark', 'anet_tal_bench.json')
PIPELINE = 'configs/anet_tal/pipeline_tiny_anet-views.py'


def embedded(quick: bool, work_dir: str) -> dict:
    from mmengine.config import Config

    import projects.anet_tal  # noqa: F401
    from projects.anet_tal.pipeline import run_pipeline
    cfg = Config.fromfile(osp.join(REPO_ROOT, PIPELINE))
    options = ['randomness.seed=0'] + (['train_cfg.max_epochs=1'] if quick else [])
    start = time.perf_counter()
    report = run_pipeline(cfg, work_dir, options)
    keep = ('mAP', 'mAP@0.50', 'mAP@0.75', 'mAP@0.95', 'auc', 'AR@100', 'T', 'config')
    out = dict(config=PIPELINE, train_options=options, seconds=time.perf_counter() - start,
               generators={k: {f: v[f] for f in keep if f in v}
                           for k, v in report['generators'].items()},
               ensemble={k: {f: v[f] for f in keep if f in v}
                         for k, v in report['ensemble'].items()},
               classify={k: {f: v[f] for f in keep if f in v}
                         for k, v in report['classify'].items()},
               evaluate={k: v for k, v in report['evaluate'].items() if k != 'file'})
    return out


def _random_set(num_videos: int, seed: int = 0):
    """Random ground truth, and 100 predictions per video labelled with classes that have
    ground truth (mmaction2, like the official reader, raises on any other label)."""
    rng = np.random.default_rng(seed)
    classes = [f'class {i}' for i in range(200)]
    gt, pred, durations = {}, {}, {}
    for v in range(num_videos):
        n = int(rng.integers(1, 4))
        dur = durations[v] = rng.uniform(30, 240)
        s, ln = rng.uniform(0, dur * 0.7, n), rng.uniform(0.05, 0.3, n) * dur
        gt[f'vid{v:05d}'] = [(float(a), float(a + b), classes[rng.integers(200)])
                             for a, b in zip(s, ln)]
    present = sorted({a[2] for anns in gt.values() for a in anns})
    for v in range(num_videos):
        dur = durations[v]
        s, ln = rng.uniform(0, dur * 0.8, 100), rng.uniform(0.02, 0.5, 100) * dur
        labels = [gt[f'vid{v:05d}'][0][2] if i % 2 == 0 else present[rng.integers(len(present))]
                  for i in range(100)]
        pred[f'vid{v:05d}'] = [(float(a), float(a + b), c, float(x))
                               for a, b, c, x in zip(s, ln, labels, rng.random(100))]
    return gt, pred


def metric_speed(num_videos: int, rounds: int, work_dir: str) -> dict:
    from mmaction.evaluation.functional import ActivityNetLocalization
    from projects.anet_tal.metric import evaluate_anet_detection
    from projects.common.localization.functional import detection_ap
    gt, pred = _random_set(num_videos)
    gt_file, res_file = osp.join(work_dir, 'speed_gt.json'), osp.join(work_dir, 'speed_res.json')
    with open(gt_file, 'w') as f:
        json.dump({'v_' + v: dict(annotations=[dict(segment=[a, b], label=c) for a, b, c in anns])
                   for v, anns in gt.items()}, f)
    with open(res_file, 'w') as f:
        json.dump(dict(version='VERSION 1.3', external_data={}, results={
            v: [dict(segment=[a, b], label=c, score=s) for a, b, c, s in ps]
            for v, ps in pred.items()}), f)
    mm = ActivityNetLocalization(gt_file, res_file, verbose=False)
    times = {k: [] for k in ('ours_vectorized', 'ours_loop', 'mmaction2',
                             'ours_file_end_to_end', 'mmaction2_file_end_to_end')}
    values = {}

    def run(name, fn):
        t = time.perf_counter()
        values[name] = fn()
        times[name].append(time.perf_counter() - t)

    def mm_eval():
        return mm.evaluate()[0]

    def mm_file():
        return ActivityNetLocalization(gt_file, res_file, verbose=False).evaluate()[0]

    def ours(impl, tie='argsort', dtype='float64'):
        return lambda: detection_ap(gt, pred, tie_order=tie, iou_dtype=dtype,
                                    impl=impl)[0].mean(axis=1)

    def ours_file():
        r = evaluate_anet_detection(gt_file, res_file)
        return np.array([r[k] for k in r if k != 'mAP'])

    ours('vectorized')()  # warm-up
    for r in range(rounds):
        run('ours_vectorized', ours('vectorized'))
        run('mmaction2', mm_eval)
        if r == 0:  # slow; once
            run('ours_loop', ours('loop'))
        run('ours_file_end_to_end', ours_file)
        run('mmaction2_file_end_to_end', mm_file)
    # mmaction2's semantics: stable ties, float32 tIoU
    mm_like = ours('vectorized', 'stable', 'float32')()
    med = {k: statistics.median(v) for k, v in times.items() if v}
    return dict(
        videos=num_videos, predictions_per_video=100, classes=200, rounds=rounds,
        median_seconds=med,
        speedup_vs_mmaction2=med['mmaction2'] / med['ours_vectorized'],
        speedup_vs_mmaction2_file_end_to_end=(med['mmaction2_file_end_to_end'] /
                                              med['ours_file_end_to_end']),
        average_mAP=dict(ours=float(values['ours_vectorized'].mean()),
                         mmaction2=float(np.mean(values['mmaction2']))),
        max_abs_diff_ours_official_vs_mmaction2=float(
            np.abs(values['ours_vectorized'] - values['mmaction2']).max()),
        max_abs_diff_ours_stable_float32_vs_mmaction2=float(
            np.abs(mm_like - values['mmaction2']).max()),
        max_abs_diff_vectorized_vs_loop=float(
            np.abs(values['ours_vectorized'] - values['ours_loop']).max()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs', 'anet_tal_bench'))
    parser.add_argument('--skip-embedded', action='store_true',
                        help="keep the JSON's embedded numbers")
    args = parser.parse_args()
    import torch
    os.makedirs(args.work_dir, exist_ok=True)
    result = {}
    if osp.isfile(OUT):
        with open(OUT) as f:
            result = json.load(f)
    result.update(torch=torch.__version__, threads=torch.get_num_threads())
    result.pop('quick', None)  # recorded per section
    result['metric_speed'] = dict(quick=args.quick, **metric_speed(
        500 if args.quick else 5000, 1 if args.quick else 3, args.work_dir))
    print(json.dumps(result['metric_speed'], indent=1))
    _write(result)  # each section is written as soon as it is measured
    if not args.skip_embedded:
        result['embedded_val'] = dict(quick=args.quick,
                                      **embedded(args.quick, osp.join(args.work_dir, 'pipeline')))
        _write(result)


def _write(result: dict) -> None:
    os.makedirs(osp.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
