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
3. **digits-det mAP.** RetinaNet, MimicDet without the mimic loss and MimicDet with it, each
   trained with ``tools/train.py`` on the 6-epoch tiny schedule and evaluated with
   ``tools/test.py`` (COCO bbox mAP on the 200 val images).

Writes ``projects/mimicdet/benchmark/mimicdet_bench.json``.

Usage::

    python benchmarks/mimicdet_bench.py            # full run (~10 minutes on 2 cores)
    python benchmarks/mimicdet_bench.py --quick    # 1 training epoch, fewer timing rounds
"""
import argparse
import copy
import json
import os
import os.path as osp
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


def train_and_test(name: str, cfg: str, extra: List[str], work_root: str, epochs: int,
                   env: dict) -> dict:
    wd = osp.join(work_root, name)
    opts = ['--cfg-options', f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}']
    opts += extra
    t0 = time.time()
    run(['tools/train.py', cfg, '--work-dir', wd] + opts, env, osp.join(work_root, f'{name}_train.log'))
    train_s = time.time() - t0
    ckpt = osp.join(wd, f'epoch_{epochs}.pth')
    t0 = time.time()
    out = run(['tools/test.py', cfg, ckpt, '--work-dir', wd] + opts, env,
              osp.join(work_root, f'{name}_test.log'))
    m = re.findall(r'coco/bbox_mAP: ([0-9.]+)\s+coco/bbox_mAP_50: ([0-9.]+)', out)
    if m:
        ap, ap50 = float(m[-1][0]), float(m[-1][1])
    elif 'results of the whole dataset is empty' in out:  # no box above the score threshold
        ap, ap50 = 0.0, 0.0
    else:
        raise RuntimeError(f'no coco/bbox_mAP in the test output of {name}')
    return dict(model=name, epochs=epochs, bbox_mAP=ap, bbox_mAP_50=ap50, train_s=train_s,
                test_s=time.time() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='1 epoch, fewer timing rounds')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads here and in the training subprocesses')
    parser.add_argument('--work-root', default='/tmp/mimicdet_bench')
    parser.add_argument('--out', default=OUT_DIR)
    parser.add_argument('--skip-train', action='store_true', help='latency and costs only')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work_root, exist_ok=True)
    rounds, warmup = (5, 2) if args.quick else (15, 3)
    result = dict(quick=args.quick, threads=args.threads, torch=torch.__version__)

    pairs = {
        'tiny r18/16 (digits-det)': (build(TINY_RETINA), build(TINY_MIMIC, t_head=None,
                                                              mimic_loss=None), 128),
        'tiny r18/16 (digits-det) @512': (build(TINY_RETINA), build(TINY_MIMIC, t_head=None,
                                                                   mimic_loss=None), 512),
        'R-50-FPN (COCO arch)': (build(COCO_RETINA), build(COCO_MIMIC, t_head=None,
                                                           mimic_loss=None), 512),
    }
    result['latency'] = latency(pairs, rounds, warmup)
    print('\n== CPU inference latency (median, predict incl. NMS; random weights) ==')
    print(f'{"setting":32s} {"input":>8s} {"RetinaNet ms":>13s} {"MimicDet ms":>12s} {"ratio":>6s}')
    for r in result['latency']:
        print(f'{r["setting"]:32s} {r["input"]:>8s} {r["retinanet_ms"]:13.1f} '
              f'{r["mimicdet_ms"]:12.1f} {r["ratio"]:6.2f}')

    result['costs'] = [graph_costs(TINY_MIMIC, TINY_RETINA, 128, 'tiny r18/16'),
                       graph_costs(COCO_MIMIC, COCO_RETINA, 512, 'R-50-FPN (COCO arch)')]
    print('\n== deploy (predict) graph vs training graph ==')
    print(f'{"setting":22s} {"input":>8s} {"train M":>8s} {"deploy M":>9s} {"p ratio":>8s} '
          f'{"train GF":>9s} {"deploy GF":>10s} {"f ratio":>8s} {"Retina M":>9s} {"Retina GF":>10s}')
    for c in result['costs']:
        print(f'{c["setting"]:22s} {c["input"]:>8s} {c["train_params"] / 1e6:8.2f} '
              f'{c["deploy_params"] / 1e6:9.2f} {c["params_ratio"]:8.3f} {c["train_gflops"]:9.2f} '
              f'{c["deploy_gflops"]:10.2f} {c["flops_ratio"]:8.3f} '
              f'{c["retinanet_params"] / 1e6:9.2f} {c["retinanet_gflops"]:10.2f}')

    if not args.skip_train:
        epochs = 1 if args.quick else 6
        env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS=str(args.threads))
        runs = [('retinanet', TINY_RETINA, []),
                ('mimicdet_no_mimic', TINY_MIMIC, ['model.mimic_loss=None']),
                ('mimicdet', TINY_MIMIC, [])]
        result['digits_det'] = []
        print(f'\n== digits-det, {epochs}-epoch tiny schedule, COCO bbox mAP (200 val images) ==')
        for name, cfg, extra in runs:
            r = train_and_test(name, cfg, extra, args.work_root, epochs, env)
            result['digits_det'].append(r)
            print(f'{name:20s} mAP {r["bbox_mAP"]:.3f}  mAP50 {r["bbox_mAP_50"]:.3f}  '
                  f'train {r["train_s"]:.0f} s  test {r["test_s"]:.0f} s', flush=True)

    path = osp.join(args.out, 'mimicdet_bench_quick.json' if args.quick else 'mimicdet_bench.json')
    with open(path, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'\nwrote {osp.relpath(path, REPO_ROOT)}')


if __name__ == '__main__':
    main()
