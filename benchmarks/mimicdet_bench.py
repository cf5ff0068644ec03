"""MimicDet against RetinaNet: CPU latency, deploy-vs-training cost, and digits-det mAP.

Everything is measured in one run:

1. **Latency.** The prediction graph of MimicDet (``t_head=None``; the one-stage path) and
   RetinaNet with the same backbone and input size, random weights, ``model.predict`` (post-
   processing included), interleaved round by round after a warm-up; medians and the ratio.
   Two architectures: the tiny digits-det pair (ResNet-18/16, 64-ch FPN) at 128x128 and 512x512,
   and the COCO R-50-FPN pair at 512x512.
2. **Deploy vs training graph.** Parameters and FLOPs (``torch.utils.flop_counter``; MimicDet's
   deformable conv runs through ``dcn_impl='grid_sample'`` so that its matmul is counted;
   RoIAlign/NMS are not counted) of the prediction forward vs the training forward.
3. **digits-det mAP, 6 epochs** (section ``digits6``). Each model trained with
   ``tools/train.py`` on the 6-epoch tiny schedule and evaluated with ``tools/test.py`` (COCO
   bbox mAP on the 200 val images): RetinaNet; MimicDet without the mimic loss; MimicDet;
   MimicDet with the BCE objectness of the COCO configs (the tiny config's only change:
   ``mimicdet_r18-tiny_fpn_bce-obj_1xb16-6e_digits-det.py``). The MimicDet checkpoint is also
   evaluated (a) converted by ``tools/model_converters/mimicdet_deploy.py`` and tested with
   ``model.t_head=None`` (predictions compared one by one with the training checkpoint's) and
   (b) with ``model.test_cfg.score_mode=product``.
4. **digits-det mAP, 12 epochs** (section ``digits12``, ``--full`` only): the RetinaNet baseline
   of ``configs/baselines/`` and MimicDet on its 12-epoch schedule, ``--seeds`` seeds each.

Updates ``projects/mimicdet/benchmark/mimicdet_bench.json`` after every finished run
(``complete: false`` until the end). Sections that are not rerun keep their values;
``section_runs`` maps each section to the entry of ``runs_info`` (commit, start time) that
wrote it; ``--fresh`` starts a new file.

Usage::

    python benchmarks/mimicdet_bench.py --full     # everything (~25 minutes on a free core)
    python benchmarks/mimicdet_bench.py            # without the 12-epoch runs
    python benchmarks/mimicdet_bench.py --quick    # 1 training epoch, fewer timing rounds
"""
import argparse
import copy
import json
import os
import os.path as osp
import pickle
import re
import statistics
import subprocess
import sys
import time
from typing import Dict, List

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import projects  # noqa: E402,F401
import projects.mimicdet  # noqa: E402,F401

TINY_MIMIC = 'configs/mimicdet/mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py'
TINY_RETINA = 'configs/mimicdet/retinanet_r18-tiny_fpn_1xb16-6e_digits-det.py'
TINY_MIMIC_BCE = 'configs/mimicdet/mimicdet_r18-tiny_fpn_bce-obj_1xb16-6e_digits-det.py'
TINY_MIMIC_12E = 'configs/mimicdet/mimicdet_r18-tiny_fpn_1xb16-12e_digits-det.py'
TINY_RETINA_12E = 'configs/baselines/retinanet_r18-tiny_fpn_1xb16-12e_digits-det.py'
DEPLOY_TOOL = 'tools/model_converters/mimicdet_deploy.py'
SECTIONS = ('latency', 'costs', 'digits6', 'digits12')
COCO_MIMIC = 'configs/mimicdet/mimicdet_r50_fpn_8xb2-1x_coco.py'
COCO_RETINA = 'configs/mimicdet/retinanet_r50_fpn_8xb2-1x_coco.py'
OUT_DIR = osp.join(REPO_ROOT, 'projects/mimicdet/benchmark')


def build(cfg_path: str, **model_overrides) -> torch.nn.Module:
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    cfg = Config.fromfile(osp.join(REPO_ROOT, cfg_path))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('init_cfg', None)
    model_cfg['backbone'].pop('init_cfg', None)  # no pretrained download
    model_cfg.update(model_overrides)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    return model.eval()


def fake_batch(model, size: int, n: int = 1):
    from mmdet.structures import DetDataSample
    g = torch.Generator().manual_seed(0)
    imgs = [(torch.rand(3, size, size, generator=g) * 255).to(torch.uint8) for _ in range(n)]
    samples = [DetDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                           scale_factor=(1., 1.), pad_shape=(size, size),
                                           batch_input_shape=(size, size))) for _ in range(n)]
    return model.data_preprocessor(dict(inputs=imgs, data_samples=samples), False)


def latency(pairs: Dict[str, tuple], rounds: int, warmup: int) -> List[dict]:
    rows = []
    for name, (retina, mimic, size) in pairs.items():
        batch_r, batch_m = fake_batch(retina, size), fake_batch(mimic, size)
        times = {'retinanet': [], 'mimicdet': []}
        with torch.no_grad():
            for i in range(warmup + rounds):
                for key, model, batch in (('retinanet', retina, batch_r),
                                          ('mimicdet', mimic, batch_m)):
                    t0 = time.perf_counter()
                    model(copy.copy(batch['inputs']), copy.deepcopy(batch['data_samples']),
                          mode='predict')
                    if i >= warmup:
                        times[key].append(time.perf_counter() - t0)
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append(dict(setting=name, input=f'{size}x{size}', rounds=rounds,
                         retinanet_ms=1e3 * med['retinanet'], mimicdet_ms=1e3 * med['mimicdet'],
                         ratio=med['mimicdet'] / med['retinanet']))
    return rows


def count_flops(fn) -> float:
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        fn()
    return float(counter.get_total_flops())


def graph_costs(cfg_path: str, retina_cfg: str, size: int, name: str) -> dict:
    """Params/FLOPs of the training forward, the deploy (predict) forward and RetinaNet."""
    s_head_over = dict(dcn_impl='grid_sample')
    train = build(cfg_path)
    train.s_head.dcn_impl = s_head_over['dcn_impl']
    deploy = build(cfg_path, t_head=None, mimic_loss=None)
    deploy.s_head.dcn_impl = s_head_over['dcn_impl']
    retina = build(retina_cfg)
    from tests.test_mimicdet.conftest import synthetic_batch
    train.train()
    data = train.data_preprocessor(synthetic_batch(1, size=size), True)
    train_flops = count_flops(lambda: train(**data, mode='loss'))
    pb = fake_batch(deploy, size)
    with torch.no_grad():
        deploy_flops = count_flops(lambda: deploy(**pb, mode='predict'))
        retina_flops = count_flops(lambda: retina(**fake_batch(retina, size), mode='predict'))
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    p2 = sum(p.numel() for k, p in deploy.named_parameters()
             if k.startswith(('neck.lateral_convs.0.', 'neck.fpn_convs.0.')))
    return dict(setting=name, input=f'{size}x{size}', train_params=n(train),
                deploy_params=n(deploy), deploy_params_used=n(deploy) - p2,
                retinanet_params=n(retina), train_gflops=train_flops / 1e9,
                deploy_gflops=deploy_flops / 1e9, retinanet_gflops=retina_flops / 1e9,
                params_ratio=n(deploy) / n(train), flops_ratio=deploy_flops / train_flops)


def run(args: List[str], env: dict, log_path: str) -> str:
    proc = subprocess.run([sys.executable] + args, cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True)
    with open(log_path, 'w') as f:
        f.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f'{args} failed ({proc.returncode}), see {log_path}')
    return proc.stdout + proc.stderr


def parse_map(out: str, name: str) -> tuple:
    """``(mAP, mAP@50)`` of the last COCO evaluation printed by ``tools/test.py``."""
    m = re.findall(r'coco/bbox_mAP: ([0-9.]+)\s+coco/bbox_mAP_50: ([0-9.]+)', out)
    if m:
        return float(m[-1][0]), float(m[-1][1])
    if 'results of the whole dataset is empty' in out:  # no box above the score threshold
        return 0.0, 0.0
    raise RuntimeError(f'no coco/bbox_mAP in the test output of {name}')


def test_ckpt(name: str, cfg: str, ckpt: str, opts: List[str], work_root: str, env: dict,
              out_pkl: str = None) -> dict:
    """Evaluate ``ckpt`` with ``tools/test.py``; optionally dump the raw predictions."""
    wd = osp.join(work_root, name)
    args = ['tools/test.py', cfg, ckpt, '--work-dir', wd]
    if out_pkl:
        args += ['--out', out_pkl]
    if opts:
        args += ['--cfg-options'] + opts
    t0 = time.time()
    out = run(args, env, osp.join(work_root, f'{name}_test.log'))
    ap, ap50 = parse_map(out, name)
    return dict(model=name, bbox_mAP=ap, bbox_mAP_50=ap50, test_s=time.time() - t0)


def train_and_test(name: str, cfg: str, extra: List[str], work_root: str, epochs: int,
                   env: dict, out_pkl: str = None) -> dict:
    wd = osp.join(work_root, name)
    opts = [f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}'] + extra
    t0 = time.time()
    run(['tools/train.py', cfg, '--work-dir', wd, '--cfg-options'] + opts, env,
        osp.join(work_root, f'{name}_train.log'))
    train_s = time.time() - t0
    ckpt = osp.join(wd, f'epoch_{epochs}.pth')
    res = test_ckpt(name, cfg, ckpt, opts, work_root, env, out_pkl)
    return dict(res, config=cfg, cfg_options=opts, epochs=epochs, train_s=train_s, ckpt=ckpt)


def compare_predictions(a_pkl: str, b_pkl: str) -> dict:
    """Largest differences between two ``--out`` dumps of the same images."""
    with open(a_pkl, 'rb') as f:
        a = pickle.load(f)
    with open(b_pkl, 'rb') as f:
        b = pickle.load(f)
    if len(a) != len(b):
        return dict(num_images=[len(a), len(b)], identical=False)
    box, score, labels_equal, n_boxes = 0., 0., True, 0
    for x, y in zip(a, b):
        px, py = x['pred_instances'], y['pred_instances']
        if px['bboxes'].shape != py['bboxes'].shape:
            return dict(num_images=len(a), identical=False, reason='different box counts')
        n_boxes += len(px['bboxes'])
        if len(px['bboxes']):
            box = max(box, float((px['bboxes'] - py['bboxes']).abs().max()))
            score = max(score, float((px['scores'] - py['scores']).abs().max()))
        labels_equal = labels_equal and bool(torch.equal(px['labels'], py['labels']))
    return dict(num_images=len(a), num_boxes=n_boxes, max_abs_box_diff=box,
                max_abs_score_diff=score, labels_equal=labels_equal,
                identical=labels_equal and box == 0. and score == 0.)


def git_state() -> dict:
    def git(*a):
        return subprocess.run(['git'] + list(a), cwd=REPO_ROOT, capture_output=True,
                              text=True).stdout.strip()
    dirty = git('status', '--porcelain', '--', 'projects/mimicdet', 'configs/mimicdet',
                'benchmarks/mimicdet_bench.py', DEPLOY_TOOL)
    return dict(commit=git('rev-parse', 'HEAD'), mimicdet_files_dirty=bool(dirty))


def section_digits6(args, env, save, result) -> dict:
    epochs = 1 if args.quick else 6
    res = dict(epochs=epochs, runs=[])
    result['digits_det'] = res['runs']
    pkl = lambda name: osp.join(args.work_root, f'{name}_pred.pkl')  # noqa: E731
    runs = [('retinanet', TINY_RETINA, []),
            ('mimicdet_no_mimic', TINY_MIMIC, ['model.mimic_loss=None']),
            ('mimicdet', TINY_MIMIC, []),
            ('mimicdet_bce_obj', TINY_MIMIC_BCE, [])]
    print(f'\n== digits-det, {epochs}-epoch tiny schedule, COCO bbox mAP (200 val images) ==')
    for name, cfg, extra in runs:
        r = train_and_test(name, cfg, extra, args.work_root, epochs, env,
                           pkl(name) if name == 'mimicdet' else None)
        res['runs'].append(r)
        save()
        print(f'{name:20s} mAP {r["bbox_mAP"]:.3f}  mAP50 {r["bbox_mAP_50"]:.3f}  '
              f'train {r["train_s"]:.0f} s  test {r["test_s"]:.0f} s', flush=True)
    mimic = next(r for r in res['runs'] if r['model'] == 'mimicdet')
    opts = [o for o in mimic['cfg_options']]
    deploy_ckpt = osp.join(args.work_root, 'mimicdet_deploy.pth')
    run([DEPLOY_TOOL, mimic['ckpt'], deploy_ckpt], env,
        osp.join(args.work_root, 'mimicdet_deploy_convert.log'))
    r = test_ckpt('mimicdet_deploy', TINY_MIMIC, deploy_ckpt, opts + ['model.t_head=None'],
                  args.work_root, env, pkl('mimicdet_deploy'))
    r['vs_training_checkpoint'] = compare_predictions(pkl('mimicdet'), pkl('mimicdet_deploy'))
    res['deploy'] = result['digits_det_deploy'] = r
    save()
    r = test_ckpt('mimicdet_score_product', TINY_MIMIC, mimic['ckpt'],
                  opts + ['model.test_cfg.score_mode=product'], args.work_root, env)
    res['score_product'] = result['digits_det_score_product'] = r
    save()
    print(f'deploy (t_head=None)  mAP {res["deploy"]["bbox_mAP"]:.3f}  identical predictions: '
          f'{res["deploy"]["vs_training_checkpoint"]["identical"]}')
    print(f'score_mode=product    mAP {r["bbox_mAP"]:.3f}', flush=True)
    return res


def section_digits12(args, env, save) -> dict:
    epochs = 1 if args.quick else 12
    res = dict(epochs=epochs, seeds=list(args.seeds), runs=[])
    print(f'\n== digits-det, {epochs}-epoch baseline schedule, COCO bbox mAP ==')
    for seed in args.seeds:
        for name, cfg in (('retinanet', TINY_RETINA_12E), ('mimicdet', TINY_MIMIC_12E)):
            r = train_and_test(f'{name}_12e_seed{seed}', cfg, [f'randomness.seed={seed}'],
                               args.work_root, epochs, env)
            r.update(model=name, seed=seed)
            res['runs'].append(r)
            save()
            print(f'{name:12s} seed {seed}  mAP {r["bbox_mAP"]:.3f}  mAP50 '
                  f'{r["bbox_mAP_50"]:.3f}  train {r["train_s"]:.0f} s', flush=True)
    for name in ('retinanet', 'mimicdet'):
        maps = [r['bbox_mAP'] for r in res['runs'] if r['model'] == name]
        res[f'{name}_mean_mAP'] = statistics.mean(maps)
        res[f'{name}_std_mAP'] = statistics.stdev(maps) if len(maps) > 1 else None
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='1 epoch, fewer timing rounds')
    parser.add_argument('--full', action='store_true', help='also the 12-epoch runs')
    parser.add_argument('--only', nargs='+', choices=SECTIONS,
                        help='run only these sections (the others keep their JSON values)')
    parser.add_argument('--fresh', action='store_true',
                        help='start a new JSON instead of updating the existing one')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0],
                        help='seeds of the 12-epoch runs')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads here and in the training subprocesses')
    parser.add_argument('--work-root', default='/tmp/mimicdet_bench')
    parser.add_argument('--out', default=OUT_DIR)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work_root, exist_ok=True)
    sections = args.only or [s for s in SECTIONS if s != 'digits12' or args.full]
    path = osp.join(args.out, 'mimicdet_bench_quick.json' if args.quick else 'mimicdet_bench.json')
    result = {}
    if not args.fresh and osp.isfile(path):  # sections not rerun keep their last values
        with open(path) as f:
            result = json.load(f)
    run_info = dict(quick=args.quick, threads=args.threads, torch=torch.__version__,
                    sections=sections, started=time.strftime('%Y-%m-%d %H:%M:%S UTC',
                                                             time.gmtime()), **git_state())
    result.setdefault('runs_info', []).append(run_info)
    result['complete'] = False

    done = result.setdefault('section_runs', {})  # section -> index into runs_info

    def finished(section: str) -> None:
        done[section] = len(result['runs_info']) - 1
        save()

    def save() -> None:
        with open(path, 'w') as f:
            json.dump(result, f, indent=2)

    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS=str(args.threads))
    if 'digits6' in sections:
        # the runs stay a list at ``digits_det`` (retinanet, mimicdet_no_mimic, mimicdet,
        # mimicdet_bce_obj), the checkpoint evaluations beside it
        for key in ('digits_det', 'digits_det_deploy', 'digits_det_score_product'):
            result.pop(key, None)
        res = section_digits6(args, env, save, result)
        result['digits_det_epochs'] = res['epochs']
        finished('digits6')
    rounds, warmup = (5, 2) if args.quick else (15, 3)
    if 'latency' in sections:
        pairs = {
            'tiny r18/16 (digits-det)': (build(TINY_RETINA), build(TINY_MIMIC, t_head=None,
                                                                  mimic_loss=None), 128),
            'tiny r18/16 (digits-det) @512': (build(TINY_RETINA), build(
                TINY_MIMIC, t_head=None, mimic_loss=None), 512),
            'R-50-FPN (COCO arch)': (build(COCO_RETINA), build(COCO_MIMIC, t_head=None,
                                                               mimic_loss=None), 512),
        }
        result['latency'] = latency(pairs, rounds, warmup)
        finished('latency')
        print('\n== CPU inference latency (median, predict incl. NMS; random weights) ==')
        print(f'{"setting":32s} {"input":>8s} {"RetinaNet ms":>13s} {"MimicDet ms":>12s} '
              f'{"ratio":>6s}')
        for r in result['latency']:
            print(f'{r["setting"]:32s} {r["input"]:>8s} {r["retinanet_ms"]:13.1f} '
                  f'{r["mimicdet_ms"]:12.1f} {r["ratio"]:6.2f}')

    if 'costs' in sections:
        result['costs'] = [graph_costs(TINY_MIMIC, TINY_RETINA, 128, 'tiny r18/16'),
                           graph_costs(COCO_MIMIC, COCO_RETINA, 512, 'R-50-FPN (COCO arch)')]
        finished('costs')
        print('\n== deploy (predict) graph vs training graph ==')
        for c in result['costs']:
            print(f'{c["setting"]:22s} {c["input"]:>8s} params train '
                  f'{c["train_params"] / 1e6:.2f}M deploy {c["deploy_params"] / 1e6:.2f}M ({c["params_ratio"]:.3f}); GFLOPs '
                  f'train {c["train_gflops"]:.2f} deploy {c["deploy_gflops"]:.2f} '
                  f'({c["flops_ratio"]:.3f}); RetinaNet {c["retinanet_params"] / 1e6:.2f}M '
                  f'{c["retinanet_gflops"]:.2f} GFLOPs')

    if 'digits12' in sections:
        result['digits_det_12e'] = section_digits12(args, env, save)
        finished('digits12')
    run_info['finished'] = time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())
    result['complete'] = True
    save()
    print(f'\nwrote {osp.relpath(path, REPO_ROOT)}')


if __name__ == '__main__':
    main()
