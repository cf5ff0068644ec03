"""AdaRem against SGD and Adam: optimizer step time on ResNet-50, and training on `digits`.

Everything is measured in this run, side by side:

1. **Step time.** One optimizer step over the parameter set of torchvision's ResNet-50 (25.6M
   parameters, 161 tensors, real shapes) with fixed random gradients, for SGD-momentum
   (foreach), Adam (foreach), Adam (fused), AdaRem (default compiled path) and AdaRem
   (reference loop). The optimizers are interleaved round by round after a warm-up (which
   includes AdaRem's one-time compile, reported separately); medians and ratios are printed.
2. **Training on digits.** The tiny ResNet-18 of configs/baselines/ on the embedded `digits`
   data, same model, data order, augmentation, schedule (1 warm-up epoch + cosine), batch and
   seeds for every optimizer (SGD without and with momentum, Adam, AdamW, AdaRem).
   Reported: final val top-1 (mean ± std over seeds), epochs to
   reach 95 %, and the oscillation measure of the spec: the share of coordinates whose update
   changes sign between consecutive steps (mean over all steps).

Writes ``<out>/adarem_bench.json`` and ``<out>/adarem_curves.png``.

Usage::

    python benchmarks/adarem_bench.py            # full run (~8 minutes on 2 cores)
    python benchmarks/adarem_bench.py --quick    # 1 seed, 3 epochs, fewer timing rounds
    python benchmarks/adarem_bench.py --sweep    # the one-time learning-rate sweep (seed 0)
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import projects  # noqa: E402,F401
from projects.adarem import AdaRem  # noqa: E402

TINY_CFG = osp.join(REPO_ROOT, 'configs/baselines/resnet18-tiny_1xb64-10e_digits.py')

#: Learning rates tuned once with ``--sweep`` (seed 0, 10 epochs): the best final val top-1,
#: the smallest lr on a tie. The sweep is in projects/adarem/benchmark/adarem_sweep.json.
LRS = {'SGD': 3.2, 'SGD-momentum': 0.2, 'Adam': 3e-3, 'AdamW': 3e-3, 'AdaRem': 0.8}
SWEEP = {'SGD': [0.4, 0.8, 1.6, 3.2, 6.4], 'SGD-momentum': [0.05, 0.1, 0.2],
         'Adam': [1e-3, 3e-3], 'AdamW': [1e-3, 3e-3],
         'AdaRem': [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4]}


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """The compared optimizers; weight decay as in the tiny configs (5e-4, AdamW 0.05).

    Plain SGD (no momentum) is AdaRem with the multiplier fixed to 1 (``lam=0``): the
    comparison the paper's oscillation claim is about.
    """
    if name == 'SGD':
        return torch.optim.SGD(params, lr=lr, momentum=0.0, weight_decay=5e-4)
    if name == 'SGD-momentum':
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)
    if name == 'Adam':
        return torch.optim.Adam(params, lr=lr, weight_decay=5e-4)
    if name == 'AdamW':
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.05)
    if name == 'AdaRem':
        return AdaRem(params, lr=lr, weight_decay=5e-4)
    raise KeyError(name)


# --------------------------------------------------------------------------- step time
def step_time(rounds: int) -> Dict[str, object]:
    import torchvision
    shapes = [p.shape for p in torchvision.models.resnet50().parameters()]
    gen = torch.Generator().manual_seed(0)
    grads = [torch.randn(s, generator=gen) * 1e-3 for s in shapes]

    def fresh_params():
        ps = [torch.nn.Parameter(torch.randn(s, generator=gen)) for s in shapes]
        for p, g in zip(ps, grads):
            p.grad = g.clone()
        return ps

    makers: Dict[str, Callable] = {
        'SGD-momentum (foreach)': lambda ps: torch.optim.SGD(
            ps, lr=0.1, momentum=0.9, foreach=True),
        'Adam (foreach)': lambda ps: torch.optim.Adam(ps, lr=1e-3, foreach=True),
        'Adam (fused)': lambda ps: torch.optim.Adam(ps, lr=1e-3, fused=True),
        'AdaRem (default, compiled)': lambda ps: AdaRem(ps, lr=0.1),
        'AdaRem (reference loop)': lambda ps: AdaRem(ps, lr=0.1, impl='reference'),
    }
    opts = {name: make(fresh_params()) for name, make in makers.items()}
    warmup = {}
    for name, opt in opts.items():
        start = time.perf_counter()
        opt.step()
        warmup[name] = time.perf_counter() - start
        for _ in range(2):
            opt.step()
    times: Dict[str, List[float]] = {name: [] for name in opts}
    for _ in range(rounds):
        for name, opt in opts.items():
            start = time.perf_counter()
            opt.step()
            times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    return dict(num_params=sum(int(np.prod(s)) for s in shapes), num_tensors=len(shapes),
                rounds=rounds, median_ms=med, first_step_s=warmup,
                ratio_to_adam_fused={n: med[n] / med['Adam (fused)'] for n in med},
                ratio_to_adam_foreach={n: med[n] / med['Adam (foreach)'] for n in med})


# --------------------------------------------------------------------------- training
def load_digits() -> Dict[str, torch.Tensor]:
    from tools.data import ensure
    root = ensure('digits')
    out = {}
    for split in ('train', 'val'):
        paths = sorted(glob.glob(osp.join(root, split, '*', '*.png')))
        imgs = np.stack([cv2.imread(p)[:, :, ::-1] for p in paths]).astype(np.float32)
        out[split + '_x'] = (torch.from_numpy(imgs).permute(0, 3, 1, 2) - 79.4) / 90.8
        out[split + '_y'] = torch.tensor([int(osp.basename(osp.dirname(p))) for p in paths])
    return out


def build_model(seed: int) -> torch.nn.Module:
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmengine.registry import MODELS, init_default_scope
    MMLogger.get_instance('adarem_bench', log_level='WARNING')  # quiet init_weights
    init_default_scope('mmpretrain')
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(TINY_CFG).model)
    model.init_weights()
    return model


def random_crop(x: torch.Tensor, gen: torch.Generator, pad: int = 2) -> torch.Tensor:
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    n, _, h, w = x.shape
    dx = torch.randint(0, 2 * pad + 1, (n, ), generator=gen)
    dy = torch.randint(0, 2 * pad + 1, (n, ), generator=gen)
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def train_run(data, name: str, lr: float, seed: int, epochs: int,
              batch: int = 64) -> Dict[str, object]:
    model = build_model(seed)
    opt = make_optimizer(name, model.parameters(), lr)
    params = [p for p in model.parameters()]
    n = len(data['train_y'])
    iters_per_epoch = (n + batch - 1) // batch
    total = epochs * iters_per_epoch
    gen = torch.Generator().manual_seed(seed)

    def lr_at(it: int) -> float:  # linear warm-up for one epoch, then cosine to 0
        if it < iters_per_epoch:
            return lr * (0.1 + 0.9 * it / iters_per_epoch)
        t = (it - iters_per_epoch) / max(1, total - iters_per_epoch)
        return lr * 0.5 * (1 + np.cos(np.pi * t))

    prev_update = None
    flips, losses, val_acc, epoch_loss = [], [], [], []
    it = 0
    start = time.time()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=gen)
        running = []
        for b in range(iters_per_epoch):
            idx = order[b * batch:(b + 1) * batch]
            x = random_crop(data['train_x'][idx], gen)
            for group in opt.param_groups:
                group['lr'] = lr_at(it)
            logits = model.head(model.extract_feat(x))
            loss = torch.nn.functional.cross_entropy(logits, data['train_y'][idx])
            opt.zero_grad()
            loss.backward()
            before = torch.cat([p.detach().flatten() for p in params])
            opt.step()
            update = torch.cat([p.detach().flatten() for p in params]) - before
            if prev_update is not None:
                both = (update != 0) & (prev_update != 0)
                flips.append(((update.sign() != prev_update.sign()) & both).sum().item() /
                             max(1, both.sum().item()))
            prev_update = update
            running.append(loss.item())
            it += 1
        epoch_loss.append(float(np.mean(running)))
        losses += running
        model.eval()
        with torch.no_grad():
            pred = model.head(model.extract_feat(data['val_x'])).argmax(1)
        val_acc.append(100.0 * (pred == data['val_y']).float().mean().item())
    reach = next((e + 1 for e, a in enumerate(val_acc) if a >= 95.0), None)
    return dict(optimizer=name, lr=lr, seed=seed, val_acc=val_acc, epoch_loss=epoch_loss,
                final_acc=val_acc[-1], epochs_to_95=reach, oscillation=float(np.mean(flips)),
                seconds=time.time() - start)


def summarize(runs: List[dict]) -> List[dict]:
    rows = []
    for name in LRS:
        rs = [r for r in runs if r['optimizer'] == name]
        if not rs:
            continue
        accs = [r['final_acc'] for r in rs]
        reach = [r['epochs_to_95'] for r in rs]
        osc = [r['oscillation'] for r in rs]
        rows.append(dict(
            optimizer=name, lr=rs[0]['lr'], seeds=len(rs), acc_mean=float(np.mean(accs)),
            acc_std=float(np.std(accs)), epochs_to_95=reach,
            oscillation_mean=float(np.mean(osc)), oscillation_std=float(np.std(osc)),
            seconds_per_run=float(np.mean([r['seconds'] for r in rs]))))
    return rows


def plot(runs: List[dict], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name in LRS:
        rs = [r for r in runs if r['optimizer'] == name]
        if not rs:
            continue
        for ax, key in zip(axes, ('val_acc', 'epoch_loss')):
            arr = np.array([r[key] for r in rs])
            x = np.arange(1, arr.shape[1] + 1)
            ax.plot(x, arr.mean(0), label=f"{name} (lr {rs[0]['lr']:g})")
            ax.fill_between(x, arr.min(0), arr.max(0), alpha=0.2)
    axes[0].set(xlabel='epoch', ylabel='val top-1 (%)', title='digits: val accuracy',
                ylim=(50, 100))
    axes[1].set(xlabel='epoch', ylabel='train loss', title='digits: train loss (epoch mean)',
                yscale='log')
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='1 seed, 3 epochs, 10 rounds')
    parser.add_argument('--sweep', action='store_true', help='the one-time lr sweep (seed 0)')
    parser.add_argument('--only', nargs='+', choices=sorted(LRS),
                        help='with --sweep: sweep only these optimizers')
    parser.add_argument('--lrs', type=float, nargs='+', help='with --sweep: these lrs only')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=30, help='timed steps per optimizer')
    parser.add_argument('--out', default=osp.join(REPO_ROOT, 'projects', 'adarem', 'benchmark'))
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.epochs, args.rounds = 1, 3, 10
    os.makedirs(args.out, exist_ok=True)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads', flush=True)
    data = load_digits()

    if args.sweep:
        results = []
        for name, lrs in SWEEP.items():
            if args.only and name not in args.only:
                continue
            for lr in args.lrs or lrs:
                r = train_run(data, name, lr, 0, args.epochs)
                print(f"sweep {name:13s} lr {lr:<7g} final top-1 {r['final_acc']:.2f}",
                      flush=True)
                results.append(r)
        tag = '-'.join(args.only) if args.only else 'all'
        with open(osp.join(args.out, f'adarem_sweep_{tag}.json'), 'w') as f:
            json.dump(results, f, indent=1)
        return

    timing = step_time(args.rounds)
    print(f"\nOptimizer step on ResNet-50's parameters ({timing['num_params'] / 1e6:.1f}M, "
          f"{timing['num_tensors']} tensors), median of {args.rounds} interleaved rounds:")
    print("| optimizer | ms/step | x Adam fused | x Adam foreach | first step (s) |")
    print('|---|---|---|---|---|')
    for name, ms in timing['median_ms'].items():
        print(f"| {name} | {ms:.1f} | {timing['ratio_to_adam_fused'][name]:.2f} | "
              f"{timing['ratio_to_adam_foreach'][name]:.2f} | "
              f"{timing['first_step_s'][name]:.2f} |", flush=True)

    runs = []
    for seed in range(args.seeds):
        for name, lr in LRS.items():
            r = train_run(data, name, lr, seed, args.epochs)
            print(f"train {name:13s} seed {seed}: top-1 {r['final_acc']:.2f}, "
                  f"oscillation {r['oscillation']:.3f}, {r['seconds']:.0f} s", flush=True)
            runs.append(r)
    rows = summarize(runs)
    print(f"\nTraining on digits ({args.epochs} epochs, batch 64, {args.seeds} seeds; "
          'learning rates tuned once with --sweep):')
    print('| optimizer | lr | val top-1 (%) | epochs to 95 % (per seed) | '
          'update sign flips (share) | s/run |')
    print('|---|---|---|---|---|---|')
    sgd_osc = next(r['oscillation_mean'] for r in rows if r['optimizer'] == 'SGD')
    for r in rows:
        reach = ', '.join('-' if e is None else str(e) for e in r['epochs_to_95'])
        print(f"| {r['optimizer']} | {r['lr']:g} | {r['acc_mean']:.2f} ± {r['acc_std']:.2f} | "
              f"{reach} | {r['oscillation_mean']:.3f} ± {r['oscillation_std']:.3f} "
              f"(x{r['oscillation_mean'] / sgd_osc:.2f} SGD) | {r['seconds_per_run']:.0f} |")
    with open(osp.join(args.out, 'adarem_bench.json'), 'w') as f:
        json.dump(dict(step_time=timing, training=rows, runs=runs,
                       settings=dict(epochs=args.epochs, seeds=args.seeds, lrs=LRS,
                                     torch=torch.__version__,
                                     threads=torch.get_num_threads())), f, indent=1)
    plot(runs, osp.join(args.out, 'adarem_curves.png'))
    print(f"\nwrote {osp.join(args.out, 'adarem_bench.json')} and adarem_curves.png")


if __name__ == '__main__':
    main()
