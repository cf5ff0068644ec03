"""AdaRem against SGD and Adam: step time, `lam ** t` at the configs' scale, digits training.

Everything is measured in this run, and every number the README quotes is a field of the JSON
this script writes (``projects/adarem/benchmark/adarem_bench.json``; plot ``adarem_curves.png``):

1. ``step_time``: one optimizer step on the parameters of the ResNet-50 of
   ``configs/adarem/resnet50_8xb32-adarem_in1k.py`` (fixed random gradients), with two
   groupings: the one mmengine builds from that config's ``paramwise_cfg`` (one group per
   parameter) and a single group. SGD-momentum (foreach), Adam (foreach), Adam (fused), AdaRem
   (default compiled path) and AdaRem (reference loop), each built through mmengine's
   ``build_optim_wrapper`` with the same ``paramwise_cfg``. All ten are interleaved round by
   round after a warm-up (AdaRem's one-time compile is reported separately); medians and
   ratios to Adam (fused) of the same grouping.
2. ``lam_decay``: what ``lam ** t`` means in every AdaRem config: iterations per epoch (batch
   x GPUs of the config name, the data set size), ``lam ** t`` after the first epoch and at the
   end of training, per iteration and per epoch.
3. ``lr_search``: the tiny ResNet-18 of configs/baselines/ on the embedded `digits` data, same
   model, data order, augmentation, schedule (1 warm-up epoch + cosine) and batch for every
   optimizer (SGD, SGD-momentum, Adam, AdamW, AdaRem). Every optimizer gets the same budget: a
   3-point grid (factor 2) around a start value, on tuning seed ``TUNE_SEED`` (not a reported
   seed); a grid whose best value (final val top-1, then lower val loss) is at an edge is
   widened on that side, and then every grid is padded to the size of the largest, until all
   best values are strictly inside equally large grids.
4. ``training``: each optimizer at its selected lr on the reported seeds: final val top-1,
   epochs to 95 %, final train loss and the oscillation measure (the share of coordinates whose
   update changes sign between consecutive steps).
5. ``equal_lr``: the spec's oscillation check, AdaRem against plain SGD at the same lr: on
   digits at both optimizers' selected lrs (reported seeds), and on an ill-conditioned 2-D
   quadratic.

Usage::

    python benchmarks/adarem_bench.py            # full run (about 20 minutes on a busy 2-core CPU)
    python benchmarks/adarem_bench.py --quick    # 1 seed, 2 epochs, 5 timing rounds
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import re
import statistics
import sys
import time
from typing import Callable, Dict, List, Tuple

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import projects  # noqa: E402,F401
from projects.adarem import AdaRem  # noqa: E402

TINY_CFG = osp.join(REPO_ROOT, 'configs/baselines/resnet18-tiny_1xb64-10e_digits.py')
R50_CFG = osp.join(REPO_ROOT, 'configs/adarem/resnet50_8xb32-adarem_in1k.py')
OPTIMIZERS = ('SGD', 'SGD-momentum', 'Adam', 'AdamW', 'AdaRem')
#: Centre of each optimizer's starting grid (then factor 2 either side).
START = {'SGD': 1.6, 'SGD-momentum': 0.2, 'Adam': 2e-3, 'AdamW': 2e-3, 'AdaRem': 0.8}
TUNE_SEED = 100
#: Training images per data set (ImageNet-1k train; CIFAR-10 train; digits: counted).
DATASET_SIZES = {'in1k': 1281167, 'cifar10': 50000}


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """The compared optimizers; weight decay as in the tiny configs (5e-4, AdamW 0.05)."""
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
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS, DefaultScope, init_default_scope
    cfg = Config.fromfile(R50_CFG)
    init_default_scope('mmpretrain')
    paramwise_cfg = cfg.optim_wrapper.paramwise_cfg.to_dict()
    optimizers = {
        'SGD-momentum (foreach)': dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4,
                                       foreach=True),
        'Adam (foreach)': dict(type='Adam', lr=1e-3, weight_decay=1e-4, foreach=True),
        'Adam (fused)': dict(type='Adam', lr=1e-3, weight_decay=1e-4, fused=True),
        'AdaRem (default)': dict(type='AdaRem', lr=0.1, weight_decay=1e-4),
        'AdaRem (reference loop)': dict(type='AdaRem', lr=0.1, weight_decay=1e-4,
                                        impl='reference'),
    }
    gen = torch.Generator().manual_seed(0)
    opts, groups = {}, {}
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        for grouping, pw in (('config paramwise_cfg', paramwise_cfg), ('one group', None)):
            for name, opt_cfg in optimizers.items():
                torch.manual_seed(0)
                model = MODELS.build(cfg.model)
                for p in model.parameters():
                    p.grad = torch.randn(p.shape, generator=gen) * 1e-3
                wrapper_cfg = dict(optimizer=opt_cfg)
                if pw is not None:
                    wrapper_cfg['paramwise_cfg'] = pw
                opt = build_optim_wrapper(model, wrapper_cfg).optimizer
                opts[(grouping, name)] = opt
                groups[grouping] = len(opt.param_groups)
    first = {}
    for key, opt in opts.items():
        start = time.perf_counter()
        opt.step()
        first[key] = time.perf_counter() - start
        for _ in range(2):
            opt.step()
    times: Dict[tuple, List[float]] = {key: [] for key in opts}
    for _ in range(rounds):
        for key, opt in opts.items():
            start = time.perf_counter()
            opt.step()
            times[key].append(time.perf_counter() - start)
    params = list(next(iter(opts.values())).param_groups)
    num_tensors = sum(len(g['params']) for g in params)
    num_params = sum(p.numel() for g in params for p in g['params'])
    out = dict(num_params=num_params, num_tensors=num_tensors, rounds=rounds,
               threads=torch.get_num_threads(), groupings={})
    for grouping in groups:
        med = {n: statistics.median(times[(grouping, n)]) * 1e3 for n in optimizers}
        out['groupings'][grouping] = dict(
            param_groups=groups[grouping], median_ms=med,
            first_step_s={n: first[(grouping, n)] for n in optimizers},
            ratio_to_adam_fused={n: med[n] / med['Adam (fused)'] for n in med},
            ratio_to_adam_foreach={n: med[n] / med['Adam (foreach)'] for n in med})
    return out


# --------------------------------------------------------------------------- lam ** t
def lam_decay() -> List[dict]:
    """``lam ** t`` in every AdaRem config, from the configs themselves."""
    from mmengine.config import Config
    rows = []
    for path in sorted(glob.glob(osp.join(REPO_ROOT, 'configs/adarem/*adarem*.py'))):
        cfg = Config.fromfile(path, import_custom_modules=False)
        opt = cfg.optim_wrapper.optimizer
        name = osp.basename(path)
        gpus = int(re.search(r'_(\d+)xb(\d+)', name).group(1))
        batch = cfg.train_dataloader.batch_size
        data = name.rsplit('_', 1)[1][:-3]
        if data == 'digits':
            size = len(glob.glob(osp.join(_digits_root(), 'train', '*', '*.png')))
        else:
            size = DATASET_SIZES[data]
        per_gpu = math.ceil(size / gpus)  # DefaultSampler pads every rank to the same size
        iters_per_epoch = math.ceil(per_gpu / batch)
        if cfg.train_dataloader.get('drop_last', False):
            iters_per_epoch = per_gpu // batch
        epochs = cfg.train_cfg.max_epochs
        lam = opt.get('lam', 0.999)
        unit = opt.get('decay_unit', 'iter')
        if unit == 'epoch':
            assert opt.iters_per_epoch == iters_per_epoch, (name, opt.iters_per_epoch)

        def lam_t(iters: int) -> float:
            t = iters if unit == 'iter' else iters // iters_per_epoch
            return math.pow(lam, t)

        per_iter_1pct = math.ceil(math.log(0.01) / math.log(lam))
        rows.append(dict(
            config=name, lam=lam, decay_unit=unit, gpus=gpus, batch_per_gpu=batch,
            train_images=size, iters_per_epoch=iters_per_epoch, max_epochs=epochs,
            total_iters=iters_per_epoch * epochs,
            lam_t_after_epoch_1=lam_t(iters_per_epoch),
            lam_t_after_epoch_10=lam_t(10 * iters_per_epoch),
            lam_t_at_end=lam_t(iters_per_epoch * epochs),
            steps_to_1pct=per_iter_1pct if unit == 'iter' else per_iter_1pct * iters_per_epoch,
            epochs_to_1pct=(per_iter_1pct / iters_per_epoch if unit == 'iter'
                            else per_iter_1pct)))
    return rows


# --------------------------------------------------------------------------- training
def _digits_root() -> str:
    from tools.data import ensure
    return ensure('digits')


def load_digits() -> Dict[str, torch.Tensor]:
    root = _digits_root()
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
    """One training run; the seed fixes the initialisation, data order and augmentation."""
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
    flips, val_acc, val_loss, epoch_loss = [], [], [], []
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
        model.eval()
        with torch.no_grad():
            logits = model.head(model.extract_feat(data['val_x']))
        val_acc.append(100.0 * (logits.argmax(1) == data['val_y']).float().mean().item())
        val_loss.append(torch.nn.functional.cross_entropy(logits, data['val_y']).item())
    reach = next((e + 1 for e, a in enumerate(val_acc) if a >= 95.0), None)
    finite = bool(np.isfinite(epoch_loss[-1]))
    return dict(optimizer=name, lr=lr, seed=seed, val_acc=val_acc, val_loss=val_loss,
                epoch_loss=epoch_loss, final_acc=val_acc[-1],
                final_val_loss=val_loss[-1] if finite else float('inf'),
                final_train_loss=epoch_loss[-1], epochs_to_95=reach,
                oscillation=float(np.mean(flips)), seconds=time.time() - start)


def _score(run: dict) -> Tuple[float, float]:
    """Higher is better: final val top-1, then lower final val loss."""
    acc = run['final_acc'] if np.isfinite(run['final_val_loss']) else -1.0
    return acc, -run['final_val_loss']


def lr_search(data, epochs: int, points: int, log: Callable) -> Dict[str, object]:
    """Equal-budget grids (factor 2) with every best value strictly inside its grid."""
    runs: Dict[str, Dict[float, dict]] = {name: {} for name in OPTIMIZERS}

    def evaluate(name: str, lr: float) -> None:
        lr = float(f'{lr:.6g}')
        if lr not in runs[name]:
            runs[name][lr] = train_run(data, name, lr, TUNE_SEED, epochs)
            r = runs[name][lr]
            log(f"search {name:13s} lr {lr:<8g} top-1 {r['final_acc']:6.2f} "
                f"val loss {r['final_val_loss']:.4f} ({r['seconds']:.0f} s)")

    def best(name: str) -> float:
        return max(runs[name], key=lambda lr: _score(runs[name][lr]))

    half = points // 2
    for name in OPTIMIZERS:
        for k in range(-half, points - half):
            evaluate(name, START[name] * 2.0**k)
    pad_side = {name: 1 for name in OPTIMIZERS}
    while True:
        changed = False
        for name in OPTIMIZERS:  # widen on the side of an edge best
            lrs = sorted(runs[name])
            b = best(name)
            if b == lrs[0]:
                evaluate(name, lrs[0] / 2)
                changed = True
            elif b == lrs[-1]:
                evaluate(name, lrs[-1] * 2)
                changed = True
        size = max(len(r) for r in runs.values())
        for name in OPTIMIZERS:  # equal budget: pad smaller grids, alternating sides
            while len(runs[name]) < size:
                lrs = sorted(runs[name])
                evaluate(name, lrs[-1] * 2 if pad_side[name] > 0 else lrs[0] / 2)
                pad_side[name] *= -1
                changed = True
        if not changed:
            break
    out = {}
    for name in OPTIMIZERS:
        lrs = sorted(runs[name])
        out[name] = dict(grid=lrs, selected_lr=best(name), evaluations=len(lrs),
                         final_acc=[runs[name][lr]['final_acc'] for lr in lrs],
                         final_val_loss=[runs[name][lr]['final_val_loss'] for lr in lrs])
        assert lrs[0] < out[name]['selected_lr'] < lrs[-1]
    return dict(seed=TUNE_SEED, epochs=epochs, start=START, points=points, optimizers=out)


def summarize(runs: List[dict]) -> List[dict]:
    rows = []
    for name in OPTIMIZERS:
        rs = [r for r in runs if r['optimizer'] == name]
        accs = [r['final_acc'] for r in rs]
        osc = [r['oscillation'] for r in rs]
        rows.append(dict(
            optimizer=name, lr=rs[0]['lr'], seeds=[r['seed'] for r in rs],
            acc_mean=float(np.mean(accs)), acc_std=float(np.std(accs)),
            epochs_to_95=[r['epochs_to_95'] for r in rs],
            train_loss_mean=float(np.mean([r['final_train_loss'] for r in rs])),
            oscillation_mean=float(np.mean(osc)), oscillation_std=float(np.std(osc)),
            seconds_per_run=float(np.mean([r['seconds'] for r in rs]))))
    return rows


# --------------------------------------------------------------------------- equal lr
def quadratic(lrs=(0.01, 0.015, 0.03, 0.035), steps: int = 200) -> List[dict]:
    """f(x) = (x1^2 + 50 x2^2) / 2 from (1, 1): plain SGD and AdaRem at the same lr."""
    curvature = torch.tensor([1.0, 50.0], dtype=torch.float64)
    rows = []
    for lr in lrs:
        for name in ('SGD', 'AdaRem'):
            x = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
            opt = (torch.optim.SGD([x], lr=lr) if name == 'SGD' else
                   AdaRem([x], lr=lr, impl='reference'))
            updates = []
            for _ in range(steps):
                before = x.detach().clone()
                x.grad = curvature * x.detach()
                opt.step()
                updates.append(x.detach() - before)
            u = torch.stack(updates)
            flips = ((u[1:].sign() * u[:-1].sign()) < 0).double().sum(0)
            rows.append(dict(optimizer=name, lr=lr, steps=steps,
                             sign_flips_per_coordinate=flips.tolist(),
                             final_loss=float(0.5 * (curvature * x.detach()**2).sum())))
    return rows


def equal_lr(data, selected: Dict[str, float], seeds: List[int], epochs: int,
             done: List[dict], log: Callable) -> Dict[str, object]:
    """AdaRem and plain SGD at each of their two selected lrs (reported seeds)."""
    runs = []
    for lr in sorted({selected['SGD'], selected['AdaRem']}):
        for name in ('SGD', 'AdaRem'):
            for seed in seeds:
                r = next((d for d in done if (d['optimizer'], d['lr'], d['seed']) ==
                          (name, lr, seed)), None)
                if r is None:
                    r = train_run(data, name, lr, seed, epochs)
                    log(f"equal lr {name:7s} lr {lr:<6g} seed {seed}: top-1 "
                        f"{r['final_acc']:.2f}, oscillation {r['oscillation']:.3f}")
                runs.append(r)
    rows = []
    for lr in sorted({r['lr'] for r in runs}):
        for name in ('SGD', 'AdaRem'):
            rs = [r for r in runs if (r['optimizer'], r['lr']) == (name, lr)]
            rows.append(dict(
                optimizer=name, lr=lr, seeds=[r['seed'] for r in rs],
                oscillation_mean=float(np.mean([r['oscillation'] for r in rs])),
                oscillation_std=float(np.std([r['oscillation'] for r in rs])),
                acc_mean=float(np.mean([r['final_acc'] for r in rs])),
                acc_std=float(np.std([r['final_acc'] for r in rs])),
                train_loss_mean=float(np.mean([r['final_train_loss'] for r in rs]))))
    for row in rows:
        sgd = next(r for r in rows if r['optimizer'] == 'SGD' and r['lr'] == row['lr'])
        row['oscillation_ratio_to_sgd'] = row['oscillation_mean'] / sgd['oscillation_mean']
    return dict(digits=rows, digits_runs=[{k: v for k, v in r.items()} for r in runs
                                          if r not in done], quadratic=quadratic())


def plot(runs: List[dict], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name in OPTIMIZERS:
        rs = [r for r in runs if r['optimizer'] == name]
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


def print_tables(result: dict) -> None:
    """The README's tables, from the JSON fields."""
    st = result['step_time']
    print(f"\nOptimizer step on ResNet-50 ({st['num_params'] / 1e6:.1f}M parameters, "
          f"{st['num_tensors']} tensors), median of {st['rounds']} interleaved rounds:")
    for grouping, g in st['groupings'].items():
        print(f"\n{grouping} ({g['param_groups']} parameter groups)")
        print('| optimizer | ms / step | x Adam fused | x Adam foreach | first step (s) |')
        print('|---|---|---|---|---|')
        for name, ms in g['median_ms'].items():
            print(f"| {name} | {ms:.1f} | {g['ratio_to_adam_fused'][name]:.2f} | "
                  f"{g['ratio_to_adam_foreach'][name]:.2f} | {g['first_step_s'][name]:.2f} |")
    print('\n| config | unit | iters / epoch | epochs | lam^t after epoch 1 | after 10 | '
          'at the end | epochs to 1 % |')
    print('|---|---|---|---|---|---|---|---|')
    for r in result['lam_decay']:
        print(f"| {r['config']} | {r['decay_unit']} | {r['iters_per_epoch']} | "
              f"{r['max_epochs']} | {r['lam_t_after_epoch_1']:.3g} | "
              f"{r['lam_t_after_epoch_10']:.3g} | {r['lam_t_at_end']:.3g} | "
              f"{r['epochs_to_1pct']:.3g} |")
    if 'lr_search' in result:
        print('\n| optimizer | grid | selected lr | evaluations |')
        print('|---|---|---|---|')
        for name, s in result['lr_search']['optimizers'].items():
            print(f"| {name} | {', '.join(f'{v:g}' for v in s['grid'])} | "
                  f"{s['selected_lr']:g} | {s['evaluations']} |")
    if 'training' in result:
        print('\n| optimizer | lr | val top-1 (%) | epochs to 95 % | final train loss | '
              'update sign flips (share) |')
        print('|---|---|---|---|---|---|')
        for r in result['training']:
            reach = ', '.join('-' if e is None else str(e) for e in r['epochs_to_95'])
            print(f"| {r['optimizer']} | {r['lr']:g} | {r['acc_mean']:.2f} ± {r['acc_std']:.2f}"
                  f" | {reach} | {r['train_loss_mean']:.3f} | {r['oscillation_mean']:.3f} ± "
                  f"{r['oscillation_std']:.3f} |")
    if 'equal_lr' in result:
        print('\n| lr | optimizer | sign flips (share) | x SGD | val top-1 (%) | '
              'final train loss |')
        print('|---|---|---|---|---|---|')
        for r in result['equal_lr']['digits']:
            print(f"| {r['lr']:g} | {r['optimizer']} | {r['oscillation_mean']:.3f} ± "
                  f"{r['oscillation_std']:.3f} | {r['oscillation_ratio_to_sgd']:.2f} | "
                  f"{r['acc_mean']:.2f} ± {r['acc_std']:.2f} | {r['train_loss_mean']:.3f} |")
        print('\n| lr | optimizer | sign flips (x1, x2) | final loss |')
        print('|---|---|---|---|')
        for r in result['equal_lr']['quadratic']:
            f1, f2 = r['sign_flips_per_coordinate']
            print(f"| {r['lr']:g} | {r['optimizer']} | {f1:.0f}, {f2:.0f} | "
                  f"{r['final_loss']:.3g} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='1 seed, 2 epochs, 5 timing rounds')
    parser.add_argument('--only', choices=['step_time', 'lam_decay'],
                        help='run only this part (written to adarem_<part>.json)')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--points', type=int, default=3, help='starting grid size')
    parser.add_argument('--rounds', type=int, default=30, help='timed steps per optimizer')
    parser.add_argument('--out', default=osp.join(REPO_ROOT, 'projects', 'adarem', 'benchmark'))
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.epochs, args.rounds = 1, 2, 5
    result_settings = dict(points=args.points, rounds=args.rounds)
    os.makedirs(args.out, exist_ok=True)
    begin = time.time()

    def log(msg: str) -> None:
        print(f'[{time.time() - begin:6.0f} s] {msg}', flush=True)

    log(f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    from projects.adarem.functional import CHUNK
    result = dict(settings=dict(quick=args.quick, seeds=list(range(args.seeds)),
                                epochs=args.epochs, torch=torch.__version__,
                                threads=torch.get_num_threads(), chunk=CHUNK,
                                **result_settings))
    result['step_time'] = step_time(args.rounds)
    log('step time done')
    result['lam_decay'] = lam_decay()
    if args.only:
        result = dict(settings=result['settings'], **{args.only: result[args.only]})
        print_tables(result)
        with open(osp.join(args.out, f'adarem_{args.only}.json'), 'w') as f:
            json.dump(result, f, indent=1)
        return
    out_name = 'adarem_bench_quick' if args.quick else 'adarem_bench'

    def save() -> None:  # after every part, so that a cut run keeps what it measured
        with open(osp.join(args.out, f'{out_name}.json'), 'w') as f:
            json.dump(result, f, indent=1)

    save()
    data = load_digits()
    result['lr_search'] = lr_search(data, args.epochs, args.points, log)
    save()
    selected = {n: s['selected_lr'] for n, s in result['lr_search']['optimizers'].items()}
    runs = []
    for seed in range(args.seeds):
        for name in OPTIMIZERS:
            r = train_run(data, name, selected[name], seed, args.epochs)
            log(f"train {name:13s} lr {selected[name]:<7g} seed {seed}: top-1 "
                f"{r['final_acc']:.2f}, oscillation {r['oscillation']:.3f}")
            runs.append(r)
    result['training'] = summarize(runs)
    result['runs'] = runs
    save()
    result['equal_lr'] = equal_lr(data, selected, list(range(args.seeds)), args.epochs, runs,
                                  log)
    result['runs'] = runs
    result['settings']['seconds'] = time.time() - begin
    print_tables(result)
    save()
    plot(runs, osp.join(args.out, f'{out_name.replace("bench", "curves")}.png'))
    log(f"wrote {osp.join(args.out, out_name + '.json')}")


if __name__ == '__main__':
    main()
