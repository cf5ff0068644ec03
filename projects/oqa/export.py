"""Export a searched subnet of a trained OQA supernet as a static model + config.

Usage::

    python -m projects.oqa.export CONFIG SUPERNET.pth --arch "-ks ... -es ... -d ... -is N" \
        --out work_dirs/subnet   # writes subnet.pth and subnet.py

    python tools/test.py work_dirs/subnet.py work_dirs/subnet.pth

The supernet (built from CONFIG, weights from SUPERNET.pth) is set to the subnet, its BN
statistics are re-calibrated exactly as ``OQABNRecalibHook`` of CONFIG does it (same images,
same order), and :meth:`OQAMobileNetV3Supernet.export_subnet` copies the active weights, BN
statistics and LSQ steps into a static :class:`OQAMobileNetV3`. The written config is CONFIG
with the model replaced by ``OQAImageClassifier`` (same neck, head and preprocessor, input
resized to the subnet's resolution) and no re-calibration hook, so ``tools/test.py`` gives the
same accuracy as the supernet with that subnet set.
"""
import argparse
import copy
import os
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import MODELS, init_default_scope


def calib_hook_cfg(cfg: Config) -> Optional[dict]:
    for hook in cfg.get('custom_hooks', []) or []:
        if hook.get('type', '').split('.')[-1] == 'OQABNRecalibHook':
            return hook
    return None


def model_cfg_of(cfg: Config) -> dict:
    """``cfg.model`` with the top-level ``data_preprocessor`` filled in, as the Runner does."""
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    return model_cfg


def export(cfg: Config, checkpoint: str, arch: Union[str, dict, None], out: str,
           recalibrate: bool = True) -> dict:
    """Export ``arch`` (``None``: the config's ``model.subnet``) and return ``dict(arch, ...)``."""
    from mmengine.runner import load_checkpoint

    from .arch import arch_to_str
    from .bn_calib import OQABNRecalibHook, recalibrate_bn
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = model_cfg_of(cfg)
    model = MODELS.build(model_cfg)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    arch = model.set_eval_subnet(arch if arch is not None else cfg.model.get('subnet'))
    hook_cfg = calib_hook_cfg(cfg) or dict(num_images=2000, batch_size=100)
    hook_cfg = {k: v for k, v in dict(hook_cfg).items() if k != 'type'}
    if recalibrate:
        hook = OQABNRecalibHook(**hook_cfg)
        runner = argparse.Namespace(cfg=cfg)
        n = recalibrate_bn(model, hook.build_loader(runner), hook.num_images)
        print_log(f'BN re-calibrated on {n} training images', logger='current')
    static = model.backbone.export_subnet()
    deploy = dict(
        type='OQAImageClassifier',
        backbone=dict(type='OQAMobileNetV3', arch=arch_to_str(arch), bits=model.backbone.bits,
                      grad_scale=model.backbone.grad_scale,
                      signed_act=model.backbone.signed_act,
                      ks_list=list(model.backbone.ks_list),
                      expand_list=list(model.backbone.expand_list),
                      depth_list=list(model.backbone.depth_list),
                      **{k: v for k, v in model.backbone.widths.items()}),
        neck=copy.deepcopy(model_cfg.get('neck')),
        head=copy.deepcopy(model_cfg.get('head')),
        data_preprocessor=copy.deepcopy(model_cfg.get('data_preprocessor')),
        resolution=arch['resolution'])
    deploy_model = MODELS.build(copy.deepcopy(deploy))
    deploy_model.backbone = static
    if model.neck is not None:
        deploy_model.neck.load_state_dict(model.neck.state_dict())
    deploy_model.head.load_state_dict(model.head.state_dict())
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(dict(state_dict=deploy_model.state_dict(),
                    meta=dict(arch=arch_to_str(arch), bits=model.backbone.bits,
                              source=checkpoint)), out + '.pth')
    new_cfg = copy.deepcopy(cfg)
    new_cfg.model = deploy
    new_cfg.custom_hooks = [h for h in (cfg.get('custom_hooks') or [])
                            if h.get('type', '').split('.')[-1] != 'OQABNRecalibHook']
    new_cfg.load_from = None
    new_cfg.dump(out + '.py')
    print_log(f'exported {arch_to_str(arch)} to {out}.pth / {out}.py', logger='current')
    return dict(arch=arch, checkpoint=out + '.pth', config=out + '.py')


def main(argv=None) -> None:
    import sys
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    sys.path.insert(0, osp.join(repo, 'tools'))
    import _bootstrap  # noqa: F401
    from projects.common.errors import MMPapersError, cli_errors
    parser = argparse.ArgumentParser(description='Export an OQA subnet as a static model')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--arch', help='-ks ... -es ... -d ... -is N (default: model.subnet, '
                        'or the best subnet of --pareto)')
    parser.add_argument('--pareto', help="a search's pareto_<b>bit.json: export its best")
    parser.add_argument('--out', required=True, help='output prefix (writes .pth and .py)')
    parser.add_argument('--no-recalibrate', action='store_true')
    args = parser.parse_args(argv)
    holder = {}
    with cli_errors(args.config, holder):
        cfg = holder['cfg'] = Config.fromfile(args.config)
        arch = args.arch
        if arch is None and args.pareto:
            import json
            with open(args.pareto) as f:
                arch = json.load(f)['best']['arch']
        try:
            export(cfg, args.checkpoint, arch, args.out, not args.no_recalibrate)
        except ValueError as e:
            raise MMPapersError(str(e)) from None


if __name__ == '__main__':
    main()
