"""CelebA-Spoof benchmark on the embedded ``celeba-spoof`` set (tools/data/celeba_spoof.py).

Three parts, one process, written to ``projects/celeba_spoof/benchmark/celeba_spoof_bench.json``
(+ ``celeba_spoof_bench.png``):

1. accuracy: a plain binary ResNet-18 (mmpretrain ``LinearClsHead`` on pooled features) and
   AENet_{C,S}, AENet_{C,G}, AENet_{C,S,G}, trained with the tiny config's data, backbone and
   schedule, 3 seeds, interleaved per seed; each test split scored by
   ``FaceAntiSpoofMetric`` (TPR@FPR, ACER at the EER threshold of the test set, AUC, EER);
2. latency: full-size AENet_{C,S,G} (ResNet-18, 224x224) vs the plain ResNet-18 classifier,
   batch 1 and 32, eval mode, interleaved repeats after a warm-up, medians and their ratio;
3. metric time: TPR@FPR on 1,000,000 scores, ours (:func:`tpr_at_fpr`, one sort) vs the
   official rule (one sort per FPR), interleaved, medians.

Run under the shared lock: ``flock /tmp/bench.lock python benchmarks/celeba_spoof_bench.py``
(``--quick``: 1 seed, 2 epochs, fewer repeats).
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import sys
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, osp.join(REPO_ROOT, 'tools'))
import _bootstrap  # noqa: E402,F401  (stack fixes)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmpretrain.registry import DATASETS, MODELS  # noqa: E402

import projects.celeba_spoof as CS  # noqa: E402
from tools.data import ensure  # noqa: E402

CFG = 'configs/celeba_spoof/aenet-c-s-g_r18-tiny_1xb32-10e_celeba-spoof-tiny.py'
OUT_DIR = osp.join(REPO_ROOT, 'projects', 'celeba_spoof', 'benchmark')
ARMS = {
    'resnet18_binary': None,
    'aenet_c_s': dict(with_semantic=True, with_geometric=False),
    'aenet_c_g': dict(with_semantic=False, with_geometric=True),
    'aenet_c_s_g': dict(with_semantic=True, with_geometric=True),
}


def model_cfg(cfg: Config, arm: str) -> dict:
    model = copy.deepcopy(cfg.model.to_dict())
    if ARMS[arm] is None:
        model['neck'] = dict(type='GlobalAveragePooling')
        model['head'] = dict(type='LinearClsHead', num_classes=2,
                             in_channels=model['head']['in_channels'],
                             loss=dict(type='CrossEntropyLoss', loss_weight=1.0))
    else:
        model['head'].update(ARMS[arm])
    return model


def train_and_test(cfg: Config, arm: str, seed: int, epochs: int, train_set, test_set) -> dict:
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = MODELS.build(model_cfg(cfg, arm))
    model.init_weights()
    opt_cfg = cfg.optim_wrapper.optimizer
    optim = torch.optim.SGD(model.parameters(), lr=opt_cfg.lr, momentum=opt_cfg.momentum,
                            weight_decay=opt_cfg.weight_decay)
    bs = cfg.train_dataloader.batch_size
    gen = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(train_set, batch_size=bs, shuffle=True,
                                         collate_fn=pseudo_collate, generator=gen,
                                         drop_last=False)
    total = epochs * len(loader)
    sched = torch.optim.lr_scheduler.LambdaLR(  # the config's per-iteration cosine decay
        optim, lambda it: 0.5 * (1 + np.cos(np.pi * it / total)))
    start = time.perf_counter()
    model.train()
    for _ in range(epochs):
        for batch in loader:
            data = model.data_preprocessor(batch, training=True)
            losses = model(**data, mode='loss')
            loss = sum(v for k, v in losses.items() if 'loss' in k)
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
    train_s = time.perf_counter() - start
    model.eval()
    metric = CS.FaceAntiSpoofMetric(out_dir='', aux_accuracy=False)
    with torch.no_grad():
        for batch in torch.utils.data.DataLoader(test_set, batch_size=96,
                                                 collate_fn=pseudo_collate):
            data = model.data_preprocessor(batch, training=False)
            preds = model(**data, mode='predict')
            metric.process({}, [p.to_dict() for p in preds])
    res = {k.split('/')[-1]: float(v) for k, v in metric.evaluate(len(test_set)).items()}
    res['train_seconds'] = train_s
    return res


def latency(batch: int, repeats: int) -> dict:
    torch.manual_seed(0)
    aenet = MODELS.build(dict(type='ImageClassifier',
                              backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
                              head=dict(type='AENetHead', in_channels=512))).eval()
    plain = MODELS.build(dict(type='ImageClassifier',
                              backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
                              neck=dict(type='GlobalAveragePooling'),
                              head=dict(type='LinearClsHead', num_classes=2,
                                        in_channels=512))).eval()
    x = torch.rand(batch, 3, 224, 224)
    times = {'aenet_c_s_g': [], 'resnet18_binary': []}
    with torch.no_grad():
        for _ in range(2):  # warm-up
            aenet(x, mode='tensor')
            plain(x, mode='tensor')
        for _ in range(repeats):
            for name, model in (('aenet_c_s_g', aenet), ('resnet18_binary', plain)):
                t = time.perf_counter()
                model(x, mode='tensor')
                times[name].append(time.perf_counter() - t)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    return dict(batch=batch, repeats=repeats, median_ms=med,
                ratio_aenet_over_resnet18=med['aenet_c_s_g'] / med['resnet18_binary'])


def official_tpr_at_fpr(p, y, fprs):
    """The release's rule as its script runs it: the live scores sorted once per FPR."""
    out = []
    for fpr in fprs:
        live = np.sort(p[y == 0])[::-1]
        thr = live[max(1, int(fpr * len(live))) - 1]
        out.append(float(np.sum(p[y == 1] > thr)) / float(np.sum(y == 1)))
    return out


def metric_time(n: int, repeats: int) -> dict:
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.6).astype(np.int64)
    p = np.where(y == 1, rng.beta(5, 2, n), rng.beta(2, 5, n))
    times = {'ours': [], 'official': []}
    fprs = CS.functional.DEFAULT_FPRS
    assert CS.tpr_at_fpr(p, y, fprs) == official_tpr_at_fpr(p, y, fprs)
    for _ in range(repeats):
        t = time.perf_counter()
        CS.tpr_at_fpr(p, y, fprs)
        times['ours'].append(time.perf_counter() - t)
        t = time.perf_counter()
        official_tpr_at_fpr(p, y, fprs)
        times['official'].append(time.perf_counter() - t)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    return dict(num_scores=n, repeats=repeats, median_ms=med,
                ratio_ours_over_official=med['ours'] / med['official'], results_equal=True)


def summarize(runs: dict) -> dict:
    keys = ('TPR@FPR=1e-2', 'TPR@FPR=5e-3', 'TPR@FPR=1e-3', 'ACER', 'AUC', 'EER')
    out = {}
    for arm, per_seed in runs.items():
        out[arm] = {k: dict(mean=float(np.mean([r[k] for r in per_seed])),
                            std=float(np.std([r[k] for r in per_seed])))
                    for k in keys}
    return out


def plot(summary: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    arms = list(summary)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, key in zip(axes, ('TPR@FPR=1e-2', 'ACER', 'AUC')):
        ax.bar(range(len(arms)), [summary[a][key]['mean'] for a in arms],
               yerr=[summary[a][key]['std'] for a in arms], capsize=3)
        ax.set_xticks(range(len(arms)), arms, rotation=20, fontsize=7)
        ax.set_title(key + (' (%)' if key != 'AUC' else ''))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--out-dir', default=OUT_DIR)
    args = parser.parse_args(argv)
    seeds = [0] if args.quick else [0, 1, 2]
    cfg = Config.fromfile(osp.join(REPO_ROOT, CFG))
    epochs = 2 if args.quick else cfg.train_cfg.max_epochs
    init_default_scope('mmpretrain')
    MMLogger.get_instance('celeba_spoof_bench', log_level='WARNING')
    MMLogger.get_current_instance().setLevel('WARNING')  # no per-parameter init lines
    root = ensure('celeba-spoof')
    train_ds = copy.deepcopy(cfg.train_dataloader.dataset.to_dict())
    train_ds['data_root'] = root
    test_ds = copy.deepcopy(cfg.test_dataloader.dataset.to_dict())
    test_ds['data_root'] = root
    train_set, test_set = DATASETS.build(train_ds), DATASETS.build(test_ds)
    runs = {arm: [] for arm in ARMS}
    for seed in seeds:
        for arm in ARMS:
            res = train_and_test(cfg, arm, seed, epochs, train_set, test_set)
            runs[arm].append(dict(seed=seed, **res))
            MMLogger.get_instance('celeba_spoof_bench').warning(
                f'seed {seed} {arm}: ACER {res["ACER"]:.2f} AUC {res["AUC"]:.4f}')
    summary = summarize(runs)
    lat = [latency(1, 5 if args.quick else 30), latency(32, 2 if args.quick else 6)]
    mt = metric_time(1_000_000, 3 if args.quick else 9)
    os.makedirs(args.out_dir, exist_ok=True)
    out = dict(
        config=CFG, data='celeba-spoof (tools/data/celeba_spoof.py, VERSION '
        f'{__import__("tools.data.celeba_spoof", fromlist=["VERSION"]).VERSION})',
        train_size=len(train_set), test_size=len(test_set), epochs=epochs, seeds=seeds,
        quick=args.quick, threads=torch.get_num_threads(),
        accuracy=dict(summary=summary, runs=runs), latency=lat, metric_time=mt)
    name = 'celeba_spoof_bench_quick' if args.quick else 'celeba_spoof_bench'
    with open(osp.join(args.out_dir, f'{name}.json'), 'w') as f:
        json.dump(out, f, indent=1)
    plot(summary, osp.join(args.out_dir, f'{name}.png'))
    print(json.dumps(dict(summary=summary, latency=lat, metric_time=mt), indent=1))


if __name__ == '__main__':
    main()
