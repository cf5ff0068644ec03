"""Why the tiny quantized OQA supernets did not learn: measurements on `digits`.

Usage (under the benchmark lock; about 4 minutes on one core)::

    flock /tmp/bench.lock python tools/analysis_tools/oqa_diagnose.py \
        [--fp-checkpoint work_dirs/oqa-mbv3-tiny_fp-supernet_1xb64-4e_digits/epoch_4.pth]

Writes ``projects/oqa/benchmark/oqa_diagnose.json``:

* ``fp_top1``: the tiny FP supernet (max subnet, BN re-calibrated);
* ``init.<bits>bit.<act>``: the same weights loaded into a ``bits`` supernet, LSQ steps
  data-initialised on one training batch (max subnet, train mode), BN re-calibrated, **no
  training**; ``act`` = ``unsigned`` (official), ``signed_act`` (``signed_act=True``, ours:
  signed inputs for every block's 1x1 expand conv and final_expand, whose inputs are
  linear-bottleneck block outputs) or ``signed_all`` (diagnostic only: every conv input signed);
* ``train``: the tiny 4-bit stage (sandwich max + min, in-place KD, random resolution, SGD
  nesterov, cosine, 2 epochs) from the FP weights, for unsigned/signed inputs and LR 0.02/0.005:
  first/last training loss, val top-1 of the max subnet, and the LSQ weight step and weight norm
  of the first depthwise conv of stage 1 before and after (a step that changes sign or a weight
  norm that grows many times shows the update is too large for the step sizes).
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
CFG = 'configs/oqa/oqa-mbv3-tiny_4bit-supernet_1xb64-2e_digits.py'
FP_CKPT = 'work_dirs/oqa-mbv3-tiny_fp-supernet_1xb64-4e_digits/epoch_4.pth'
OUT = osp.join(REPO, 'projects', 'oqa', 'benchmark', 'oqa_diagnose.json')


def build(cfg, bits, ckpt, signed_act):
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.update(bits=bits, signed_act=signed_act is True)
    model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    model = MODELS.build(model_cfg)
    load_checkpoint(model, ckpt, map_location='cpu', strict=True, logger='silent')
    if signed_act == 'all':  # diagnostic only: every conv input signed
        for m in model.modules():
            if hasattr(m, 'act_quantizer'):
                m.act_quantizer.signed = True
    return model


def loaders(cfg):
    from mmengine.runner import Runner
    calib = copy.deepcopy(cfg.train_dataloader)
    calib.update(num_workers=0, persistent_workers=False, batch_size=100,
                 sampler=dict(type='DefaultSampler', shuffle=True, seed=0))
    train = copy.deepcopy(cfg.train_dataloader)
    train.update(num_workers=0, persistent_workers=False)
    val = copy.deepcopy(cfg.val_dataloader)
    val.update(num_workers=0, persistent_workers=False)
    return (Runner.build_dataloader(calib, seed=0), Runner.build_dataloader(train, seed=0),
            Runner.build_dataloader(val, seed=0))


def top1(model, loader):
    import torch
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            for s in model(data['inputs'], data['data_samples'], mode='predict'):
                correct += int(s.pred_label.item() == s.gt_label.item())
                total += 1
    return 100.0 * correct / total


def data_init(model, calib):
    """LSQ data init on one training batch: max subnet, train mode (as the first train step)."""
    import torch
    batch = next(iter(calib))
    data = model.data_preprocessor(batch, True)
    model.train()
    model.backbone.set_subnet(model.backbone.max_subnet())
    with torch.no_grad():
        model.extract_feat(data['inputs'][:64])
    model.set_eval_subnet(None)


def probe(model):
    conv = model.backbone.blocks[0].dw_conv
    return dict(weight_step=float(conv.weight_quantizer.step),
                weight_norm=float(conv.weight.norm()))


def train_run(cfg, ckpt, signed_act, lr, epochs, calib, train, val):
    import torch
    from mmengine.optim import build_optim_wrapper
    torch.manual_seed(0)
    model = build(cfg, 4, ckpt, signed_act)
    ow = copy.deepcopy(cfg.optim_wrapper)
    ow['optimizer']['lr'] = lr
    optim = build_optim_wrapper(model, ow)
    base = [g['lr'] for g in optim.optimizer.param_groups]
    n_iter, it, losses = epochs * len(train), 0, []
    before = None
    for _ in range(epochs):
        for batch in train:
            for g, lr0 in zip(optim.optimizer.param_groups, base):  # cosine, per iteration
                g['lr'] = 0.5 * lr0 * (1 + math.cos(math.pi * it / n_iter))
            model.train()
            out = model.train_step(batch, optim)
            if before is None:
                before = probe(model)  # after the data init of the first step
            losses.append(float(sum(v for k, v in out.items() if k.startswith('loss_'))))
            it += 1
    from projects.oqa import recalibrate_bn
    recalibrate_bn(model, calib, 1000)
    after = probe(model)
    return dict(signed_act=signed_act, lr=lr, epochs=epochs, iters=n_iter,
                loss_first=losses[0], loss_last_mean5=sum(losses[-5:]) / 5,
                val_top1_max_subnet=top1(model, val),
                nonfinite_loss=any(not math.isfinite(v) for v in losses),
                stage1_dw_step_after_init=before['weight_step'],
                stage1_dw_step_final=after['weight_step'],
                stage1_dw_weight_norm_growth=after['weight_norm'] / before['weight_norm'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--fp-checkpoint', default=FP_CKPT)
    args = parser.parse_args()
    os.chdir(REPO)
    sys.path.insert(0, osp.join(REPO, 'tools'))
    import _bootstrap  # noqa: F401
    if not osp.isfile(args.fp_checkpoint):
        raise SystemExit(f'--fp-checkpoint {args.fp_checkpoint}: no such file (train '
                         'configs/oqa/oqa-mbv3-tiny_fp-supernet_1xb64-4e_digits.py first)')
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    import projects.oqa  # noqa: F401
    from projects.oqa import recalibrate_bn
    cfg = Config.fromfile(CFG)
    calib, train, val = loaders(cfg)
    start = time.perf_counter()
    out = dict(command='python tools/analysis_tools/oqa_diagnose.py',
               fp_checkpoint=args.fp_checkpoint, config=CFG)
    fp = build(cfg, None, args.fp_checkpoint, False)
    recalibrate_bn(fp, calib, 1000)
    out['fp_top1'] = top1(fp, val)
    out['init'] = {}
    for bits in (8, 4, 3, 2):
        row = {}
        for name, signed in (('unsigned', False), ('signed_act', True),
                             ('signed_all', 'all')):
            model = build(cfg, bits, args.fp_checkpoint, signed)
            data_init(model, calib)
            recalibrate_bn(model, calib, 1000)
            row[name] = top1(model, val)
        out['init'][f'{bits}bit'] = row
        print(bits, row, flush=True)
    out['train'] = []
    for signed in (False, True):
        for lr in (0.02, 0.005):
            out['train'].append(train_run(cfg, args.fp_checkpoint, signed, lr, 2, calib, train,
                                          val))
            print(out['train'][-1], flush=True)
    out['seconds'] = time.perf_counter() - start
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1)
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
