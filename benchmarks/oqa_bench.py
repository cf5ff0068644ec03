"""OQA benchmark (one run): step costs, the tiny digits chain, inheritance vs direct 2-bit,
search throughput, export + BN re-calibration, exported-vs-supernet accuracy, LSQ ResNet-18.

Usage::

    flock /tmp/bench.lock python benchmarks/oqa_bench.py [--quick] [--skip-resnet]

Writes ``projects/oqa/benchmark/oqa_bench.json`` (every number the README quotes) and
``projects/oqa/benchmark/pareto_tiny.png``.

1. Step time, interleaved after a warm-up, medians (tiny widths, batch 64, 24 px): the supernet
   step (sandwich, 4 subnets, 4-bit) vs a full-precision static MobileNetV3 step of the max
   subnet, and the static max subnet at 4 bits vs the same in FP (quantizer overhead; floor
   1.5x).
2. The chain through ``tools/train.py``: FP supernet -> 4 -> 3 -> 2 bit (configs/oqa/tiny), and
   a "direct" 2-bit supernet trained from the same FP supernet for the same number of steps as
   4+3+2. Both evaluated on the same subnets (max, min, 3 random) with BN re-calibration.
3. Searches (tools/train.py, tiny 4-bit and 2-bit configs): subnets evaluated per minute,
   the Pareto fronts (PNG with one curve per bit-width).
4. Export of each search's best subnet (with BN re-calibration; timed) and ``tools/test.py``
   on the exported static model vs on the supernet with that subnet set.
5. LSQ transform on ResNet-18 digits at 4 and 2 bits vs the FP baseline (tools/train.py).
"""
import argparse
import json
import os
import os.path as osp
import random
import re
import statistics
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
OUT_DIR = osp.join(REPO, 'projects', 'oqa', 'benchmark')
WORK = osp.join(REPO, 'work_dirs', 'oqa_bench')
CFG = 'configs/oqa/'
FP = CFG + 'oqa-mbv3-tiny_fp-supernet_1xb64-4e_digits.py'
B4 = CFG + 'oqa-mbv3-tiny_4bit-supernet_1xb64-2e_digits.py'
B3 = CFG + 'oqa-mbv3-tiny_3bit-supernet_1xb64-1e_digits.py'
B2 = CFG + 'oqa-mbv3-tiny_2bit-supernet_1xb64-1e_digits.py'
S4 = CFG + 'oqa-mbv3-tiny_4bit-search_digits.py'
S2 = CFG + 'oqa-mbv3-tiny_2bit-search_digits.py'


def run(args, log_name):
    """``python <args>`` from the repo root; returns (stdout+stderr, seconds)."""
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS',
                                                                           '1'))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable] + args, cwd=REPO, env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    os.makedirs(WORK, exist_ok=True)
    with open(osp.join(WORK, log_name + '.log'), 'w') as f:
        f.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f'{args} failed:\n{proc.stderr[-3000:]}')
    return proc.stdout + proc.stderr, seconds


def top1_of(text):
    found = re.findall(r'accuracy/top1: ([\d.]+)', text)
    if not found:
        raise RuntimeError('no accuracy/top1 in the output')
    return float(found[-1])


def work_dir(config):
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])


# ----------------------------------------------------------------------------- 1. timing
def timing(repeats):
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS, init_default_scope
    from mmpretrain.structures import DataSample

    import projects.oqa  # noqa: F401
    init_default_scope('mmpretrain')
    widths = dict(stem_channels=8, first_channels=8, stage_channels=[8, 16, 24, 32, 40],
                  final_expand_channels=96, feature_mix_channels=128)
    common = dict(neck=dict(type='GlobalAveragePooling'),
                  head=dict(type='LinearClsHead', num_classes=10, in_channels=128),
                  data_preprocessor=dict(num_classes=10, mean=[79.4] * 3, std=[90.8] * 3))
    space = dict(depth_list=[1, 2], resolutions=[24])
    max_arch = dict(ks=[7] * 20, e=[6] * 20, d=[2] * 5, resolution=24)

    def build(kind):
        torch.manual_seed(0)
        if kind == 'supernet':
            cfg = dict(type='OQASupernetClassifier', sampler='sandwich', num_subnets=4,
                       backbone=dict(type='OQAMobileNetV3Supernet', bits=4, **widths, **space),
                       **common)
        else:
            bits = 4 if kind == 'static4' else None
            cfg = dict(type='OQAImageClassifier', resolution=24,
                       backbone=dict(type='OQAMobileNetV3', arch=max_arch, bits=bits,
                                     depth_list=[1, 2], **widths), **common)
        model = MODELS.build(cfg).train()
        return model, build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.01,
                                                                      momentum=0.9)))

    gen = torch.Generator().manual_seed(0)
    data = dict(inputs=[torch.randint(0, 256, (3, 32, 32), generator=gen, dtype=torch.uint8)
                        for _ in range(64)],
                data_samples=[DataSample().set_gt_label(i % 10) for i in range(64)])
    models = {k: build(k) for k in ('supernet', 'fp_max', 'static4')}
    times = {k: [] for k in models}
    for k, (m, ow) in models.items():  # warm-up (and LSQ data init)
        for _ in range(2):
            m.train_step(data, ow)
    for _ in range(repeats):
        for k, (m, ow) in models.items():
            start = time.perf_counter()
            m.train_step(data, ow)
            times[k].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    return dict(batch=64, resolution=24, repeats=repeats,
                supernet_step_s=med['supernet'], fp_max_step_s=med['fp_max'],
                static4_max_step_s=med['static4'],
                supernet_vs_fp_max_ratio=med['supernet'] / med['fp_max'],
                quantizer_overhead_ratio=med['static4'] / med['fp_max'],
                quantizer_overhead_floor=1.5)


# ----------------------------------------------------------------------------- 2. subnets
def evaluate_subnets(config, checkpoint, archs):
    """top-1 of each subnet after BN re-calibration (the config's OQABNRecalibHook settings)."""
    import argparse as _ap

    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.runner import Runner, load_checkpoint

    from projects.oqa.bn_calib import OQABNRecalibHook, recalibrate_bn
    from projects.oqa.export import calib_hook_cfg, model_cfg_of
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope('mmpretrain')
    model = MODELS.build(model_cfg_of(cfg))  # with the config's data_preprocessor
    load_checkpoint(model, osp.join(REPO, checkpoint), map_location='cpu', strict=True)
    hook_cfg = {k: v for k, v in dict(calib_hook_cfg(cfg)).items() if k != 'type'}
    hook = OQABNRecalibHook(**hook_cfg)
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        calib = hook.build_loader(_ap.Namespace(cfg=cfg))
        val = Runner.build_dataloader(cfg.val_dataloader)
        results = []
        for arch in archs:
            model.set_eval_subnet(arch)
            recalibrate_bn(model, calib, hook.num_images)
            correct = total = 0
            for batch in val:
                for s in model.val_step(batch):
                    correct += int(s.pred_label.item() == s.gt_label.item())
                    total += 1
            results.append(100.0 * correct / total)
    finally:
        os.chdir(cwd)
    return results


def tiny_archs(n_random=3, seed=0):
    rng = random.Random(seed)
    archs = [dict(ks=[7] * 20, e=[6] * 20, d=[2] * 5, resolution=24),
             dict(ks=[3] * 20, e=[3] * 20, d=[1] * 5, resolution=16)]
    for _ in range(n_random):
        archs.append(dict(ks=[rng.choice([3, 5, 7]) for _ in range(20)],
                          e=[rng.choice([3, 4, 6]) for _ in range(20)],
                          d=[rng.choice([1, 2]) for _ in range(5)],
                          resolution=rng.choice([16, 20, 24])))
    return archs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='fewer timing repeats')
    parser.add_argument('--skip-resnet', action='store_true',
                        help='keep the LSQ ResNet-18 results of the previous JSON (marked '
                        'lsq_resnet18_from_previous_run)')
    parser.add_argument('--skip-train', action='store_true',
                        help='reuse the checkpoints of a previous run')
    args = parser.parse_args()
    sys.path.insert(0, osp.join(REPO, 'tools'))
    import _bootstrap  # noqa: F401  (stack fixes, as the tools)
    os.makedirs(OUT_DIR, exist_ok=True)
    out = dict(command='python benchmarks/oqa_bench.py' + (' --quick' if args.quick else ''))

    def save():  # after every part, so a partial run keeps what it measured
        with open(osp.join(OUT_DIR, 'oqa_bench.json'), 'w') as f:
            json.dump(out, f, indent=1)

    previous = {}
    prev_path = osp.join(OUT_DIR, 'oqa_bench.json')
    if (args.skip_train or args.skip_resnet) and osp.isfile(prev_path):
        with open(prev_path) as f:  # read before the first save() overwrites the file
            previous = json.load(f)
    out['timing'] = timing(3 if args.quick else 7)
    print(json.dumps(out['timing'], indent=1))
    save()

    # chain 4 -> 3 -> 2 through tools/train.py, and direct 2-bit from the FP supernet
    stages = {}
    if args.skip_train:  # the trainings of the previous run of this script (same code)
        stages = previous['stages']
        out['stages_from_previous_run'] = True
    else:
        for name, config in (('fp', FP), ('4bit', B4), ('3bit', B3), ('2bit', B2)):
            text, sec = run(['tools/train.py', config], f'train_{name}')
            stages[name] = dict(config=config, seconds=sec, val_top1_max_subnet=top1_of(text))
        fp_ckpt = osp.join(work_dir(FP), 'epoch_4.pth')
        direct_cfg = B2 + ' (load_from FP, 4 epochs)'
        try:
            text, sec = run(['tools/train.py', B2, '--work-dir', 'work_dirs/oqa_bench/direct2bit',
                             '--cfg-options', f'load_from={fp_ckpt}', 'train_cfg.max_epochs=4',
                             'train_cfg.val_interval=4', 'param_scheduler.0.T_max=4',
                             'param_scheduler.0.end=4', 'default_hooks.checkpoint.interval=4'],
                            'train_direct2bit')
            stages['direct2bit'] = dict(config=direct_cfg, seconds=sec,
                                        val_top1_max_subnet=top1_of(text))
        except RuntimeError as e:  # e.g. the non-finite-loss error of the supernet classifier
            lines = [ln for ln in str(e).splitlines() if 'Error' in ln]
            stages['direct2bit'] = dict(config=direct_cfg, failed=lines[-1] if lines else str(e))
    out['stages'] = stages
    save()
    archs = tiny_archs()
    from projects.oqa import arch_to_str
    chain = evaluate_subnets(B2, osp.join(work_dir(B2), 'epoch_1.pth'), archs)
    direct = (None if 'failed' in stages['direct2bit'] else
              evaluate_subnets(B2, 'work_dirs/oqa_bench/direct2bit/epoch_4.pth', archs))
    out['inheritance'] = dict(
        subnets=[arch_to_str(a) for a in archs], chain_2bit_top1=chain,
        direct_2bit_top1=direct, mean_chain=statistics.mean(chain),
        mean_direct=None if direct is None else statistics.mean(direct),
        steps_note='both start from the same FP supernet; chain: 2 epochs 4-bit + 1 epoch '
                   '3-bit + 1 epoch 2-bit; direct: 4 epochs 2-bit')

    save()
    # searches, export, test
    out['search'] = {}
    from mmengine.config import Config

    from projects.oqa.export import export
    for bits, config, stage, ckpt in ((4, S4, B4, osp.join(work_dir(B4), 'epoch_2.pth')),
                                      (2, S2, B2, osp.join(work_dir(B2), 'epoch_1.pth'))):
        wd = f'work_dirs/oqa_bench/search{bits}'
        if osp.isfile(osp.join(REPO, wd, 'search_state.json')):
            os.remove(osp.join(REPO, wd, 'search_state.json'))
        _, sec = run(['tools/train.py', config, '--work-dir', wd], f'search{bits}')
        with open(osp.join(REPO, wd, f'pareto_{bits}bit.json')) as f:
            pareto = json.load(f)
        best = pareto['best']
        cwd = os.getcwd()
        os.chdir(REPO)
        try:
            start = time.perf_counter()
            # the stage config's OQABNRecalibHook: the same calibration as tools/test.py below
            export(Config.fromfile(stage), ckpt, best['arch'],
                   osp.join(wd, f'subnet_{bits}bit'))
            export_s = time.perf_counter() - start
        finally:
            os.chdir(cwd)
        text_sup, _ = run(['tools/test.py', stage, ckpt, '--work-dir', wd + '/test_supernet',
                           '--cfg-options', 'model.subnet=' + best['arch'].replace(' ', ',')],
                          f'test_supernet{bits}')
        text_exp, _ = run(['tools/test.py', osp.join(wd, f'subnet_{bits}bit.py'),
                           osp.join(wd, f'subnet_{bits}bit.pth'), '--work-dir',
                           wd + '/test_export'], f'test_export{bits}')
        out['search'][f'{bits}bit'] = dict(
            config=config, constraint=pareto['constraint'], evaluated=pareto['evaluated'],
            search_seconds=pareto['timing']['seconds'],
            subnets_per_minute=60.0 * pareto['timing']['evaluated_this_run'] /
            pareto['timing']['seconds'],
            best=best, pareto=pareto['pareto'], export_with_bn_recalib_s=export_s,
            tools_test_top1_supernet=top1_of(text_sup),
            tools_test_top1_exported=top1_of(text_exp),
            pareto_json=osp.join(wd, f'pareto_{bits}bit.json'), tools_train_seconds=sec)
        save()
    from projects.oqa.search import plot_pareto
    plot_pareto([osp.join(REPO, out['search'][k]['pareto_json']) for k in ('4bit', '2bit')],
                osp.join(OUT_DIR, 'pareto_tiny.png'))

    if args.skip_resnet and previous.get('lsq_resnet18_digits'):
        out['lsq_resnet18_digits'] = previous['lsq_resnet18_digits']
        out['lsq_resnet18_from_previous_run'] = True
    elif not args.skip_resnet:
        res = {}
        for name, config in (('fp', 'configs/baselines/resnet18-tiny_1xb64-10e_digits.py'),
                             ('lsq4', CFG + 'resnet18-tiny-lsq-4bit_1xb64-10e_digits.py'),
                             ('lsq2', CFG + 'resnet18-tiny-lsq-2bit_1xb64-10e_digits.py')):
            text, sec = run(['tools/train.py', config, '--work-dir',
                             f'work_dirs/oqa_bench/resnet18_{name}'], f'resnet18_{name}')
            res[name] = dict(config=config, val_top1=top1_of(text), seconds=sec)
        out['lsq_resnet18_digits'] = res
    save()
    print(json.dumps({k: v for k, v in out.items() if k != 'search'}, indent=1))


if __name__ == '__main__':
    main()
