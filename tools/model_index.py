"""Write the OpenMMLab model index: ``configs/<folder>/metafile.yml`` and ``model-index.yml``.

One metafile per config folder, in the format of mmdet's and mmpretrain's ``.mim`` metafiles
(``Collections`` with the paper, ``Models`` with name, collection, config and metadata), which
``mim`` and the model-zoo pages read. Metadata come from the configs themselves (training data
from the data root, epochs, total batch size and GPUs from the ``{N}xb{B}`` name, optimizer,
architecture). ``Results`` are written only for the configs listed in :data:`RESULTS`: numbers
measured here, each quoted from the committed benchmark JSON that wrote it, with the JSON field
in a comment beside it (``tests/test_metafiles.py`` checks each one). No weights are published,
so no entry has ``Weights``.

Usage::

    python tools/model_index.py          # rewrite every metafile and model-index.yml
    python tools/model_index.py --check  # exit 1 if a file would change

A new method folder adds its entry to :data:`COLLECTIONS` (and its measured results to
:data:`RESULTS`), then runs this script.
"""
import argparse
import glob
import json
import os.path as osp
import re
import sys
from typing import Dict, List, Optional, Tuple

import _bootstrap  # noqa: F401  (repo root on sys.path, stack fixes)
from mmengine.config import Config

REPO_ROOT = _bootstrap.REPO_ROOT

#: config folder -> (comment line, collections); a folder with several collections names the
#: one of each config by a word of its file name (``match``).
COLLECTIONS: Dict[str, Tuple[str, List[dict]]] = {
    'adarem': ('AdaRem and the same recipes with SGD-momentum / Adam (the comparison arms).', [
        dict(Name='AdaRem', Title='Adaptive Gradient Method with Resilience and Momentum',
             URL='https://arxiv.org/abs/2010.11041', README='projects/adarem/README.md')]),
    'anet_tal': ('ActivityNet-2020 temporal action localization pipeline: BMN / BSN++ '
                 'generators on several feature sets, their ensemble, proposal classification.', [
                     dict(Name='ActivityNet-2020 TAL pipeline',
                          Title='Complementary Boundary Generator with Scale-Invariant '
                          'Relation Modeling for Temporal Action Localization: Submission to '
                          'ActivityNet Challenge 2020', URL='https://arxiv.org/abs/2007.09883',
                          README='projects/anet_tal/README.md')]),
    'aws': ('AWS policy search, final trainings with a searched policy, and the tiny '
            'uniform-policy / crop+Cutout arms of the same schedule.', [
                dict(Name='AWS', Title='Improving Auto-Augment via Augmentation-Wise Weight '
                     'Sharing', URL='https://arxiv.org/abs/2009.14737',
                     README='projects/aws/README.md')]),
    'baselines': ('Baselines proving each host library end to end on the embedded data.', [
        dict(Name='ResNet (digits baseline)', Title='Deep Residual Learning for Image Recognition',
             URL='https://arxiv.org/abs/1512.03385', README='README.md', match='resnet'),
        dict(Name='RetinaNet (digits-det baseline)',
             Title='Focal Loss for Dense Object Detection',
             URL='https://arxiv.org/abs/1708.02002', README='README.md', match='retinanet')]),
    'bsnpp': ("BSN++ and the BMN configs it is compared with (BMN is BSN++'s base).", [
        dict(Name='BSN++',
             Title='BSN++: Complementary Boundary Regressor with Scale-Balanced Relation '
             'Modeling for Temporal Action Proposal Generation',
             URL='https://arxiv.org/abs/2009.07641', README='projects/bsnpp/README.md')]),
    'celeba_spoof': ('AENet (C, C+S, C+G, C+S+G) on CelebA-Spoof: intra-test, protocols 1/2, '
                     'the CASIA-MFSD cross test, and tiny configs on the embedded set.', [
                         dict(Name='AENet', Title='CelebA-Spoof: Large-Scale Face '
                              'Anti-Spoofing Dataset with Rich Annotations',
                              URL='https://arxiv.org/abs/2007.12342',
                              README='projects/celeba_spoof/README.md')]),
    'dgnet': ('DG-Net backbones and, beside each, the static network it turns into a dynamic '
              'graph.', [
                  dict(Name='DG-Net', Title='Dynamic Graph: Learning Instance-aware '
                       'Connectivity for Neural Networks',
                       URL='https://arxiv.org/abs/2010.01097',
                       README='projects/dgnet/README.md')]),
    'mimicdet': ('MimicDet and the RetinaNet configs it is compared with (same data, schedule, '
                 'backbone).', [
                     dict(Name='MimicDet', Title='MimicDet: Bridging the Gap Between One-Stage '
                          'and Two-Stage Object Detection',
                          URL='https://arxiv.org/abs/2009.11528',
                          README='projects/mimicdet/README.md')]),
    'oqa': ('OQA: quantized once-for-all MobileNetV3 supernet stages (4, 3, 2 bits), search, '
            'deploy, and LSQ applied to other classifiers.', [
                dict(Name='OQA', Title='Once Quantized for All: Progressively Searching for '
                     'Quantized Efficient Models', URL='https://arxiv.org/abs/2010.04354',
                     README='projects/oqa/README.md')]),
    'spectral_distill': ('Temporal-spectrum and parameter-frequency distillation of video '
                         'recognizers (TSM-R50 teacher, TSM-MobileNetV2 student).', [
                             dict(Name='Spectral distillation',
                                  Title='Collaborative Distillation in the Parameter and '
                                  'Spectrum Domains for Video Action Recognition',
                                  URL='https://arxiv.org/abs/2009.06902',
                                  README='projects/spectral_distill/README.md')]),
    'toponet': ('TopoNet backbones (learned edge weights, L1 penalty) beside the residual, '
                'complete and random-wiring (ER/BA/WS) baselines, and RetinaNet/Faster R-CNN '
                'with a TopoNet ResNet-50 beside the static detectors.', [
                    dict(Name='TopoNet', Title='Learning Connectivity of Neural Networks from a '
                         'Topological Perspective', URL='https://arxiv.org/abs/2008.08261',
                         README='projects/toponet/README.md')]),
}

DG_JSON = 'projects/dgnet/benchmark/dgnet_bench.json'
BSNPP_JSON = 'projects/bsnpp/benchmark/bsnpp_bench.json'
MIMICDET_JSON = 'projects/mimicdet/benchmark/mimicdet_bench.json'
CLS = ('Image Classification', 'digits (embedded)')
TAL = ('Temporal Action Localization', 'anet-features (embedded)')
DET = ('Object Detection', 'digits-det (embedded)')
MIMICDET_BCE_CFG = 'configs/mimicdet/mimicdet_r18-tiny_fpn_bce-obj_1xb16-6e_digits-det.py'

#: config -> results measured here: (task, dataset, metric, json, JSON pointer, scale, note,
#: check), where ``check`` = (key, value) the JSON object holding the field must have. A field
#: missing from the JSON (a run not made yet) writes no number.
RESULTS: Dict[str, list] = {
    'configs/baselines/resnet18-tiny_1xb64-10e_digits.py': [
        CLS + ('Top 1 Accuracy', DG_JSON, '/digits/static ResNet-18/mean', None,
               'mean of seeds 0-2, tools/train.py runs of benchmarks/dgnet_bench.py',
               ('config', 'configs/baselines/resnet18-tiny_1xb64-10e_digits.py'))],
    'configs/dgnet/dgnet-resnet18-tiny_1xb64-10e_digits.py': [
        CLS + ('Top 1 Accuracy', DG_JSON, '/digits/DG-ResNet-18/mean', None,
               'mean of seeds 0-2, tools/train.py runs of benchmarks/dgnet_bench.py',
               ('config', 'configs/dgnet/dgnet-resnet18-tiny_1xb64-10e_digits.py'))],
    'configs/bsnpp/bmn_tiny_1xb8-12e_anet-features.py': [
        TAL + ('AUC', BSNPP_JSON, '/embedded_val/BMN/auc', None,
               'seed 0, benchmarks/bsnpp_bench.py',
               ('config', 'configs/bsnpp/bmn_tiny_1xb8-12e_anet-features.py')),
        TAL + ('AR@100', BSNPP_JSON, '/embedded_val/BMN/AR@100', 100, None, None)],
    'configs/bsnpp/bsnpp_tiny_1xb8-12e_anet-features.py': [
        TAL + ('AUC', BSNPP_JSON, '/embedded_val/BSN++/auc', None,
               'seed 0, benchmarks/bsnpp_bench.py',
               ('config', 'configs/bsnpp/bsnpp_tiny_1xb8-12e_anet-features.py')),
        TAL + ('AR@100', BSNPP_JSON, '/embedded_val/BSN++/AR@100', 100, None, None)],
    'configs/mimicdet/retinanet_r18-tiny_fpn_1xb16-6e_digits-det.py': [
        DET + ('box AP', MIMICDET_JSON, '/digits_det/[model=retinanet]/bbox_mAP', 100,
               'seed 0, benchmarks/mimicdet_bench.py',
               ('config', 'configs/mimicdet/retinanet_r18-tiny_fpn_1xb16-6e_digits-det.py'))],
    'configs/mimicdet/mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py': [
        DET + ('box AP', MIMICDET_JSON, '/digits_det/[model=mimicdet]/bbox_mAP', 100,
               'seed 0, benchmarks/mimicdet_bench.py',
               ('config', 'configs/mimicdet/mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py'))],
    MIMICDET_BCE_CFG: [
        DET + ('box AP', MIMICDET_JSON, '/digits_det/[model=mimicdet_bce_obj]/bbox_mAP', 100,
               'seed 0, benchmarks/mimicdet_bench.py', ('config', MIMICDET_BCE_CFG))],
}

#: data root (or annotation file) prefix -> data set name
DATA_NAMES = {
    'data/digits-det': 'digits-det (embedded)', 'data/digits': 'digits (embedded)',
    'data/anet-features': 'anet-features (embedded)', 'data/imagenet': 'ImageNet-1k',
    'data/anet-views': 'anet-views (embedded)', 'data/celeba-spoof': 'celeba-spoof (embedded)',
    'data/rate-videos': 'rate-videos (embedded)', 'data/CelebA_Spoof': 'CelebA-Spoof',
    'data/casia-mfsd': 'CASIA-MFSD', 'data/cifar100': 'CIFAR-100', 'data/kinetics400': 'Kinetics-400',
    'data/sthv2': 'Something-Something V2', 'data/jester': 'Jester',
    'data/coco': 'COCO', 'data/cifar10': 'CIFAR-10', 'data/ActivityNet': 'ActivityNet v1.3',
    'data/activitynet': 'ActivityNet v1.3', 'data/thumos14': 'THUMOS14'}


def json_field(data, pointer: str):
    """``data`` at a JSON pointer: ``/a/0/b``, where a segment ``[key=value]`` selects the item
    of a list whose ``key`` is ``value`` (keys may hold spaces)."""
    for part in pointer.strip('/').split('/'):
        select = re.fullmatch(r'\[(.+?)=(.+)\]', part)
        if select:
            matches = [d for d in data if str(d.get(select[1])) == select[2]]
            if len(matches) != 1:
                raise KeyError(f'{part}: {len(matches)} items match')
            data = matches[0]
        else:
            data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _q(text: str) -> str:
    """A YAML scalar, quoted only where plain style would be misread."""
    if re.search(r'^[-?:,\[\]{}#&*!|>\'"%@`]|: | #|:$', text) or text != text.strip():
        return '"' + text.replace('"', '\\"') + '"'
    return text


def _data_name(cfg: Config, config: str) -> str:
    loader = next((cfg.get(k) for k in ('train_dataloader', 'test_dataloader', 'val_dataloader')
                   if cfg.get(k)), None)
    if loader is None:  # e.g. a pipeline config that names its data per stage
        root = cfg.get('data_root') or cfg.get('gt_file') or ''
    else:
        ds = loader.dataset
        while 'dataset' in ds and not ds.get('data_root'):  # wrappers (subsets, repeats)
            ds = ds.dataset
        root = ds.get('data_root') or ds.get('ann_file') or str(ds.get('data_prefix'))
    for prefix, name in sorted(DATA_NAMES.items(), key=lambda kv: -len(kv[0])):
        if str(root).startswith(prefix):
            return name
    raise ValueError(f'{config}: no data set name for data root {root!r}; add it to '
                     'DATA_NAMES in tools/model_index.py')


def _techniques(cfg: Config) -> List[str]:
    if not cfg.get('optim_wrapper'):
        return []
    opt = cfg.optim_wrapper.get('optimizer') or {}
    kind = opt.get('type', '')
    out = [('SGD with Momentum' if opt.get('momentum') else 'SGD') if kind == 'SGD' else kind]
    return out + (['Weight Decay'] if opt.get('weight_decay') else [])


def _architecture(cfg: Config) -> List[str]:
    model = cfg.model
    if model.get('type') == 'ImageClassifier':
        return [model.backbone.type.split('.')[-1]]
    return [model.get('type')] + [model[part]['type'].split('.')[-1]
                                  for part in ('backbone', 'neck')
                                  if isinstance(model.get(part), dict)]


def _results(config: str) -> List[str]:
    lines, by_task = [], {}
    for task, dataset, metric, path, pointer, scale, note, check in RESULTS.get(config, []):
        by_task.setdefault((task, dataset), []).append((metric, path, pointer, scale, note,
                                                        check))
    for (task, dataset), metrics in by_task.items():
        metric_lines = []
        for metric, path, pointer, scale, note, check in metrics:
            with open(osp.join(REPO_ROOT, path)) as f:
                data = json.load(f)
            try:
                json_field(data, pointer)
            except (KeyError, IndexError) as exc:  # not measured (yet): no number is written
                print(f'{config}: {path} has no {pointer} ({exc}); no {metric} written')
                continue
            if check is not None:
                owner = json_field(data, pointer.rsplit('/', 1)[0])
                if owner.get(check[0]) != check[1]:
                    raise ValueError(f'{path} {pointer}: expected {check[0]}={check[1]!r}, '
                                     f'found {owner.get(check[0])!r}')
            value = round(float(json_field(data, pointer)) * (scale or 1), 2)
            if note:
                metric_lines.append(f'          # {note}')
            metric_lines.append(f'          {_q(metric)}: {value}  # from {path}: {pointer}' +
                                (f' x{scale}' if scale else ''))
        if metric_lines:
            lines += [f'      - Task: {task}', f'        Dataset: {_q(dataset)}',
                      '        Metrics:'] + metric_lines
    return ['    Results:'] + lines if lines else []


def model_entry(config: str, collection: str, stems: List[str]) -> Tuple[List[str], dict]:
    """The metafile lines of one config and its (data, resources) for the collection."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    name = osp.splitext(osp.basename(config))[0]
    if stems.count(osp.basename(config)) > 1:  # the same file name in two folders
        name = f"{config.split('/')[1]}_{name}"
    match = re.search(r'_(\d+)xb(\d+)', name)
    data = _data_name(cfg, config)
    resources = None
    lines = [f'  - Name: {name}', f'    In Collection: {_q(collection)}', f'    Config: {config}',
             '    Metadata:', f'      Training Data: {_q(data)}']
    if (cfg.get('train_cfg') or {}).get('max_epochs'):
        lines.append(f"      Epochs: {cfg.train_cfg['max_epochs']}")
    if match:
        gpus, per_gpu = int(match.group(1)), int(match.group(2))
        resources = '1x CPU' if 'tiny' in name else f'{gpus}x GPUs'
        lines += [f'      Batch Size: {gpus * per_gpu}', f'      Training Resources: {resources}']
    lines += ['      Training Techniques:'] + [f'        - {_q(t)}' for t in _techniques(cfg)]
    lines += ['      Architecture:'] + [f'        - {_q(a)}' for a in _architecture(cfg)]
    return lines + _results(config), dict(data=data, resources=resources)


def metafile(folder: str) -> str:
    """The text of ``configs/<folder>/metafile.yml``."""
    if folder not in COLLECTIONS:
        raise ValueError(f'configs/{folder}: no collection; add it to COLLECTIONS in '
                         'tools/model_index.py')
    intro, collections = COLLECTIONS[folder]
    configs = sorted(osp.relpath(p, REPO_ROOT) for p in glob.glob(
        osp.join(REPO_ROOT, 'configs', folder, '**', '*.py'), recursive=True)
        if '/_base_/' not in p)
    stems = [osp.basename(p) for p in glob.glob(osp.join(REPO_ROOT, 'configs', '*', '**', '*.py'),
                                                recursive=True) if '/_base_/' not in p]
    models, seen = [], {c['Name']: dict(data=[], resources=[]) for c in collections}
    for config in configs:
        col = next((c for c in collections if c.get('match', '') in osp.basename(config)),
                   collections[0])['Name']
        lines, meta = model_entry(config, col, stems)
        models += lines + ['']
        for key in ('data', 'resources'):
            if meta[key] and meta[key] not in seen[col][key]:
                seen[col][key].append(meta[key])
    out = [f'# {intro}',
           '# Results are those measured here on the embedded CPU data; each number quotes the',
           '# committed JSON field it comes from (tests/test_metafiles.py checks them). No',
           '# weights are published, so no entry has a Weights field.',
           '# Written by tools/model_index.py.',
           'Collections:']
    for c in collections:
        resources = sorted(seen[c['Name']]['resources'], key=lambda r: ('CPU' in r, r))
        out += [f"  - Name: {_q(c['Name'])}", '    Metadata:', '      Training Data:']
        out += [f'        - {_q(d)}' for d in seen[c['Name']]['data']]
        out += [f"      Training Resources: {_q(', '.join(resources))}", '    Paper:',
                f"      URL: {c['URL']}", f"      Title: {_q(c['Title'])}",
                f"    README: {c['README']}"]
    return '\n'.join(out + ['', 'Models:'] + models).rstrip() + '\n'


def model_index(folders: List[str]) -> str:
    """The text of ``model-index.yml``."""
    return ('# The OpenMMLab model index (read by mim and the model-zoo pages): one metafile per\n'
            '# config folder. tests/test_metafiles.py checks that every config is listed once.\n'
            'Import:\n' + ''.join(f'  - configs/{f}/metafile.yml\n' for f in folders))


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='exit 1 if a file would change')
    args = parser.parse_args(argv)
    folders = sorted(osp.basename(d) for d in glob.glob(osp.join(REPO_ROOT, 'configs', '*'))
                     if osp.isdir(d) and osp.basename(d) != '_base_')
    files = {osp.join('configs', f, 'metafile.yml'): metafile(f) for f in folders}
    files['model-index.yml'] = model_index(folders)
    stale = []
    for path, text in files.items():
        full = osp.join(REPO_ROOT, path)
        old = open(full).read() if osp.isfile(full) else None
        if old != text:
            stale.append(path)
            if not args.check:
                with open(full, 'w') as f:
                    f.write(text)
    verb = 'out of date' if args.check else 'written'
    print(f"{len(stale)} file(s) {verb}" + (': ' + ', '.join(stale) if stale else ''))
    if args.check and stale:
        sys.exit(1)


if __name__ == '__main__':
    main()
