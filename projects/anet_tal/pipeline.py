"""The ActivityNet-2020 localization chain behind ``tools/anet_tal.py``.

Stages (each prints a table and returns its numbers):

0. ``extract`` (optional): features of raw videos with a recognizer
   (``tools/misc/anet_extract_features.py``);
1. ``generators``: train (``tools/train.py``, in a subprocess) or load each proposal generator;
   each one alone: AR@AN and detection mAP on the evaluation set;
2. ``ensemble``: :class:`~.ensemble.EnsembleLocalizer` of all generators, each on its own
   feature set, for every rule listed (the first one goes on);
3. ``classify``: the proposals labelled with the averaged video-level classifier scores,
   ``top1`` (mmaction2 ``report_map``) and ``topk`` compared; the configured mode goes on;
4. ``evaluate``: the detections written as an official result json, read back and evaluated
   (:func:`~.metric.evaluate_anet_detection`); the numbers must equal stage 3's.

A pipeline config is a python file with ``work_dir``, ``gt_file``, ``classes``, ``extract``
(or ``None``), ``model`` (the stage-2 ``EnsembleLocalizer``: its ``members`` are the
generators ``dict(name, config, checkpoint=None)``, no checkpoint = train here; ``rule``,
``temporal_dim``, ``weights``, Soft-NMS), ``compare_rules`` (other rules also evaluated in
stage 2), ``classify`` (``dict(video_scores, weights, recognizer_classes, topk, mode)``) and
``evaluate`` (``dict(unknown_label, out_file)``). See
``configs/anet_tal/pipeline_tiny_anet-views.py``.
"""
import json
import os
import os.path as osp
import subprocess
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from projects.common.errors import MMPapersError
from projects.common.localization.metrics import aran_metrics
from projects.common.localization.proposal_io import (dump_results, gt_as_arrays,
                                                      load_ground_truth, load_taxonomy,
                                                      proposals_as_arrays, results_to_json)
from .classification import average_video_scores, classify_proposals, load_video_scores
from .ensemble import RULES, EnsembleLocalizer, check_common_t
from .metric import anet_detection_map, evaluate_anet_detection

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MAP_KEYS = ('mAP', 'mAP@0.50', 'mAP@0.75', 'mAP@0.95')


def format_table(title: str, rows: List[Dict[str, object]]) -> str:
    """A plain text table (floats with 4 decimals)."""
    if not rows:
        return f'{title}: (no rows)'
    cols = list(rows[0])
    cells = [[f'{r[c]:.4f}' if isinstance(r[c], float) else str(r[c]) for c in cols]
             for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    line = '+'.join('-' * (w + 2) for w in widths)
    out = [f'== {title}', line,
           ' | '.join(c.ljust(w) for c, w in zip(cols, widths)), line]
    out += [' | '.join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return '\n'.join(out + [line])


def _show(title: str, rows: List[Dict[str, object]]) -> None:
    print_log('\n' + format_table(title, rows), logger='current')


def _repo_path(path: str) -> str:
    return path if osp.isabs(path) else osp.join(REPO_ROOT, path)


def _last_checkpoint(work_dir: str) -> str:
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise MMPapersError(f'{work_dir}: training wrote no last_checkpoint')
    with open(marker) as f:
        return f.read().strip()


def train_generator(config: str, work_dir: str, options: Sequence[str] = ()) -> str:
    """Train with ``tools/train.py`` in a subprocess; returns the last checkpoint."""
    cmd = [sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'), config,
           '--work-dir', work_dir]
    if options:
        cmd += ['--cfg-options', *options]
    os.makedirs(work_dir, exist_ok=True)
    log = osp.join(work_dir, 'train_stdout.log')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    with open(log, 'w') as f:
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log) as f:
            last = [line for line in f.read().splitlines() if line.strip()][-1:]
        raise MMPapersError(f'{config}: training failed (exit {proc.returncode}): '
                            f'{last[0] if last else ""} (log: {log})')
    return _last_checkpoint(work_dir)


def load_member_inputs(config: str):
    """The test set of a generator config: ``(names, [inputs (B, C, T)], [data samples])``."""
    from mmaction.registry import DATASETS
    from tools._bootstrap import make_embedded_data
    cfg = Config.fromfile(_repo_path(config))
    ds_cfg = cfg.test_dataloader.dataset
    if ds_cfg.get('data_root'):
        ds_cfg.data_root = _repo_path(ds_cfg.data_root)
        make_embedded_data(ds_cfg.data_root)
    init_default_scope('mmaction')
    dataset = DATASETS.build(ds_cfg)
    names, inputs, samples = [], [], []
    for i in range(len(dataset)):
        item = dataset[i]
        names.append(item['data_samples'].metainfo['video_name'])
        inputs.append(item['inputs'])
        samples.append(item['data_samples'])
    return names, inputs, samples


def run_localizer(ensemble: EnsembleLocalizer, member_data: List[tuple],
                  batch_size: int = 16) -> List[dict]:
    """Proposals of every video (the first member's video order)."""
    names = member_data[0][0]
    index = [dict(zip(d[0], range(len(d[0])))) for d in member_data]
    for m, idx in enumerate(index[1:], 1):
        missing = [n for n in names if n not in idx]
        if missing:
            raise MMPapersError(f'{ensemble.member_names[m]}: video {missing[0]!r} of '
                                f'{ensemble.member_names[0]} is not in its test set')
    outputs = []
    with torch.no_grad():
        for b in range(0, len(names), batch_size):
            batch = names[b:b + batch_size]
            inputs = [torch.stack([d[1][idx[n]] for n in batch]).float()
                      for d, idx in zip(member_data, index)]
            samples = [member_data[0][2][index[0][n]] for n in batch]
            outputs += ensemble(inputs, samples, mode='predict')
    return outputs


def _proposal_metrics(gt, outputs) -> Dict[str, float]:
    props, total = proposals_as_arrays(results_to_json(outputs)['results'])
    ar = aran_metrics(gt_as_arrays(gt), props, total)
    return OrderedDict(auc=ar['auc'], **{'AR@100': ar['AR@100']})


def _detect(outputs, scores, classes, gt, assign_cfg, unknown_label='error'):
    proposals = {o['video_name']: o['proposal_list'] for o in outputs}
    dets = classify_proposals(proposals, scores, classes, **assign_cfg)
    return dets, anet_detection_map(gt, dets, classes, unknown_label)


def run_pipeline(cfg: Config, work_dir: Optional[str] = None,
                 train_options: Sequence[str] = (), evaluate_file: Optional[str] = None
                 ) -> Dict[str, object]:
    """Run every stage of the pipeline config ``cfg``; returns the numbers of each stage.

    Args:
        cfg: The pipeline config.
        work_dir: Overrides ``cfg.work_dir``.
        train_options: ``--cfg-options`` for every generator trained here.
        evaluate_file: Only evaluate this official result file (stage 4).
    """
    work_dir = _repo_path(work_dir or cfg.get('work_dir', 'work_dirs/anet_tal'))
    os.makedirs(work_dir, exist_ok=True)
    gt_file = _repo_path(cfg.gt_file)
    if not osp.isfile(gt_file):
        from tools._bootstrap import make_embedded_data
        make_embedded_data(osp.dirname(gt_file))
    classes = load_taxonomy(_repo_path(cfg.classes) if isinstance(cfg.classes, str)
                            else cfg.classes)
    eval_cfg = dict(cfg.get('evaluate', {}))
    unknown_label = eval_cfg.get('unknown_label', 'error')
    report: Dict[str, object] = OrderedDict()
    if evaluate_file is not None:
        values = evaluate_anet_detection(gt_file, evaluate_file, classes, unknown_label)
        _show(f'stage 4: evaluate {evaluate_file}',
              [OrderedDict(tIoU=k[4:] or 'avg', mAP=v) for k, v in values.items()])
        report['evaluate'] = dict(values)
        return report
    gt = load_ground_truth(gt_file)

    # fail before any training if map_mean would average maps of different T
    model = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') else dict(cfg.model)
    if model.get('type') != 'EnsembleLocalizer' or not model.get('members'):
        raise ValueError("model must be an EnsembleLocalizer with members (the generators)")
    generators = model.pop('members')
    for i, gen in enumerate(generators):
        if 'name' not in gen or 'config' not in gen:
            raise ValueError(f'model.members[{i}] needs "name" and "config", got {gen}')
    model.pop('type')
    ens_cfg = model
    rules = [ens_cfg.pop('rule', 'map_mean')]
    rules += [r for r in cfg.get('compare_rules', []) if r not in rules]
    bad = [r for r in rules if r not in RULES]
    if bad or not rules:
        raise ValueError(f'model.rule and compare_rules must be in {RULES}, got {rules}')
    if 'map_mean' in rules and ens_cfg.get('temporal_dim') is None:
        dims = [Config.fromfile(_repo_path(g['config'])).model.get('temporal_dim')
                for g in generators]
        check_common_t(dims, [g['name'] for g in generators])

    # stage 0: features
    if cfg.get('extract'):
        from tools.misc.anet_extract_features import extract_features
        ext = dict(cfg.extract)
        done = extract_features(**ext)
        _show('stage 0: feature extraction', [OrderedDict(videos=len(done),
                                                          out_dir=ext['out_dir'])])

    # stage 1: generators
    clf = dict(cfg.classify)
    scores = average_video_scores(
        [load_video_scores(_repo_path(p), classes, clf.get('recognizer_classes'))
         for p in clf['video_scores']], clf.get('weights'))
    assign_cfg = dict(topk=clf.get('topk', 2), mode=clf.get('mode', 'topk'),
                      max_per_video=clf.get('max_per_video', 100))
    members, member_data, rows = [], [], []
    report['generators'] = OrderedDict()
    for gen in generators:
        name, config = gen['name'], _repo_path(gen['config'])
        ckpt = gen.get('checkpoint')
        trained = ckpt is None
        if ckpt is None:
            safe = name.replace('/', '_').replace(' ', '_').replace('+', 'p')
            ckpt = train_generator(config, osp.join(work_dir, safe), train_options)
        elif not osp.isfile(_repo_path(ckpt)):
            raise MMPapersError(f'generator {name!r}: checkpoint {ckpt} not found')
        member = dict(config=config, checkpoint=_repo_path(ckpt), name=name)
        data = load_member_inputs(config)
        single = EnsembleLocalizer([member])
        outputs = run_localizer(single, [data])
        _, det = _detect(outputs, scores, classes, gt, assign_cfg, unknown_label)
        prop = _proposal_metrics(gt, outputs)
        tdim = int(data[1][0].shape[-1])
        row = OrderedDict(generator=name, T=tdim, trained='yes' if trained else 'loaded',
                          **prop, **{k: det[k] for k in MAP_KEYS})
        rows.append(row)
        report['generators'][name] = dict(row, checkpoint=member['checkpoint'],
                                          config=gen['config'], **det)
        members.append(member)
        member_data.append(data)
    _show('stage 1: generators (each alone; detections with the stage-3 classifier)', rows)

    # stage 2: ensemble
    rows, best_outputs = [], None
    report['ensemble'] = OrderedDict()
    for rule in rules:
        kwargs = dict(ens_cfg)
        if rule != 'map_mean':
            kwargs.pop('weights', None)
            kwargs.pop('temporal_dim', None)
        ensemble = EnsembleLocalizer(members, rule=rule, **kwargs)
        outputs = run_localizer(ensemble, member_data)
        _, det = _detect(outputs, scores, classes, gt, assign_cfg, unknown_label)
        prop = _proposal_metrics(gt, outputs)
        row = OrderedDict(rule=rule, members=len(members), **prop,
                          **{k: det[k] for k in MAP_KEYS})
        rows.append(row)
        report['ensemble'][rule] = dict(row, **det)
        if best_outputs is None:
            best_outputs = outputs
    _show(f'stage 2: ensemble of {len(members)} generators (the {rules[0]!r} proposals go on)',
          rows)
    dump_results(best_outputs, osp.join(work_dir, 'proposals.json'))

    # stage 3: classification
    rows = []
    report['classify'] = OrderedDict()
    variants = [('top1', dict(assign_cfg, mode='top1')),
                (f'top{assign_cfg["topk"]}', dict(assign_cfg, mode='topk'))]
    final = None
    for label, acfg in variants:
        dets, det = _detect(best_outputs, scores, classes, gt, acfg, unknown_label)
        rows.append(OrderedDict(assignment=label, classifiers=len(clf['video_scores']),
                                **{k: det[k] for k in MAP_KEYS}))
        report['classify'][label] = dict(det)
        if acfg['mode'] == assign_cfg['mode']:
            final = (dets, det)
    _show(f'stage 3: proposal classification (the {assign_cfg["mode"]!r} detections go on)',
          rows)

    # stage 4: official json, read back
    out_file = osp.join(work_dir, eval_cfg.get('out_file', 'detections.json'))
    data = dict(version='VERSION 1.3', results=final[0], external_data={})
    with open(out_file, 'w') as f:
        json.dump(data, f)
    values = evaluate_anet_detection(gt_file, out_file, classes, unknown_label)
    if any(not np.isclose(values[k], final[1][k], rtol=0, atol=1e-12) for k in values):
        raise MMPapersError(f'{out_file}: read back gives mAP {values["mAP"]}, expected '
                            f'{final[1]["mAP"]}')
    _show(f'stage 4: {out_file} (official format, read back)',
          [OrderedDict(tIoU=k[4:] or 'avg', mAP=v) for k, v in values.items()])
    report['evaluate'] = dict(values, file=out_file)
    with open(osp.join(work_dir, 'pipeline_results.json'), 'w') as f:
        json.dump(report, f, indent=1)
    return report


__all__ = ['run_pipeline', 'run_localizer', 'load_member_inputs', 'train_generator',
           'format_table']
