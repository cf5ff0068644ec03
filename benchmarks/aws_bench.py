"""AWS benchmark on the embedded ``digits`` data, one process, CPU.

1. The tiny search (configs/aws/aws-search_resnet18-tiny_...digits300.py) through mmengine's
   Runner: its time, rewards and searched policy (``bench_search_*`` files beside the JSON).
2. Proxy quality: ``--policies`` random policies (seeded, concentrated logits). For each, in
   interleaved order: the AWS proxy (reload the shared weights and optimizer, fine-tune, mean
   of the best 2 per-epoch accuracies on the reward split), a plain short-training proxy of the
   same number of iterations and evaluations (from scratch), and a full training from scratch
   (--full-epochs, 10; accuracy on digits/val, held out). Kendall tau (scipy) of each
   proxy against the full-training accuracy, with p-values; the proxy cost per policy as a
   fraction of one full training.
3. Transform throughput: AWSPolicyAugment vs mmpretrain's RandAugment (2 ops, magnitude 9),
   images/s on 32x32 digits, interleaved rounds, medians.
4. The three tiny final-training arms (searched policy, uniform policy, crop + Cutout only),
   same schedule, top-1 on digits/val.

Writes ``projects/aws/benchmark/aws_bench.json`` and ``aws_bench.png``; ``--quick`` shrinks
everything for a smoke run. Run as ``flock /tmp/bench.lock python benchmarks/aws_bench.py``.
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import shutil
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
os.chdir(REPO)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import projects  # noqa: E402,F401
from tools.data import ensure  # noqa: E402

OUT = osp.join(REPO, 'projects', 'aws', 'benchmark')
SEARCH_CFG = 'configs/aws/aws-search_resnet18-tiny_1xb32-30e-10loops_digits300.py'
FINAL_CFGS = dict(
    searched='configs/aws/resnet18-tiny_aws-policy_1xb32-15e_digits600.py',
    uniform='configs/aws/resnet18-tiny_aws-uniform_1xb32-15e_digits600.py',
    cutout_only='configs/aws/resnet18-tiny_cutout-only_1xb32-15e_digits600.py')


def _runner(cfg_path, work_dir, options=None):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(cfg_path)
    if options:
        cfg.merge_from_dict(options)
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1000)
    cfg.visualizer = dict(type='UniversalVisualizer', vis_backends=[dict(type='LocalVisBackend')])
    return Runner.from_cfg(cfg)


def random_policy(seed, scale):
    from projects.aws.policy import AWSPolicy
    g = torch.Generator().manual_seed(1000 + seed)
    return AWSPolicy(torch.randn(36, generator=g, dtype=torch.float64) * scale,
                     torch.randn(36, 36, generator=g, dtype=torch.float64) * scale,
                     normalize='softmax')


def train_from_scratch(loop, model_cfg, epochs, lr, eta_min, seed, eval_fn, every_epoch=True):
    """Plain training of a fresh model on the search's train split with the transforms'
    current policy: SGD as stage 1, linear warm-up 1 epoch then cosine; per-epoch eval."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner.utils import set_random_seed
    from mmpretrain.registry import MODELS
    set_random_seed(seed)
    model = MODELS.build(copy.deepcopy(model_cfg))
    model.init_weights()
    ow_cfg = copy.deepcopy(loop.runner.cfg.optim_wrapper.to_dict())
    ow_cfg['optimizer']['lr'] = lr
    ow = build_optim_wrapper(model, ow_cfg)
    iters = epochs * len(loop._ft_loader)
    per_epoch = len(loop._ft_loader)
    step, accs = 0, []
    for epoch in range(epochs):
        loop._ft_sampler.seed = seed * 31 + epoch
        model.train()
        for data in loop._ft_loader:
            if step < per_epoch:
                cur = lr * (0.25 + 0.75 * step / per_epoch)
            else:
                t = (step - per_epoch) / max(iters - per_epoch, 1)
                cur = eta_min + (lr - eta_min) * 0.5 * (1 + math.cos(math.pi * t))
            for g in ow.optimizer.param_groups:
                g['lr'] = cur
            model.train_step(data, optim_wrapper=ow)
            step += 1
        if every_epoch or epoch == epochs - 1:
            accs.append(eval_fn(model))
    return accs


def make_eval(loader):
    @torch.no_grad()
    def evaluate(model):
        model.eval()
        correct = total = 0
        for data in loader:
            for s in model.val_step(data):
                correct += int(s.pred_label.item() == s.gt_label.item())
                total += 1
        model.train()
        return 100.0 * correct / total
    return evaluate


def throughput(rounds, n_img):
    from mmcv.transforms import LoadImageFromFile
    from mmpretrain.registry import TRANSFORMS
    import glob
    files = sorted(glob.glob(osp.join(REPO, 'data/digits/train/*/*.png')))[::5][:n_img]
    load = LoadImageFromFile()
    imgs = [load(dict(img_path=f))['img'] for f in files]
    arms = dict(
        AWSPolicyAugment=TRANSFORMS.build(dict(type='AWSPolicyAugment', policy='uniform')),
        RandAugment=TRANSFORMS.build(dict(type='RandAugment', policies='timm_increasing',
                                          num_policies=2, total_level=10, magnitude_level=9,
                                          magnitude_std=0.5)))
    times = {k: [] for k in arms}
    np.random.seed(0)
    for _ in range(2):  # warm-up
        for t in arms.values():
            [t(dict(img=im.copy())) for im in imgs[:32]]
    for r in range(rounds):
        order = list(arms) if r % 2 == 0 else list(reversed(list(arms)))
        for k in order:
            t0 = time.perf_counter()
            for im in imgs:
                arms[k](dict(img=im.copy()))
            times[k].append(len(imgs) / (time.perf_counter() - t0))
    med = {k: float(np.median(v)) for k, v in times.items()}
    return dict(images=len(imgs), rounds=rounds, images_per_s=med,
                ratio_aws_over_randaugment=med['AWSPolicyAugment'] / med['RandAugment'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--policies', type=int, default=8)
    parser.add_argument('--skip-final', action='store_true')
    parser.add_argument('--full-epochs', type=int, default=10,
                        help='epochs of the full training that ranks the policies')
    args = parser.parse_args()
    torch.set_num_threads(1)
    ensure('digits')
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='aws_bench_')
    result = dict(quick=args.quick, machine_note='2-core CPU shared with other jobs; times '
                  'are wall-clock, ratios interleaved in one process')
    opts = None
    if args.quick:
        opts = {'train_cfg.stage1_epochs': 2, 'train_cfg.loops': 2,
                'train_cfg.finetune_epochs': 1}
    # 1. the tiny search
    runner = _runner(SEARCH_CFG, osp.join(tmp, 'search'), opts)
    t0 = time.perf_counter()
    runner.train()
    search_time = time.perf_counter() - t0
    loop = runner.train_loop
    hist = loop.history
    result['search'] = dict(
        config=SEARCH_CFG, stage1_epochs=loop.max_epochs, loops=loop.loops,
        finetune_epochs=loop.finetune_epochs, total_s=search_time,
        rewards=[h['mean_reward'] for h in hist], best_reward=loop.best['reward'],
        best_loop=loop.best['loop'] + 1, ppo_updates=[h['updates'] for h in hist],
        best_top_pairs=loop.best_policy().top_pairs(5),
        best_policy_max_pair_prob=float(loop.best_policy().joint().detach().max()),
        final_policy_max_pair_prob=float(loop.agent.policy.joint().detach().max()))
    if not args.quick:  # the search's outputs beside the JSON (the tiny final config keeps
        # using the committed digits300_searched_policy.json unless pointed here)
        for name in ('best_policy.json', 'policy_evolution.png', 'search_history.json'):
            shutil.copy(osp.join(loop.out_dir, name), osp.join(OUT, 'bench_search_' + name))
    _dump(result)
    # 2. proxy quality
    from scipy import stats
    from mmengine.dataset import pseudo_collate
    from mmpretrain.registry import DATASETS
    from torch.utils.data import DataLoader
    test_cfg = copy.deepcopy(runner.cfg.test_dataloader.dataset.to_dict())
    test_loader = DataLoader(DATASETS.build(test_cfg), batch_size=128,
                             collate_fn=pseudo_collate)
    eval_test = make_eval(test_loader)
    eval_reward = loop.evaluate
    model_cfg = runner.cfg.model.to_dict()
    full_epochs = 3 if args.quick else args.full_epochs
    n_pol = 3 if args.quick else args.policies
    rows = []
    for k in range(n_pol):
        policy = random_policy(k, scale=3.0)
        loop.set_policy(policy)
        t0 = time.perf_counter()
        traj = loop.run_trajectory(k)
        t_proxy = time.perf_counter() - t0
        t0 = time.perf_counter()
        short = train_from_scratch(loop, model_cfg, loop.finetune_epochs, 0.1, 0.01,
                                   seed=77 + k, eval_fn=eval_reward)
        t_short = time.perf_counter() - t0
        t0 = time.perf_counter()
        full = train_from_scratch(loop, model_cfg, full_epochs, 0.1, 0.01, seed=99 + k,
                                  eval_fn=eval_test, every_epoch=False)
        t_full = time.perf_counter() - t0
        top2 = sorted(short)[-2:]
        rows.append(dict(policy_seed=k, top_pair=policy.top_pairs(1)[0],
                         aws_proxy=traj['reward'], short_proxy=sum(top2) / len(top2),
                         full_acc=full[-1], time_aws_proxy_s=t_proxy,
                         time_short_proxy_s=t_short, time_full_s=t_full))
        print(f'policy {k}: {rows[-1]}', flush=True)
        result['proxy_quality_partial'] = rows
        _dump(result)
    full_accs = [r['full_acc'] for r in rows]
    tau_aws = stats.kendalltau([r['aws_proxy'] for r in rows], full_accs)
    tau_short = stats.kendalltau([r['short_proxy'] for r in rows], full_accs)
    med = lambda key: float(np.median([r[key] for r in rows]))  # noqa: E731
    result['proxy_quality'] = dict(
        policies=rows, full_training=f'{full_epochs} epochs from scratch (warm-up 1 epoch, cosine '
        '0.1 -> 0.01) on the 300-image '
        'search split with the policy, top-1 on digits/val',
        aws_proxy=f'{loop.finetune_epochs} fine-tune epochs from the shared weights, mean top-2 '
        'per-epoch top-1 on the reward split',
        short_proxy=f'{loop.finetune_epochs} epochs from scratch (same iterations and '
        'evaluations), mean top-2 per-epoch top-1 on the reward split',
        kendall_tau_aws=float(tau_aws.statistic), kendall_p_aws=float(tau_aws.pvalue),
        kendall_tau_short=float(tau_short.statistic),
        kendall_p_short=float(tau_short.pvalue),
        median_time_aws_proxy_s=med('time_aws_proxy_s'),
        median_time_short_proxy_s=med('time_short_proxy_s'),
        median_time_full_s=med('time_full_s'),
        proxy_cost_ratio=med('time_aws_proxy_s') / med('time_full_s'))
    # CIFAR recipe, by its configs: 10 fine-tune epochs on 40k vs 300 final epochs on 50k
    result['proxy_quality']['config_ratio_cifar_wrn'] = (10 * 40000) / (300 * 50000)
    print(json.dumps({k: v for k, v in result['proxy_quality'].items() if k != 'policies'},
                     indent=1), flush=True)
    # 3. throughput
    result['throughput'] = throughput(3 if args.quick else 7, 64 if args.quick else 256)
    print(result['throughput'], flush=True)
    _dump(result)
    # 4. final arms
    if not args.skip_final:
        result['final'] = {}
        fopts = {'train_cfg.max_epochs': 2} if args.quick else {}
        for arm, cfg in FINAL_CFGS.items():
            o = dict(fopts)
            if arm == 'searched' and args.quick:
                o['train_dataloader.dataset.dataset.pipeline.2.policy'] = osp.join(
                    loop.out_dir, 'best_policy.json')
            r = _runner(cfg, osp.join(tmp, arm), o)
            t0 = time.perf_counter()
            r.train()
            t_train = time.perf_counter() - t0
            metrics = r.test()
            vals = [v for v in _val_accs(r.log_dir)]
            result['final'][arm] = dict(config=cfg, test_top1=float(metrics['accuracy/top1']),
                                        best_val_top1=max(vals) if vals else None,
                                        train_s=t_train)
            print(arm, result['final'][arm], flush=True)
            _dump(result)
    json.dump(result, open(osp.join(OUT, 'aws_bench.json'), 'w'), indent=1)
    _plot(result, osp.join(OUT, 'aws_bench.png'))
    shutil.rmtree(tmp, ignore_errors=True)


def _dump(result):
    """Write the JSON so far (a run stopped early keeps what it measured)."""
    result.pop('proxy_quality_partial', None) if 'proxy_quality' in result else None
    with open(osp.join(OUT, 'aws_bench.json'), 'w') as f:
        json.dump(result, f, indent=1)


def _val_accs(log_dir):
    path = osp.join(log_dir, 'vis_data', 'scalars.json')
    if not osp.isfile(path):
        return []
    out = []
    for line in open(path):
        d = json.loads(line)
        if 'accuracy/top1' in d:
            out.append(float(d['accuracy/top1']))
    return out


def _plot(result, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    pq = result['proxy_quality']
    rows = pq['policies']
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    full = [r['full_acc'] for r in rows]
    axes[0].scatter([r['aws_proxy'] for r in rows], full, label=f"AWS proxy (tau "
                    f"{pq['kendall_tau_aws']:.2f})")
    axes[1].scatter([r['short_proxy'] for r in rows], full, color='C1',
                    label=f"short training (tau {pq['kendall_tau_short']:.2f})")
    for ax, name in zip(axes, ('AWS proxy reward', 'short-training proxy reward')):
        ax.set_xlabel(name + ' (reward split, %)')
        ax.set_ylabel('full-training top-1 (digits val, %)')
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == '__main__':
    main()
