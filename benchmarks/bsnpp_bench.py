"""BSN++ against BMN: CPU time per video, relation-block memory, metric speed, embedded AR@AN.

Everything is measured in one run:

1. **Time per video.** mmaction2's ``BMN`` and ``BSNPP`` at the ActivityNet scale of the full
   configs (T = 100, 400-d features, hidden 256/128/512), random weights, batch 1: the network
   forward, interleaved round by round after a warm-up; medians and ratio. Post-processing
   (BMN candidates + Soft-NMS + seconds, shared by both models) is timed on random maps, with
   mmaction2's Soft-NMS and with the vectorized one (untrained networks give flat maps).
   **CBG node convolutions.** The same forward with the boundary U-Net's node convolutions
   dense (``groups=1``, the default), grouped by 4 after a channel shuffle, and grouped by 4
   without the shuffle (the earlier default, whose nested nodes did not fuse their paths);
   the whole BSN++ forward and the U-Net alone (on the 2 x 256 x 100 base features of the
   forward and backward pass).
2. **Relation-block memory at T = 100.** Peak RSS increase (sampled every 0.2 ms, after a
   warm-up) of one ``ProposalRelationBlock`` forward (128 x 100 x 100 map, batch 1) in a fresh
   subprocess: the default (PAM over the 5050 valid cells, queries in chunks of 1024,
   recomputed in the backward pass) against an unmasked, unchunked PAM (the 1e4 x 1e4
   attention), for inference and for a training step (forward + backward).
3. **Metric speed.** AR@AN (official float64 tIoU, and float32 as mmaction2) and detection mAP
   of 5,000 videos x 100 proposals (random), and mmaction2's AR@AN on the same set (time, and
   equality with our float32 variant).
4. **Embedded val.** BMN, BSN++ and BSN++ without scale-balanced re-sampling trained with
   ``tools/train.py`` on the tiny schedule (12 epochs) and tested with ``tools/test.py``:
   AR@100, AUC, and the AR-AN curves (PNG) computed from the proposal files the runs wrote.

Writes ``projects/bsnpp/benchmark/bsnpp_bench.json`` and ``bsnpp_ar_an.png``.

Usage::

    python benchmarks/bsnpp_bench.py            # full run (~6 minutes on one core)
    python benchmarks/bsnpp_bench.py --quick    # 2 training epochs, fewer timing rounds
    python benchmarks/bsnpp_bench.py --extra    # + seed 1 of BMN/BSN++ and 3 ablations
    python benchmarks/bsnpp_bench.py --only-embedded --extra   # keep the other parts' numbers
    python benchmarks/bsnpp_bench.py --skip-embedded   # keep the embedded-val numbers
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import projects  # noqa: E402,F401
import projects.bsnpp  # noqa: E402,F401

OUT_DIR = osp.join(REPO_ROOT, 'projects/bsnpp/benchmark')
TINY_BMN = 'configs/bsnpp/bmn_tiny_1xb8-12e_anet-features.py'
TINY_BSNPP = 'configs/bsnpp/bsnpp_tiny_1xb8-12e_anet-features.py'
FULL = dict(temporal_dim=100, boundary_ratio=0.5, num_samples=32, num_samples_per_bin=3,
            feat_dim=400, soft_nms_alpha=0.4, soft_nms_low_threshold=0.5,
            soft_nms_high_threshold=0.9, post_process_top_k=100)


def _samples():
    from mmaction.structures import ActionDataSample
    s = ActionDataSample()
    s.set_metainfo(dict(video_name='v_bench', duration_second=120.0, duration_frame=3600,
                        feature_frame=3600, annotations=[]))
    return [s]


def time_per_video(rounds: int) -> dict:
    """Forward time of each model; post-processing time on shared random maps."""
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    from projects.common.localization.postprocess import bm_candidates, proposals_to_list
    init_default_scope('mmaction')
    torch.manual_seed(0)
    models = {'BMN': MODELS.build(dict(type='BMN', **FULL)).eval(),
              'BSN++': MODELS.build(dict(type='BSNPP', **FULL)).eval()}
    x = torch.randn(1, 400, 100)
    # untrained networks give flat maps and almost no candidates; post-processing is timed on
    # random maps instead (the same for both models: they share BMN's post-processing)
    rng = np.random.default_rng(0)
    start, end = rng.random(100).astype(np.float32), rng.random(100).astype(np.float32)
    cls_map, reg_map = (rng.random((100, 100)).astype(np.float32) for _ in range(2))
    info = _samples()[0].metainfo
    times = {name: [] for name in models}
    post = {'mmaction': [], 'numpy': []}
    num_candidates = len(bm_candidates(start, end, cls_map, reg_map))
    with torch.no_grad():
        for r in range(rounds + 1):
            for name, model in models.items():
                t0 = time.perf_counter()
                model._forward(x)
                if r:  # round 0 is the warm-up
                    times[name].append(time.perf_counter() - t0)
            for impl in post:
                t0 = time.perf_counter()
                cands = bm_candidates(start, end, cls_map, reg_map)
                proposals_to_list(cands, info, 0.4, 0.5, 0.9, 100, 16, impl)
                if r:
                    post[impl].append(time.perf_counter() - t0)
    fwd = {name: statistics.median(t) for name, t in times.items()}
    post_med = {impl: statistics.median(t) for impl, t in post.items()}
    out = dict(forward=fwd, post_processing=dict(candidates=num_candidates, **post_med))
    out['total_with_mmaction_soft_nms'] = {n: f + post_med['mmaction'] for n, f in fwd.items()}
    out['ratio_bsnpp_over_bmn'] = dict(
        forward=fwd['BSN++'] / fwd['BMN'],
        total=out['total_with_mmaction_soft_nms']['BSN++'] /
        out['total_with_mmaction_soft_nms']['BMN'])
    out['rounds'] = rounds
    return out


def cbg_groups(rounds: int) -> dict:
    """Forward time of BSN++ (and of its U-Net alone) per node-convolution grouping."""
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    variants = {'groups1': (1, True), 'groups4_shuffle': (4, True),
                'groups4_no_shuffle': (4, False)}
    models = {}
    for name, (groups, shuffle) in variants.items():
        torch.manual_seed(0)
        model = MODELS.build(dict(type='BSNPP', cbg=dict(depth=2, groups=groups), **FULL)).eval()
        for node in model.cbg.nodes.values():
            node.shuffle = node.shuffle and shuffle
        models[name] = model
    x = torch.randn(1, 400, 100)
    base = torch.randn(2, 256, 100)
    times = {name: dict(model=[], cbg=[]) for name in models}
    with torch.no_grad():
        for r in range(rounds + 1):
            for name, model in models.items():
                t0 = time.perf_counter()
                model._forward(x)
                t1 = time.perf_counter()
                for _ in range(10):
                    model.cbg(base)
                t2 = time.perf_counter()
                if r:  # round 0 is the warm-up
                    times[name]['model'].append(t1 - t0)
                    times[name]['cbg'].append((t2 - t1) / 10)
    out = {name: {k: statistics.median(v) for k, v in t.items()} for name, t in times.items()}
    for name in variants:
        out[name]['params_cbg'] = sum(p.numel() for p in models[name].cbg.parameters())
        out[name]['model_ratio_over_groups1'] = out[name]['model'] / out['groups1']['model']
        out[name]['cbg_ratio_over_groups1'] = out[name]['cbg'] / out['groups1']['cbg']
    out['rounds'] = rounds
    return out


_MEM_SCRIPT = r'''
import sys, threading, time, torch
sys.path.insert(0, {root!r})
from projects.bsnpp.relation_block import ProposalRelationBlock
page = __import__('os').sysconf('SC_PAGE_SIZE')
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * page
torch.manual_seed(0)
block = ProposalRelationBlock(128, 16, mask_invalid={masked}, chunk_size={chunk})
for m in (block.pam, block.cam):
    m.gamma.data.fill_(0.5)
def inputs(t):
    d, s = torch.meshgrid(torch.arange(t), torch.arange(t), indexing='ij')
    return torch.randn(1, 128, t, t, requires_grad={train}), (s <= t - 1 - d).float()
def step(x, mask):
    if {train}:
        block(x, mask).sum().backward()
    else:
        with torch.no_grad():
            block(x, mask)
step(*inputs(20))  # warm-up: library initialisation is not the block's memory
x, mask = inputs(100)
base = rss()
peak = [base]
done = threading.Event()
def watch():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.0002)
th = threading.Thread(target=watch)
th.start()
step(x, mask)
done.set()
th.join()
print((peak[0] - base) / 2 ** 20)
'''


def prb_memory() -> dict:
    out = {}
    for name, masked, chunk in (('masked_chunked', True, 1024), ('full_unmasked', False, 10000)):
        for train in (False, True):
            code = _MEM_SCRIPT.format(root=REPO_ROOT, masked=masked, chunk=chunk, train=train)
            res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                                 env=dict(os.environ, OMP_NUM_THREADS='1'), check=True)
            out[f'{name}_{"train" if train else "infer"}_MB'] = float(res.stdout.strip())
    return out


def metric_speed() -> dict:
    from projects.common.localization.functional import (average_recall_at_avg_proposals,
                                                         detection_ap)
    rng = np.random.default_rng(0)
    gt, props, gt_l, det_l = {}, {}, {}, {}
    for v in range(5000):
        n = int(rng.integers(1, 4))
        s = rng.uniform(0, 80, n)
        gt[str(v)] = np.stack([s, s + rng.uniform(1, 40, n)], 1)
        s = rng.uniform(0, 80, 100)
        props[str(v)] = np.stack([s, s + rng.uniform(1, 40, 100), rng.random(100)], 1)
        gt_l[str(v)] = [(a, b, f'c{v % 20}') for a, b in gt[str(v)]]
        det_l[str(v)] = [(a, b, f'c{v % 20}', c) for a, b, c in props[str(v)]]
    from mmaction.evaluation.functional import accuracy
    t0 = time.perf_counter()
    average_recall_at_avg_proposals(gt, props, 500000, 100)
    t1 = time.perf_counter()
    detection_ap(gt_l, det_l)
    t2 = time.perf_counter()
    ours32 = average_recall_at_avg_proposals(gt, props, 500000, 100, iou_dtype='float32')
    t2b = time.perf_counter()
    trapz = getattr(np, 'trapz', None)
    np.trapz = getattr(np, 'trapezoid', trapz)  # numpy >= 2.4 has no trapz
    try:
        t3 = time.perf_counter()
        ref = accuracy.average_recall_at_avg_proposals(gt, props, 500000, 100)
        t4 = time.perf_counter()
    finally:
        if trapz is None:
            del np.trapz
    same = all(np.array_equal(a, b) for a, b in zip(ours32[:3], ref[:3])) and \
        ours32[3] == ref[3]
    return dict(videos=5000, proposals_per_video=100, ar_an_seconds=t1 - t0,
                ar_an_float32_seconds=t2b - t2, mmaction2_ar_an_seconds=t4 - t3,
                ar_an_float32_equal_to_mmaction2=bool(same), detection_map_seconds=t2 - t1)


def _run(args, log):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1')
    with open(log, 'a') as f:
        subprocess.run([sys.executable] + args, cwd=REPO_ROOT, env=env, stdout=f,
                       stderr=subprocess.STDOUT, check=True)


MAIN_RUNS = {'BMN': (TINY_BMN, []), 'BSN++': (TINY_BSNPP, []),
             'BSN++ w/o SBR': (TINY_BSNPP, ['model.loss_cls.sbr=False'])}
EXTRA_RUNS = {'BMN seed 1': (TINY_BMN, ['randomness.seed=1']),
              'BSN++ seed 1': (TINY_BSNPP, ['randomness.seed=1']),
              'BSN++ w/o PRB': (TINY_BSNPP, ['model.prb=None']),
              'BSN++ w/o backward pass': (TINY_BSNPP, ['model.bidirectional=False']),
              'BSN++ w/o CBG (BMN TEM heads)': (TINY_BSNPP, ['model.cbg=None'])}


def embedded(epochs: int, work_root: str, runs: dict) -> dict:
    from projects.common.localization.metrics import evaluate_proposal_file
    from projects.common.localization.functional import average_recall_at_avg_proposals
    from projects.common.localization.proposal_io import (gt_as_arrays, load_ground_truth,
                                                          load_results, proposals_as_arrays)
    from tools.data import ensure
    data = ensure('anet-features')
    gt_file = osp.join(data, 'anet_anno_val.json')
    out = {}
    for name, (cfg, opts) in runs.items():
        work = osp.join(work_root, ''.join(c if c.isalnum() else '_' for c in name))
        log = work + '.log'
        os.makedirs(work, exist_ok=True)
        t0 = time.perf_counter()
        _run(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
              f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}',
              f'default_hooks.checkpoint.interval={epochs}'] + opts, log)
        t1 = time.perf_counter()
        _run(['tools/test.py', cfg, osp.join(work, f'epoch_{epochs}.pth'), '--work-dir', work] +
             (['--cfg-options'] + opts if opts else []), log)
        t2 = time.perf_counter()
        dump = sorted(glob.glob(osp.join(work, '*', 'proposals.json')), key=osp.getmtime)[-1]
        metrics = evaluate_proposal_file(gt_file, dump)
        props, total = proposals_as_arrays(load_results(dump))
        _, avg_recall, ppv, _ = average_recall_at_avg_proposals(
            gt_as_arrays(load_ground_truth(gt_file)), props, total, 100)
        out[name] = dict(config=cfg, options=opts, epochs=epochs, **metrics,
                         train_seconds=t1 - t0, test_seconds=t2 - t1,
                         curve=dict(proposals_per_video=ppv.tolist(),
                                    average_recall=avg_recall.tolist()))
    return out


def plot(emb: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 4))
    for name, r in emb.items():
        ax.plot(r['curve']['proposals_per_video'], r['curve']['average_recall'],
                label=f"{name} (AUC {r['auc']:.2f}, AR@100 {100 * r['AR@100']:.2f})")
    ax.set_xlabel('average number of proposals per video (AN)')
    ax.set_ylabel('average recall (tIoU 0.5:0.05:0.95)')
    ax.set_title('AR-AN on the embedded anet-features val set')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--extra', action='store_true',
                        help='also a second seed of BMN and BSN++ and three BSN++ ablations')
    parser.add_argument('--only-embedded', action='store_true',
                        help='skip the timing, memory and metric-speed parts')
    parser.add_argument('--skip-embedded', action='store_true',
                        help='keep the embedded-val numbers of the last run')
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs', 'bsnpp_bench'))
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    suffix = '_quick' if args.quick else ''
    json_path = osp.join(OUT_DIR, f'bsnpp_bench{suffix}.json')
    result = dict(quick=args.quick, torch=torch.__version__, threads=1)
    if (args.only_embedded or args.skip_embedded) and osp.isfile(json_path):
        with open(json_path) as f:
            result = json.load(f)
    if not args.only_embedded:
        print('[bench] time per video (T=100, 400-d) ...', flush=True)
        result['time_per_video_s'] = time_per_video(3 if args.quick else 7)
        print(json.dumps(result['time_per_video_s'], indent=1), flush=True)
        print('[bench] CBG node-convolution groups (T=100, 400-d) ...', flush=True)
        result['cbg_groups'] = cbg_groups(3 if args.quick else 7)
        print(json.dumps(result['cbg_groups'], indent=1), flush=True)
        print('[bench] relation block memory at T=100 ...', flush=True)
        result['prb_memory_T100'] = prb_memory()
        print(json.dumps(result['prb_memory_T100'], indent=1), flush=True)
        print('[bench] metric speed ...', flush=True)
        result['metric_speed'] = metric_speed()
        print(json.dumps(result['metric_speed'], indent=1), flush=True)
    epochs = 2 if args.quick else 12
    if not args.skip_embedded:
        print('[bench] embedded val (train + test) ...', flush=True)
        result['embedded_val'] = embedded(epochs, args.work_dir, MAIN_RUNS)
        if args.extra:
            result['embedded_val_extra'] = embedded(epochs, args.work_dir, EXTRA_RUNS)
    emb = result['embedded_val']
    print('| model | AR@100 | AUC | train s | test s |')
    print('|---|---|---|---|---|')
    for name, r in {**emb, **result.get('embedded_val_extra', {})}.items():
        print(f"| {name} | {100 * r['AR@100']:.2f} | {r['auc']:.2f} | {r['train_seconds']:.0f} | "
              f"{r['test_seconds']:.0f} |")
    png = osp.join(OUT_DIR, f'bsnpp_ar_an{suffix}.png')
    plot(emb, png)
    with open(json_path, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'[bench] wrote {png} and bsnpp_bench{suffix}.json')


if __name__ == '__main__':
    main()
