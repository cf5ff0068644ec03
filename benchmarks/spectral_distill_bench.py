"""Spectral distillation on the embedded ``rate-videos``: accuracy over seeds and step time.

One process, one schedule for every student (``--epochs`` epochs of SGD-momentum, batch 16,
linear warm-up then cosine, per iteration), seeds 0..``--seeds``-1:

* ``student``: TSM-MobileNetV2 (x0.5) alone;
* ``kd``: + logits KD (tau 4, lam 1) from a frozen TSM-R18 teacher;
* ``kd_spec``: + temporal spectrum loss (last stage, alpha 1);
* ``kd_spec_param``: + DCT parameter loss (beta 0.1): every loss, offline;
* ``full_mutual``: every loss, collaborative (``mutual``: the teacher trained too, at 0.1x lr);
* ``teacher``: the TSM-R18 teacher (trained once, seed 0, for ``2 x --epochs``), the teacher
  of every distilled run.

Step time is measured first (it does not depend on the weights; the JSON is written then and
after every seed, so a cut-short run keeps what it measured). Models and losses are those of the tiny configs in configs/spectral_distill/; the clips are
decoded once by mmaction2's own pipeline (8 frames per video, so training and test sampling
coincide) and kept in memory. Step time: after training, fresh models of every variant run
``--rounds`` interleaved rounds of one ``train_step`` each after a warm-up; medians and the
ratios to ``student`` and to ``kd`` are reported. Writes
projects/spectral_distill/benchmark/spectral_distill_bench.json (+ .png)::

    flock /tmp/bench.lock python benchmarks/spectral_distill_bench.py [--quick]
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import statistics
import sys
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402,F401
import torch  # noqa: E402

OUT_DIR = osp.join(REPO_ROOT, 'projects', 'spectral_distill', 'benchmark')
DISTILL_CFG = osp.join(REPO_ROOT, 'configs', 'spectral_distill',
                       'spectral-distill_tsm-r18-to-mobilenetv2-tiny_1xb16-30e_rate-videos.py')
VARIANTS = ('student', 'kd', 'kd_spec', 'kd_spec_param', 'full_mutual')
BATCH = 16
LR = 0.05
WD = 1e-4
WARMUP_EPOCHS = 1


def load_clips(cfg):
    """All train/val clips as uint8 ``[N, 8, 3, 32, 32]`` and labels, via mmaction2's pipeline."""
    from mmaction.registry import DATASETS
    out = {}
    for split, loader in (('train', cfg.train_dataloader), ('val', cfg.val_dataloader)):
        ds_cfg = copy.deepcopy(loader.dataset.to_dict())
        ds_cfg['pipeline'] = copy.deepcopy(cfg.test_pipeline)
        ds_cfg['data_root'] = REPO_ROOT
        ds_cfg['ann_file'] = osp.join(REPO_ROOT, ds_cfg['ann_file'])
        ds_cfg['data_prefix'] = dict(video=osp.join(REPO_ROOT, ds_cfg['data_prefix']['video']))
        dataset = DATASETS.build(ds_cfg)
        items = [dataset[i] for i in range(len(dataset))]
        out[split] = (torch.stack([it['inputs'] for it in items]),
                      torch.tensor([int(it['data_samples'].gt_label) for it in items]))
    return out


def make_batch(clips, labels, idx):
    from mmaction.structures import ActionDataSample
    return dict(inputs=[clips[i] for i in idx],
                data_samples=[ActionDataSample().set_gt_label(int(labels[i])) for i in idx])


def build(variant, cfg, teacher_state):
    """Model and optim wrapper of ``variant`` (initialisation logs silenced)."""
    import logging

    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        return _build(variant, cfg, teacher_state)
    finally:
        logger.setLevel(level)


def _build(variant, cfg, teacher_state):
    from mmaction.registry import MODELS
    from mmengine.optim import build_optim_wrapper
    optim = dict(optimizer=dict(type='SGD', lr=LR, momentum=0.9, weight_decay=WD),
                 clip_grad=dict(max_norm=20, norm_type=2))
    if variant in ('student', 'teacher'):
        model = MODELS.build(copy.deepcopy(cfg.model[variant]))
        model.init_weights()
        return model, build_optim_wrapper(model, optim)
    mcfg = copy.deepcopy(cfg.model.to_dict())
    mcfg['teacher_ckpt'] = None
    if variant == 'kd':
        mcfg.update(alpha_spec=0.0, beta_param=0.0)
    elif variant == 'kd_spec':
        mcfg.update(beta_param=0.0)
    elif variant == 'full_mutual':
        mcfg.update(mode='mutual')
    model = MODELS.build(mcfg)
    model.student.init_weights()
    for adapter in model.adapters:
        if hasattr(adapter, 'conv'):
            adapter.conv.reset_parameters()
    model.teacher.load_state_dict(teacher_state)
    if variant == 'full_mutual':
        t_optim = copy.deepcopy(optim)
        t_optim['optimizer']['lr'] = LR * 0.1
        ow = build_optim_wrapper(model, dict(constructor='SpectralDistillOptimWrapperConstructor',
                                             student=dict(optim), teacher=t_optim))
    else:
        ow = build_optim_wrapper(model, dict(optim,
                                             constructor='SpectralDistillOptimWrapperConstructor'))
    return model, ow


def _wrappers(ow):
    return [ow[k] for k in ow.keys()] if hasattr(ow, 'keys') else [ow]


def set_lr(ow, factor):
    for w in _wrappers(ow):
        for group in w.optimizer.param_groups:
            group.setdefault('initial_lr', group['lr'])
            group['lr'] = group['initial_lr'] * factor


def lr_factor(it, total, warmup):
    if it < warmup:
        return 0.1 + 0.9 * it / warmup
    return 0.5 * (1 + math.cos(math.pi * (it - warmup) / max(1, total - warmup)))


def train(model, ow, data, epochs, seed):
    clips, labels = data['train']
    gen = torch.Generator().manual_seed(seed)
    iters_per_epoch = len(labels) // BATCH
    total, warmup = epochs * iters_per_epoch, WARMUP_EPOCHS * iters_per_epoch
    model.train()
    it = 0
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=gen)
        for b in range(iters_per_epoch):
            set_lr(ow, lr_factor(it, total, warmup))
            model.train_step(make_batch(clips, labels, order[b * BATCH:(b + 1) * BATCH]), ow)
            it += 1
    return model


@torch.no_grad()
def evaluate(model, data):
    clips, labels = data['val']
    model.eval()
    correct = 0
    for start in range(0, len(labels), BATCH):
        idx = list(range(start, min(len(labels), start + BATCH)))
        preds = model.test_step(make_batch(clips, labels, idx))
        correct += sum(int(p.pred_score.argmax()) == int(labels[i]) for p, i in zip(preds, idx))
    return correct / len(labels)


def time_steps(cfg, teacher_state, data, rounds, warmup=2):
    clips, labels = data['train']
    models = {}
    for v in VARIANTS:
        torch.manual_seed(0)
        models[v] = build(v, cfg, teacher_state)
        models[v][0].train()
    gen = torch.Generator().manual_seed(123)
    times = {v: [] for v in VARIANTS}
    for r in range(warmup + rounds):
        idx = torch.randperm(len(labels), generator=gen)[:BATCH]
        batch = make_batch(clips, labels, idx)
        for v in VARIANTS:
            model, ow = models[v]
            start = time.perf_counter()
            model.train_step(copy.deepcopy(batch), ow)
            if r >= warmup:
                times[v].append(time.perf_counter() - start)
    return {v: statistics.median(t) for v, t in times.items()}, times


def plot(result, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = list(VARIANTS) + ['teacher']
    means = [result['top1'][n]['mean'] * 100 for n in names]
    stds = [result['top1'][n]['std'] * 100 for n in names]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(names, means, yerr=stds, capsize=4, color=['#888'] + ['#4a7'] * 4 + ['#47a'])
    ax.set_ylabel('val top-1 (%)')
    ax.set_title(f'rate-videos, {result["epochs"]} epochs, {result["seeds_done"]} seeds')
    ax.set_ylim(max(0, min(means) - 15), 100)
    plt.xticks(rotation=20)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=6)
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--quick', action='store_true', help='1 epoch, 1 seed, 3 rounds')
    parser.add_argument('--out', default=osp.join(OUT_DIR, 'spectral_distill_bench.json'))
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.seeds, args.rounds = 1, 1, 3
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '1')))
    from mmengine.config import Config
    from mmaction.utils import register_all_modules
    from mmengine.logging import print_log
    register_all_modules()
    from tools.data import ensure
    ensure('rate-videos')
    cfg = Config.fromfile(DISTILL_CFG)
    data = load_clips(cfg)
    print_log(f'clips: train {tuple(data["train"][0].shape)}, val {tuple(data["val"][0].shape)}',
              logger='current')

    t0 = time.time()
    # step time first (independent of the weights), so a cut-short run still reports it
    torch.manual_seed(0)
    init_teacher = copy.deepcopy(build('teacher', cfg, None)[0].state_dict())
    medians, raw = time_steps(cfg, init_teacher, data, args.rounds)
    result = dict(
        data='rate-videos (tools/data/rate_videos.py v1): 192 train / 96 val clips, 6 classes',
        epochs=args.epochs, teacher_epochs=2 * args.epochs, seeds=args.seeds,
        batch_size=BATCH, lr=LR, teacher_lr_mutual=LR * 0.1,
        top1=None, seeds_done=0,
        step_time_s=medians,
        step_time_raw_s=raw,
        step_ratio_vs_student={v: medians[v] / medians['student'] for v in VARIANTS},
        step_ratio_vs_kd={v: medians[v] / medians['kd'] for v in VARIANTS},
        floor_full_offline_vs_kd_max=1.2,
        floor_met=medians['kd_spec_param'] / medians['kd'] <= 1.2,
        omp_num_threads=torch.get_num_threads(),
        quick=args.quick)
    os.makedirs(osp.dirname(args.out), exist_ok=True)

    def dump():
        result['wall_s'] = time.time() - t0
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)

    dump()
    for v in VARIANTS:
        print_log(f'{v:14s} step {medians[v]:.3f} s, x{result["step_ratio_vs_student"][v]:.2f} '
                  f'vs student, x{result["step_ratio_vs_kd"][v]:.2f} vs kd', logger='current')

    torch.manual_seed(0)
    teacher, t_ow = build('teacher', cfg, None)
    train(teacher, t_ow, data, 2 * args.epochs, seed=0)
    teacher_acc = evaluate(teacher, data)
    teacher_state = copy.deepcopy(teacher.state_dict())
    print_log(f'teacher top-1 {teacher_acc:.4f} ({time.time() - t0:.0f} s)', logger='current')

    accs = {v: [] for v in VARIANTS}
    for seed in range(args.seeds):
        for v in VARIANTS:
            t1 = time.time()
            torch.manual_seed(seed)
            model, ow = build(v, cfg, teacher_state)
            train(model, ow, data, args.epochs, seed)
            accs[v].append(evaluate(model, data))
            print_log(f'seed {seed} {v}: top-1 {accs[v][-1]:.4f} ({time.time() - t1:.0f} s)',
                      logger='current')
        top1 = {v: dict(mean=statistics.mean(a), std=statistics.stdev(a) if len(a) > 1 else 0.0,
                        runs=a) for v, a in accs.items()}
        top1['teacher'] = dict(mean=teacher_acc, std=0.0, runs=[teacher_acc])
        result.update(top1=top1, seeds_done=seed + 1)
        dump()
    plot(result, osp.splitext(args.out)[0] + '.png')
    for v in list(VARIANTS) + ['teacher']:
        print_log(f'{v:14s} top-1 {100 * top1[v]["mean"]:.1f} +- {100 * top1[v]["std"]:.1f}',
                  logger='current')
    print_log(f'wrote {args.out}', logger='current')


if __name__ == '__main__':
    main()
