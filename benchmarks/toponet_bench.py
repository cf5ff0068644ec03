"""TopoNet against rule-based wiring on `digits`, and the cost of its graph on ResNet-50 (CPU).

Everything is measured in this run:

1. **digits** (tools/train.py, the tiny config's schedule, ``--seeds`` seeds, variants
   interleaved seed by seed): final val top-1 of

   * ``residual``: the static CIFAR ResNet-18 baseline (configs/baselines/);
   * ``complete``: every edge, weight fixed at 1;
   * ``er``/``ba``/``ws``: random networkx graphs (seed = run seed), weight fixed at 1;
   * ``learned``: configs/toponet/toponet-resnet18-tiny_1xb64-10e_digits.py;
   * ``learned-pruned``: each learned checkpoint pruned by
     tools/analysis_tools/toponet_prune.py (relative rule, ``--prune-threshold``), no
     fine-tuning, evaluated by tools/test.py; with its surviving edges.

   The first seed's learned topology is drawn (adjacency heat map and graph drawing).
2. **Latency** (CPU, one thread, eval, no grad, 224x224, batch 1 and 32; interleaved round by
   round after a warm-up; medians) of the static mmpretrain ResNet-50, the unpruned
   TopoResNet-50 (complete graphs, alpha = 1) and a pruned TopoResNet-50. There is no ImageNet
   training here, so the pruned network is a stand-in: alphas drawn uniformly in [0, 1]
   (seed 0), pruned by the relative rule at ``--prune-threshold`` (the prune tool's code).
   Ratios to the static network; floors: unpruned/static <= 1.10 at batch 1, pruned/unpruned
   <= 1.
3. **FLOPs/params** of the three at 224x224 (mmengine's counter plus the analytic cost of the
   weighted sums, as the prune tool reports them).

Writes ``<out>/toponet_bench.json`` (``toponet_bench_quick.json`` with ``--quick``) and the
pictures beside it. Run alone: ``flock /tmp/bench.lock python benchmarks/toponet_bench.py``.

Usage::

    python benchmarks/toponet_bench.py                 # 3 seeds x 10 epochs, 20/5 rounds
    python benchmarks/toponet_bench.py --quick         # 3 seeds x 3 epochs, 20/3 rounds
"""
import argparse
import copy
import glob
import json
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import time
from typing import Dict, List

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402

import projects.toponet  # noqa: E402,F401

STATIC_CFG = 'configs/baselines/resnet18-tiny_1xb64-10e_digits.py'
TOPO_CFG = 'configs/toponet/toponet-resnet18-tiny_1xb64-10e_digits.py'
FIXED = ['model.edge_l1_weight=0.0', 'model.backbone.learnable=False']
VARIANTS = {
    'residual': (STATIC_CFG, []),
    'complete': (TOPO_CFG, FIXED),
    'er': (TOPO_CFG, FIXED + ['model.backbone.topology=er']),
    'ba': (TOPO_CFG, FIXED + ['model.backbone.topology=ba']),
    'ws': (TOPO_CFG, FIXED + ['model.backbone.topology=ws']),
    'learned': (TOPO_CFG, []),
}


def _run(args: List[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    proc = subprocess.run([sys.executable] + args, cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'{args} failed:\n{proc.stderr[-3000:]}')
    return proc


def _final_top1(work_dir: str) -> float:
    path = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))[-1]
    with open(path) as f:
        return [json.loads(line)['accuracy/top1'] for line in f
                if '"accuracy/top1"' in line][-1]


def _summarise(res: Dict[str, dict]) -> None:
    for r in res.values():
        if r['final']:
            r['mean'] = statistics.mean(r['final'])
            r['std'] = statistics.stdev(r['final']) if len(r['final']) > 1 else 0.0
            r['seeds_done'] = len(r['final'])


def digits_runs(seeds: int, epochs: int, threshold: float, work_root: str,
                out_dir: str, save=None) -> Dict[str, dict]:
    from tools.analysis_tools.toponet_prune import prune
    from tools.data import ensure
    from tools.demo import read_test_metric
    ensure('digits')
    res = {k: dict(final=[], seconds=[]) for k in list(VARIANTS) + ['learned-pruned']}
    res['learned-pruned'].update(edges_before=[], edges_after=[], removed_nodes=[])
    for seed in range(seeds):
        for name, (cfg, opts) in VARIANTS.items():
            work = osp.join(work_root, f'{name}_seed{seed}')
            shutil.rmtree(work, ignore_errors=True)
            extra = [f'model.backbone.topology_cfg.seed={seed}'] if name in ('er', 'ba', 'ws') \
                else []
            t0 = time.time()
            _run(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
                  f'randomness.seed={seed}', f'train_cfg.max_epochs={epochs}',
                  'train_cfg.val_interval=1000', *opts, *extra])
            # one evaluation at the end (val_interval beyond the schedule: tools/test.py)
            _run(['tools/test.py', cfg, osp.join(work, f'epoch_{epochs}.pth'), '--work-dir',
                  osp.join(work, 'test'), '--cfg-options', *opts, *extra] if opts or extra
                 else ['tools/test.py', cfg, osp.join(work, f'epoch_{epochs}.pth'),
                       '--work-dir', osp.join(work, 'test')])
            res[name]['seconds'].append(time.time() - t0)
            res[name]['final'].append(read_test_metric(osp.join(work, 'test'), 'accuracy/top1'))
            print(f'digits {name:15s} seed {seed}: top-1 {res[name]["final"][-1]:.2f} % '
                  f'({res[name]["seconds"][-1]:.0f} s)', flush=True)
            if name == 'learned':
                pdir = osp.join(work, 'pruned')
                summary = prune(osp.join(REPO_ROOT, TOPO_CFG),
                                osp.join(work, f'epoch_{epochs}.pth'), threshold, 'relative',
                                pdir, (32, 32))
                _run(['tools/test.py', summary['pruned_config'], summary['pruned_checkpoint'],
                      '--work-dir', osp.join(pdir, 'test')])
                p = res['learned-pruned']
                p['final'].append(read_test_metric(osp.join(pdir, 'test'), 'accuracy/top1'))
                p['edges_before'].append(summary['edges_before'])
                p['edges_after'].append(summary['edges_after'])
                p['removed_nodes'].append({s['stage']: s['removed_nodes']
                                           for s in summary['stages']})
                p.setdefault('flops_before', []).append(summary['before']['flops'])
                p.setdefault('flops_after', []).append(summary['after']['flops'])
                print(f"digits learned-pruned   seed {seed}: top-1 {p['final'][-1]:.2f} %, "
                      f"edges {summary['edges_before']} -> {summary['edges_after']}", flush=True)
                if seed == 0:
                    for pic in ('adjacency.png', 'graph.png'):
                        shutil.copy(osp.join(pdir, pic),
                                    osp.join(out_dir, f'toponet_digits_{pic}'))
            if save is not None:  # partial results survive an interrupted run
                _summarise(res)
                save(res)
    _summarise(res)
    return res


def _models(threshold: float):
    from mmpretrain.models.backbones import ResNet
    from mmpretrain.models.classifiers import ImageClassifier

    from projects.toponet import TopoResNet
    from tools.analysis_tools.toponet_prune import prune_model

    def clf(backbone):
        return ImageClassifier(backbone=backbone, neck=dict(type='GlobalAveragePooling'),
                               head=dict(type='LinearClsHead', num_classes=1000,
                                         in_channels=2048))
    torch.manual_seed(0)
    static = clf(dict(type='ResNet', depth=50))
    unpruned = clf(dict(type='TopoResNet', depth=50))
    unpruned.load_state_dict(static.state_dict(), strict=False)
    pruned = copy.deepcopy(unpruned)
    g = torch.Generator().manual_seed(0)
    for _, s in projects.toponet.topo_stages(pruned):
        a = s.edge_source.edge_alpha
        a.data.copy_(torch.rand(a.shape, generator=g) * s.edge_mask)
    records = prune_model(pruned, threshold, 'relative')
    models = dict(static=static, unpruned=unpruned, pruned=pruned)
    for m in models.values():
        m.eval()
    assert isinstance(static.backbone, ResNet) and isinstance(unpruned.backbone, TopoResNet)
    return models, records


@torch.no_grad()
def latency(threshold: float, rounds: Dict[int, int]) -> dict:
    from tools.analysis_tools.toponet_prune import complexity
    torch.set_num_threads(1)
    models, records = _models(threshold)
    out = dict(pruned_how=f'alphas uniform in [0, 1] (seed 0), relative rule, threshold '
                          f'{threshold}',
               pruned_edges=dict(before=sum(r['edges_before'] for r in records),
                                 after=sum(r['edges_after'] for r in records)),
               pruned_removed_nodes={r['stage']: r['removed_nodes'] for r in records})
    out['complexity'] = {k: complexity(m, (224, 224)) for k, m in models.items()}
    for batch, n in rounds.items():
        x = torch.rand(batch, 3, 224, 224)
        times = {k: [] for k in models}
        cpu = {k: [] for k in models}
        for _ in range(2 if batch == 1 else 1):
            for m in models.values():
                m(x, mode='tensor')
        for _ in range(n):
            for k, m in models.items():
                c0, t0 = time.process_time(), time.perf_counter()
                m(x, mode='tensor')
                times[k].append(time.perf_counter() - t0)
                cpu[k].append(time.process_time() - c0)
        row = dict(rounds=n)
        for k in models:
            row[f'{k}_ms'] = 1e3 * statistics.median(times[k])
            row[f'{k}_cpu_ms'] = 1e3 * statistics.median(cpu[k])
        row['unpruned_over_static'] = row['unpruned_ms'] / row['static_ms']
        row['pruned_over_static'] = row['pruned_ms'] / row['static_ms']
        row['pruned_over_unpruned'] = row['pruned_ms'] / row['unpruned_ms']
        row['unpruned_over_static_cpu'] = row['unpruned_cpu_ms'] / row['static_cpu_ms']
        row['pruned_over_unpruned_cpu'] = row['pruned_cpu_ms'] / row['unpruned_cpu_ms']
        out[f'batch{batch}'] = row
        print(f"batch {batch:2d}: static {row['static_ms']:.1f} ms, unpruned "
              f"{row['unpruned_ms']:.1f} ms (x{row['unpruned_over_static']:.3f}), pruned "
              f"{row['pruned_ms']:.1f} ms (x{row['pruned_over_unpruned']:.3f} of unpruned)",
              flush=True)
    out['floor_unpruned_batch1_le_1.10'] = out['batch1']['unpruned_over_static'] <= 1.10
    out['floor_pruned_le_unpruned'] = all(out[f'batch{b}']['pruned_over_unpruned'] <= 1.0
                                          for b in rounds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='3 epochs per digits run, 20/3 latency rounds')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=20, help='latency rounds at batch 1')
    parser.add_argument('--rounds-b32', type=int, default=5, help='latency rounds at batch 32')
    parser.add_argument('--prune-threshold', type=float, default=0.2)
    parser.add_argument('--skip', nargs='*', default=[], choices=['latency', 'digits'])
    parser.add_argument('--out', default=osp.join(REPO_ROOT, 'projects', 'toponet', 'benchmark'))
    parser.add_argument('--work-root', default=osp.join(REPO_ROOT, 'work_dirs', 'toponet_bench'))
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.rounds, args.rounds_b32 = 3, 20, 3
    os.makedirs(args.out, exist_ok=True)
    path = osp.join(args.out, 'toponet_bench_quick.json' if args.quick else 'toponet_bench.json')
    report = {}
    if osp.isfile(path):
        with open(path) as f:
            report = json.load(f)
    report.update(torch=torch.__version__, quick=args.quick, seeds=args.seeds,
                  epochs=args.epochs, prune_threshold=args.prune_threshold)
    report.setdefault('started', {})
    started = time.strftime('%Y-%m-%d %H:%M:%S')
    if 'latency' not in args.skip:
        report['latency_resnet50'] = latency(args.prune_threshold,
                                             {1: args.rounds, 32: args.rounds_b32})
        report['started']['latency'] = started
        with open(path, 'w') as f:
            json.dump(report, f, indent=1)
    if 'digits' not in args.skip:
        def save(res):
            report['digits'] = res
            with open(path, 'w') as f:
                json.dump(report, f, indent=1)

        report['started']['digits'] = started
        report['digits'] = digits_runs(args.seeds, args.epochs, args.prune_threshold,
                                       args.work_root, args.out, save)
        report['started']['digits'] = started
        for name, r in report['digits'].items():
            print(f"{name:15s} top-1 {r['mean']:.2f} +- {r['std']:.2f} %")
    with open(path, 'w') as f:
        json.dump(report, f, indent=1)
    print(f'wrote {path}')


if __name__ == '__main__':
    main()
