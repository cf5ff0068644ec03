"""DG-Net against its static base networks: latency, FLOPs, training memory, digits accuracy.

Everything is measured in this run, side by side:

1. **Latency** (CPU, one thread, batch 1 and batch 32, 224x224, eval, no grad) of ResNet-50,
   ResNeXt-50 32x4d, RegNetX-400MF and MobileNetV2 against their DG versions, interleaved
   round by round after a warm-up; medians of the wall-clock time, of the process CPU time
   (which other jobs on a shared machine cannot inflate by preempting this one) and of the
   minor page faults of one forward (getrusage), and the DG/static ratios. Each (batch,
   allocator) column runs in its own process, at batch 1 three times (``--repeats``; the
   ``latency_ratio`` cells give the median, min and max over those processes): glibc's malloc
   as the machine ships it (``default``), the tuned glibc of :mod:`projects.common.allocator`
   (``glibc-tuned``) and tcmalloc preloaded (``tcmalloc``, what the tools use on CPU when
   setup_env.sh fetched it; the column is left out when the library is missing).
   **Compiled** (``compiled_batch1``): the batch-1 pairs that stay above 1.10 in eager mode,
   both networks under ``torch.compile`` (graphs and graph breaks, compile time, difference
   to eager, CPU-time ratio).
2. **Profile** (torch.profiler, batch 1, every allocator): self CPU time per forward by op
   category (convolution, batch norm, activation, residual add, aggregation, routers,
   adjacency bookkeeping, other), static against DG: where the extra time goes.
3. **FLOPs** of each pair at 224x224: the static network by mmengine's counter; the DG
   network as that count plus the analytic extra (aggregation beyond the shortcut adds,
   routers with their pooling), which counters do not see.
4. **Training memory** of DG-ResNet-50 (train mode, forward + backward) with the three
   aggregation implementations (the autograd Function, a python loop, stack-and-sum) and
   the static ResNet-50, each in a fresh process (default allocator): bytes autograd saves
   for backward (unique storages; deterministic) and the peak growth of the resident set
   during the first training step (sampled every 2 ms from /proc; includes the parameter
   gradients, equal for all; median of 3 interleaved runs, as it varies by a few hundred MB
   between runs).
5. **digits**: the static tiny ResNet-18 config and its DG config, same schedule, data and
   seeds, through tools/train.py; final val top-1 (mean ± std) and curves. The trained DG
   model's mean adjacency per stage on the val set is drawn as heat maps
   (tools/analysis_tools/plot_adjacency.py).

Writes ``<out>/dgnet_bench.json`` (parts left out with ``--skip`` keep their earlier numbers
and their ``started`` time), ``<out>/dgnet_digits.png`` and ``<out>/dgnet_adjacency.png``.
Run it alone on the machine (``flock /tmp/bench.lock python benchmarks/dgnet_bench.py``).

Usage::

    python benchmarks/dgnet_bench.py                    # full run
    python benchmarks/dgnet_bench.py --skip digits      # latency, profile, FLOPs, memory
    python benchmarks/dgnet_bench.py --quick            # fewer rounds, small memory case, 1 seed
"""
import argparse
import glob
import json
import os
import os.path as osp
import resource
import shutil
import statistics
import subprocess
import sys
import time
from typing import Dict, List

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402

import projects.dgnet  # noqa: E402,F401  (registers the DG backbones)
from projects.common.allocator import apply_cpu_allocator, find_tcmalloc  # noqa: E402
from tools.analysis_tools.plot_adjacency import mean_adjacency, plot_adjacency  # noqa: E402

#: latency columns: glibc as the machine ships it, tuned glibc, tcmalloc (projects.common.allocator)
ALLOCATORS = ('default', 'glibc-tuned') + (('tcmalloc', ) if find_tcmalloc() else ())

STATIC_CFG = 'configs/baselines/resnet18-tiny_1xb64-10e_digits.py'
DG_CFG = 'configs/dgnet/dgnet-resnet18-tiny_1xb64-10e_digits.py'

PAIRS = [
    ('ResNet-50', 'ResNet', 'DGResNet', dict(depth=50)),
    ('ResNeXt-50 32x4d', 'ResNeXt', 'DGResNeXt', dict(depth=50)),
    ('RegNetX-400MF', 'RegNet', 'DGRegNet', dict(arch='regnetx_400mf')),
    ('MobileNetV2', 'MobileNetV2', 'DGMobileNetV2', dict()),
]


def build(type_name: str, kwargs: dict) -> torch.nn.Module:
    from mmpretrain.registry import MODELS
    model = MODELS.build(dict(type=type_name, **kwargs))
    model.eval()
    return model


def flops_rows() -> List[dict]:
    """FLOPs and parameters of every pair at 224x224 (mmengine counter + analytic extra)."""
    from mmengine.analysis import get_model_complexity_info
    rows = []
    for name, static_t, dg_t, kwargs in PAIRS:
        static, dg = build(static_t, kwargs), build(dg_t, kwargs)
        flops = get_model_complexity_info(static, input_shape=(3, 224, 224), show_table=False,
                                          show_arch=False)['flops']
        extra = dg.extra_macs((3, 224, 224))
        row = dict(network=name,
                   static_gflops=flops / 1e9,
                   dg_gflops=(flops + extra['aggregation'] + extra['router']) / 1e9,
                   extra_aggregation_mmacs=extra['aggregation'] / 1e6,
                   extra_router_mmacs=extra['router'] / 1e6,
                   static_params_m=sum(p.numel() for p in static.parameters()) / 1e6,
                   router_params_k=dg.router_parameters() / 1e3)
        row['flops_ratio'] = row['dg_gflops'] / row['static_gflops']
        rows.append(row)
        print(f"{name:18s} GFLOPs {row['static_gflops']:.3f} -> {row['dg_gflops']:.3f} "
              f"(x{row['flops_ratio']:.4f})  routers {row['router_params_k']:.1f}K params",
              flush=True)
    return rows


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


@torch.no_grad()
def _interleaved_cpu_ms(models: Dict[str, torch.nn.Module], x: torch.Tensor, rounds: int,
                        warmup: int) -> Dict[str, float]:
    """Median process CPU ms of one forward of each model, the models interleaved round by
    round after ``warmup`` rounds."""
    cpu = {k: [] for k in models}
    for _ in range(warmup):
        for model in models.values():
            model(x)
    for _ in range(rounds):
        for key, model in models.items():
            c0 = time.process_time()
            model(x)
            cpu[key].append(time.process_time() - c0)
    return {k: 1e3 * statistics.median(v) for k, v in cpu.items()}


def latency_child(allocator: str, batch: int, rounds: int) -> None:
    """One latency column in this (fresh) process: every pair, static and DG interleaved
    round by round after a warm-up; medians of the wall-clock and CPU time and of the minor
    page faults of one forward. Prints one JSON line."""
    torch.set_num_threads(1)
    tuned = apply_cpu_allocator(allocator, logger=None)
    rows = []
    x = torch.rand(batch, 3, 224, 224)
    for name, static_t, dg_t, kwargs in PAIRS:
        models = dict(static=build(static_t, kwargs), dg=build(dg_t, kwargs))
        times = {k: [] for k in models}
        cpu = {k: [] for k in models}
        faults = {k: [] for k in models}
        with torch.no_grad():
            for _ in range(3 if batch == 1 else 1):
                for model in models.values():
                    model(x)
            for _ in range(rounds):
                for key, model in models.items():
                    f0, c0, t0 = _minor_faults(), time.process_time(), time.perf_counter()
                    model(x)
                    times[key].append(time.perf_counter() - t0)
                    cpu[key].append(time.process_time() - c0)
                    faults[key].append(_minor_faults() - f0)
        row = dict(network=name, batch=batch, allocator=allocator, allocator_tuned=tuned,
                   rounds=rounds,
                   static_ms=1e3 * statistics.median(times['static']),
                   dg_ms=1e3 * statistics.median(times['dg']),
                   static_cpu_ms=1e3 * statistics.median(cpu['static']),
                   dg_cpu_ms=1e3 * statistics.median(cpu['dg']),
                   static_minor_faults=statistics.median(faults['static']),
                   dg_minor_faults=statistics.median(faults['dg']))
        row['latency_ratio'] = row['dg_ms'] / row['static_ms']
        row['cpu_time_ratio'] = row['dg_cpu_ms'] / row['static_cpu_ms']
        if batch == 1:
            # the same forward at 32x32, where the convolutions cost almost nothing: what
            # is left of DG's extra time is its fixed per-node cost (op dispatch, Python)
            t32 = _interleaved_cpu_ms(models, torch.rand(1, 3, 32, 32), 5 * rounds, warmup=1)
            row['static_cpu_ms_32px'], row['dg_cpu_ms_32px'] = t32['static'], t32['dg']
            extra_224 = row['dg_cpu_ms'] - row['static_cpu_ms']
            extra_32 = row['dg_cpu_ms_32px'] - row['static_cpu_ms_32px']
            row['dg_extra_cpu_ms_224px'] = extra_224
            row['dg_extra_cpu_ms_32px'] = extra_32
            # share of DG's extra time at 224 px that does not depend on the feature size
            row['fixed_share_of_extra'] = extra_32 / extra_224 if extra_224 > 0 else None
            # the static network's own fixed cost, as a share of its 224-px forward
            row['static_fixed_share'] = row['static_cpu_ms_32px'] / row['static_cpu_ms']
        rows.append(row)
        del models
    print(json.dumps(rows))


#: the pairs timed under torch.compile (the batch-1 cells that stay above 1.10 in eager mode)
COMPILE_PAIRS = ('RegNetX-400MF', 'MobileNetV2')


def compiled_child(allocator: str, rounds: int) -> None:
    """Batch 1, 224x224: both networks of each pair in :data:`COMPILE_PAIRS` under
    ``torch.compile`` (inductor, default mode): graphs and graph breaks
    (``torch._dynamo.explain``), compile time, largest output difference to eager, and
    interleaved CPU-time medians as in :func:`latency_child`. Prints one JSON line.
    Does compiling (which removes python dispatch and fuses elementwise ops) close DG's
    batch-1 gap?"""
    torch.set_num_threads(1)
    apply_cpu_allocator(allocator, logger=None)
    x = torch.rand(1, 3, 224, 224)
    rows = []
    for name, static_t, dg_t, kwargs in PAIRS:
        if name not in COMPILE_PAIRS:
            continue
        row = dict(network=name, batch=1, allocator=allocator, rounds=rounds,
                   torch=torch.__version__)
        models = {}
        with torch.no_grad():
            for key, type_name in (('static', static_t), ('dg', dg_t)):
                model = build(type_name, kwargs)
                eager = model(x)[-1]
                explain = torch._dynamo.explain(model)(x)  # graph breaks would keep python
                row[f'{key}_graphs'] = explain.graph_count
                row[f'{key}_graph_breaks'] = explain.graph_break_count
                torch._dynamo.reset()
                t0 = time.time()
                compiled = torch.compile(model)
                out = compiled(x)[-1]
                row[f'{key}_compile_s'] = time.time() - t0
                row[f'{key}_max_abs_diff_to_eager'] = float((out - eager).abs().max())
                models[key] = compiled
        cpu = _interleaved_cpu_ms(models, x, rounds, warmup=3)
        row['static_cpu_ms'], row['dg_cpu_ms'] = cpu['static'], cpu['dg']
        row['cpu_time_ratio'] = row['dg_cpu_ms'] / row['static_cpu_ms']
        rows.append(row)
        del models
        torch._dynamo.reset()
    print(json.dumps(rows))


def profile_child(allocator: str) -> None:
    """Self CPU time per forward of each op category (torch.profiler), batch 1, for every
    pair: where the DG time goes. Prints one JSON line."""
    from torch.profiler import ProfilerActivity, profile
    torch.set_num_threads(1)
    apply_cpu_allocator(allocator, logger=None)
    x = torch.rand(1, 3, 224, 224)
    iters = 10
    out = []
    for name, static_t, dg_t, kwargs in PAIRS:
        row = dict(network=name, batch=1, allocator=allocator, iterations=iters)
        for key, type_name in (('static', static_t), ('dg', dg_t)):
            model = build(type_name, kwargs)
            with torch.no_grad():
                for _ in range(3):
                    model(x)
                with profile(activities=[ProfilerActivity.CPU]) as prof:
                    for _ in range(iters):
                        model(x)
            cats: Dict[str, float] = {}
            calls: Dict[str, int] = {}
            for evt in prof.key_averages():
                cat = next((c for c, ops in PROFILE_CATEGORIES.items() if evt.key in ops),
                           'other')
                cats[cat] = cats.get(cat, 0.0) + evt.self_cpu_time_total / 1e3 / iters
                calls[cat] = calls.get(cat, 0) + evt.count // iters
            row[key] = dict(self_cpu_ms=cats, op_calls=calls,
                            total_self_cpu_ms=sum(cats.values()))
        out.append(row)
    print(json.dumps(out))


#: op names per category of the profile (self CPU time); everything else is ``other``
PROFILE_CATEGORIES = {
    'conv': {'aten::mkldnn_convolution', 'aten::thnn_conv2d', 'aten::_slow_conv2d_forward',
             'aten::_convolution', 'aten::convolution', 'aten::conv2d'},
    'batch_norm': {'aten::batch_norm', 'aten::_batch_norm_impl_index',
                   'aten::native_batch_norm', 'aten::_native_batch_norm_legit_no_training',
                   'aten::_native_batch_norm_legit'},
    'activation': {'aten::relu', 'aten::relu_', 'aten::clamp_min', 'aten::clamp_min_',
                   'aten::hardtanh', 'aten::hardtanh_', 'aten::relu6'},
    'residual_add': {'aten::add', 'aten::add_'},
    'aggregation': {'aten::mul', 'aten::addcmul_'},
    'router': {'aten::mean', 'aten::sum', 'aten::linear', 'aten::addmm', 'aten::sigmoid',
               'aten::t', 'aten::flatten'},
    'adjacency_and_views': {'aten::zeros', 'aten::new_zeros', 'aten::zero_', 'aten::fill_',
                            'aten::copy_', 'aten::slice', 'aten::select', 'aten::reshape',
                            'aten::view', 'aten::as_strided', 'aten::unbind',
                            'aten::index_put_', 'aten::_index_put_impl_', 'aten::detach',
                            'aten::unsqueeze', 'aten::expand'},
    'allocation': {'aten::empty', 'aten::empty_like', 'aten::empty_strided', 'aten::resize_'},
}


def _run_child(args: List[str]) -> list:
    env = {k: v for k, v in os.environ.items() if k != 'LD_PRELOAD'}
    if 'tcmalloc' in args:  # the allocator is chosen at process start
        env.update(LD_PRELOAD=find_tcmalloc(), TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD=str(1 << 40))
    proc = subprocess.run([sys.executable, osp.abspath(__file__)] + args, capture_output=True,
                          text=True, cwd=REPO_ROOT, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f'{args} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def latency(rounds: Dict[int, int], repeats: Dict[int, int]) -> List[dict]:
    """Every (batch, allocator) column in its own process, ``repeats[batch]`` times (fresh
    processes, allocators interleaved): the run-to-run spread of a cell on a shared machine."""
    rows = []
    for batch, n in rounds.items():
        for rep in range(repeats.get(batch, 1)):
            for allocator in ALLOCATORS:
                for row in _run_child(['--latency-child', allocator, str(batch), str(n)]):
                    row['repeat'] = rep
                    rows.append(row)
                    _print_latency_row(row)
    return rows


def _print_latency_row(row: dict) -> None:
    print(f"batch {row['batch']:2d} {row['allocator']:11s} {row['network']:18s} "
          f"{row['static_ms']:8.1f} -> {row['dg_ms']:8.1f} ms "
          f"(x{row['latency_ratio']:.3f}; CPU time x{row['cpu_time_ratio']:.3f})  "
          f"minor faults/forward {row['static_minor_faults']:.0f} -> {row['dg_minor_faults']:.0f}",
          flush=True)
    if row['batch'] == 1:
        print(f"         at 32x32: static {row['static_cpu_ms_32px']:.2f} ms, DG "
              f"{row['dg_cpu_ms_32px']:.2f} ms; DG's extra CPU time "
              f"{row['dg_extra_cpu_ms_32px']:.2f} ms at 32 px vs "
              f"{row['dg_extra_cpu_ms_224px']:.2f} ms at 224 px", flush=True)


def latency_summary(rows: List[dict], target: float = 1.10) -> Dict[str, dict]:
    """Per (network, batch, allocator): DG/static over the repeats (median, min, max of the
    CPU-time and wall-clock ratios) and whether the median meets ``target``."""
    cells: Dict[str, List[dict]] = {}
    for r in rows:
        cells.setdefault(f"{r['network']} | batch {r['batch']} | {r['allocator']}", []).append(r)
    out = {}
    for key, rs in cells.items():
        cpu = [r['cpu_time_ratio'] for r in rs]
        wall = [r['latency_ratio'] for r in rs]
        out[key] = dict(cpu_time=statistics.median(cpu), cpu_time_min=min(cpu),
                        cpu_time_max=max(cpu), wall=statistics.median(wall),
                        wall_min=min(wall), wall_max=max(wall), repeats=len(rs),
                        target=target, cpu_time_meets_target=statistics.median(cpu) <= target)
    return out


_MEMORY_CHILD = r'''
import json, os, sys, threading, time, torch
sys.path.insert(0, {root!r})
import projects.dgnet
from mmpretrain.registry import MODELS
impl, batch, size = {impl!r}, {batch}, {size}
page = os.sysconf('SC_PAGE_SIZE')
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * page
torch.manual_seed(0)
if impl == 'static':
    model = MODELS.build(dict(type='ResNet', depth=50))
else:
    model = MODELS.build(dict(type='DGResNet', depth=50, aggregate_impl=impl))
x = torch.rand(batch, 3, size, size)
model.eval()
with torch.no_grad():  # warm-up of the kernels only: activations of the step are all new
    model(x[:1, :, :64, :64])
model.train()
seen, saved = set(), [0]
def pack(t):
    key = (t.untyped_storage().data_ptr(), t.untyped_storage().nbytes())
    if key not in seen and t.untyped_storage().data_ptr() != x.untyped_storage().data_ptr():
        seen.add(key)
        saved[0] += t.untyped_storage().nbytes()
    return t
base = rss()
import resource as _r
hwm_before = _r.getrusage(_r.RUSAGE_SELF).ru_maxrss * 1024
peak, stop = [base], [False]
def sample():
    while not stop[0]:
        peak[0] = max(peak[0], rss())
        time.sleep(0.002)
th = threading.Thread(target=sample)
th.start()
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    out = model(x)[-1]
out.sum().backward()
stop[0] = True
th.join()
peak[0] = max(peak[0], rss())
# the kernel's high-water mark: exact, where the 2 ms sampler can miss a short peak
import resource
hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(dict(saved_mb=saved[0] / 2**20, step_peak_rss_growth_mb=(peak[0] - base) / 2**20,
                      step_hwm_growth_mb=(max(hwm, peak[0]) - base) / 2**20,
                      hwm_before_step_mb=hwm_before / 2**20, base_mb=base / 2**20)))
'''


def training_memory(batch: int, size: int, repeats: int) -> List[dict]:
    impls = ('static', 'function', 'loop', 'stack')
    runs = {impl: [] for impl in impls}
    for _ in range(repeats):  # interleaved, each in a fresh process
        for impl in impls:
            code = _MEMORY_CHILD.format(root=REPO_ROOT, impl=impl, batch=batch, size=size)
            proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                                  check=True, cwd=REPO_ROOT)
            runs[impl].append(json.loads(proc.stdout.splitlines()[-1]))
    rows = []
    for impl in impls:
        row = dict(impl=impl, batch=batch, size=size, repeats=repeats,
                   saved_mb=statistics.median(r['saved_mb'] for r in runs[impl]),
                   step_peak_rss_growth_mb=statistics.median(
                       r['step_peak_rss_growth_mb'] for r in runs[impl]),
                   step_peak_rss_growth_all_mb=[r['step_peak_rss_growth_mb'] for r in runs[impl]])
        # glibc's default malloc makes the peak bimodal from run to run (about 300 MB apart
        # for the DG network at batch 8); the minimum is the reproducible figure
        row['step_peak_rss_growth_min_mb'] = min(row['step_peak_rss_growth_all_mb'])
        # the kernel's high-water mark (ru_maxrss) agrees with the sampled peak when the
        # sampler caught it
        row['step_hwm_growth_all_mb'] = [r['step_hwm_growth_mb'] for r in runs[impl]]
        rows.append(row)
        print(f"memory {impl:9s} saved for backward {row['saved_mb']:8.1f} MB   peak RSS growth "
              f"in the step {row['step_peak_rss_growth_mb']:8.1f} MB (median of {repeats})",
              flush=True)
    ref = next(r for r in rows if r['impl'] == 'function')
    for r in rows:
        r['saved_ratio_vs_function'] = r['saved_mb'] / ref['saved_mb']
        r['peak_ratio_vs_function'] = (r['step_peak_rss_growth_mb'] /
                                       ref['step_peak_rss_growth_mb'])
        r['min_peak_ratio_vs_function'] = (r['step_peak_rss_growth_min_mb'] /
                                           ref['step_peak_rss_growth_min_mb'])
    return rows


def _val_curve(work_dir: str) -> List[float]:
    """Val top-1 per epoch of the newest run in ``work_dir``."""
    path = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))[-1]
    with open(path) as f:
        return [json.loads(line)['accuracy/top1'] for line in f if '"accuracy/top1"' in line]


def digits_runs(seeds: int, epochs: int, work_root: str) -> Dict[str, dict]:
    from tools.data import ensure
    ensure('digits')
    results = {}
    for label, cfg in (('static ResNet-18', STATIC_CFG), ('DG-ResNet-18', DG_CFG)):
        results[label] = dict(config=cfg, curves=[], final=[], seconds=[])
    for seed in range(seeds):  # interleave the two configs seed by seed
        for label, res in results.items():
            work = osp.join(work_root, f"{'dg' if 'DG' in label else 'static'}_seed{seed}")
            shutil.rmtree(work, ignore_errors=True)
            t0 = time.time()
            subprocess.run([sys.executable, 'tools/train.py', res['config'], '--work-dir', work,
                            '--cfg-options', f'randomness.seed={seed}',
                            f'train_cfg.max_epochs={epochs}'],
                           cwd=REPO_ROOT, check=True, capture_output=True)
            res['seconds'].append(time.time() - t0)
            curve = _val_curve(work)
            res['curves'].append(curve)
            res['final'].append(curve[-1])
            print(f'digits {label:17s} seed {seed}: top-1 {curve[-1]:.2f} % '
                  f'({res["seconds"][-1]:.0f} s)', flush=True)
    for res in results.values():
        res['mean'] = statistics.mean(res['final'])
        res['std'] = statistics.stdev(res['final']) if len(res['final']) > 1 else 0.0
    return results


def plot(results: Dict[str, dict], out_dir: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for (label, res), color in zip(results.items(), ('tab:blue', 'tab:red')):
        for k, curve in enumerate(res['curves']):
            ax.plot(range(1, len(curve) + 1), curve, color=color, alpha=0.7,
                    label=label if k == 0 else None)
    ax.set_xlabel('epoch')
    ax.set_ylabel('val top-1 (%)')
    ax.set_title('digits: static vs DG ResNet-18 (1/4 width), every seed')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'dgnet_digits.png'), dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='5/2 rounds, memory at batch 2 / 112 px, 1 seed of 3 epochs')
    parser.add_argument('--rounds', type=int, default=40, help='latency rounds at batch 1')
    parser.add_argument('--repeats', type=int, default=3,
                        help='processes per (allocator) column at batch 1 (run-to-run spread)')
    parser.add_argument('--rounds-b32', type=int, default=5, help='latency rounds at batch 32')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['latency', 'compile', 'profile', 'flops', 'memory', 'digits'],
                        help='parts to skip; their numbers are kept from the existing JSON')
    parser.add_argument('--out', default=osp.join(REPO_ROOT, 'projects', 'dgnet', 'benchmark'))
    parser.add_argument('--work-root', default=osp.join(REPO_ROOT, 'work_dirs', 'dgnet_bench'))
    parser.add_argument('--latency-child', nargs=3, metavar=('ALLOCATOR', 'BATCH', 'ROUNDS'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--profile-child', metavar='ALLOCATOR', help=argparse.SUPPRESS)
    parser.add_argument('--compiled-child', nargs=2, metavar=('ALLOCATOR', 'ROUNDS'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latency_child:
        allocator, batch, rounds = args.latency_child
        return latency_child(allocator, int(batch), int(rounds))
    if args.profile_child:
        return profile_child(args.profile_child)
    if args.compiled_child:
        return compiled_child(args.compiled_child[0], int(args.compiled_child[1]))
    if args.quick:
        args.rounds, args.rounds_b32, args.seeds, args.epochs = 5, 2, 1, 3
        args.repeats = 1
    os.makedirs(args.out, exist_ok=True)
    path = osp.join(args.out, 'dgnet_bench.json' if not args.quick else 'dgnet_bench_quick.json')
    report = {}
    if osp.isfile(path):  # parts skipped in this run keep their earlier numbers
        with open(path) as f:
            report = json.load(f)
        if 'latency_flops' in report:  # the earlier layout: keep what this run does not redo
            old = report.pop('latency_flops')
            report['started'] = {k: report['started'] for k in ('memory', 'digits')}
            report.pop('seconds', None)
            report.pop('threads', None)
            del old
    started = time.strftime('%Y-%m-%d %H:%M:%S')
    report.update(torch=torch.__version__, threads_latency=1, quick=args.quick)
    report.setdefault('started', {})
    t0 = time.time()
    if 'flops' not in args.skip:
        report['flops'] = flops_rows()
        report['started']['flops'] = started
    if 'latency' not in args.skip:
        rows = latency({1: args.rounds, 32: args.rounds_b32}, {1: args.repeats})
        report['latency'] = rows
        # DG/static, process CPU time and wall clock: median, min and max over the repeats
        report['latency_ratio'] = latency_summary(rows)
        for key, cell in report['latency_ratio'].items():
            print(f"{key:45s} CPU time x{cell['cpu_time']:.3f} "
                  f"[{cell['cpu_time_min']:.3f}, {cell['cpu_time_max']:.3f}] over "
                  f"{cell['repeats']} process(es)", flush=True)
        report['started']['latency'] = started
    if 'compile' not in args.skip:
        allocator = 'tcmalloc' if 'tcmalloc' in ALLOCATORS else 'glibc-tuned'
        report['compiled_batch1'] = _run_child(['--compiled-child', allocator,
                                                str(args.rounds)])
        for r in report['compiled_batch1']:
            print(f"torch.compile batch 1 {r['network']:15s} {r['static_cpu_ms']:.2f} -> "
                  f"{r['dg_cpu_ms']:.2f} ms (x{r['cpu_time_ratio']:.3f}); compile "
                  f"{r['static_compile_s']:.0f} s / {r['dg_compile_s']:.0f} s; graph breaks "
                  f"{r['static_graph_breaks']} / {r['dg_graph_breaks']}", flush=True)
        report['started']['compile'] = started
    if 'profile' not in args.skip:
        report['profile_batch1'] = {a: _run_child(['--profile-child', a]) for a in ALLOCATORS}
        report['started']['profile'] = started
    if 'memory' not in args.skip:
        batch, size = (2, 112) if args.quick else (8, 224)
        report['training_memory'] = training_memory(batch, size, 1 if args.quick else 5)
        report['started']['memory'] = started
    if 'digits' not in args.skip:
        results = digits_runs(args.seeds, args.epochs, args.work_root)
        work = osp.join(args.work_root, 'dg_seed0')
        with open(osp.join(work, 'last_checkpoint')) as f:
            adjacency = mean_adjacency(osp.join(REPO_ROOT, DG_CFG), f.read().strip())
        plot_adjacency(adjacency, osp.join(args.out, 'dgnet_adjacency.png'),
                       'DG-ResNet-18 on digits val: mean per-sample adjacency')
        report['digits'] = {k: {kk: vv for kk, vv in v.items()} for k, v in results.items()}
        report['digits_ratio_dg_over_static'] = (results['DG-ResNet-18']['mean'] /
                                                 results['static ResNet-18']['mean'])
        report['mean_adjacency_dg_seed0'] = adjacency
        plot(results, args.out)
        report['started']['digits'] = started
        for label, res in results.items():
            print(f"digits {label:17s} top-1 {res['mean']:.2f} ± {res['std']:.2f} % "
                  f"over {len(res['final'])} seed(s)")
    report['seconds_last_run'] = time.time() - t0
    with open(path, 'w') as f:
        json.dump(report, f, indent=1)
    print(f'wrote {path} ({report["seconds_last_run"]:.0f} s)')


if __name__ == '__main__':
    main()
