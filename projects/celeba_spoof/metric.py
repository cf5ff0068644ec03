"""``FaceAntiSpoofMetric``: the official CelebA-Spoof TPR@FPR, CDCN's APCER/BPCER/ACER, AUC, EER,
HTER; writes the ROC curve (PNG) and the scores (json) beside the log.

The rules are the plain functions of :mod:`.functional`; this class only collects
``p_spoof = pred_score[1]`` and the liveness label of every sample (label 1 = spoof).
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpretrain.registry import METRICS

from . import functional as FN
from .labels import CelebASpoofError


def fpr_key(fpr: float) -> str:
    """``0.01 -> 'TPR@FPR=1e-2'`` (the release's printed labels "10E-3"... are typos)."""
    mantissa, exp = f'{fpr:.0e}'.split('e')
    return f'TPR@FPR={mantissa}e{int(exp)}'


def load_scores(path: str):
    """``(p_spoof, labels)`` from a scores json written by :class:`FaceAntiSpoofMetric`."""
    try:
        with open(path) as f:
            data = json.load(f)
        return np.asarray(data['p_spoof'], np.float64), np.asarray(data['labels'])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CelebASpoofError(f'{path}: not a scores file with "p_spoof" and "labels" '
                               f'({type(exc).__name__}: {exc})') from None


@METRICS.register_module()
class FaceAntiSpoofMetric(BaseMetric):
    """Face anti-spoofing metrics on ``p_spoof`` (rates in %, AUC as a fraction).

    Reports ``TPR@FPR=1e-2`` / ``5e-3`` / ``1e-3`` (official rule), ``AUC``, ``EER``,
    ``APCER``, ``BPCER``, ``ACER``, ``HTER`` (at the threshold chosen by ``threshold``),
    ``threshold`` (``p_spoof`` units: spoof when ``p_spoof >= threshold``) and, when the
    threshold comes from elsewhere, ``ACER_test_thr`` (CDCN's "test threshold" line). With
    ``aux_accuracy``, also the top-1 accuracy (%) of the spoof-type / illumination /
    environment heads and the mean attribute accuracy (%) on live images, where predicted.

    Args:
        fprs: FPRs of the TPR@FPR rule.
        threshold: ``'eer'``: the EER threshold of the evaluated set itself; a float: a fixed
            ``p_spoof`` threshold; a path: a scores json (e.g. this metric's dump on the
            validation set), whose EER threshold is used (the CDCN protocol).
        out_dir: Where to write ``<prefix>_roc.png`` and ``<prefix>_scores.json``: a folder,
            None for the current log folder (``<work_dir>/<timestamp>``) or ``''`` for nowhere.
        aux_accuracy: Report the auxiliary heads' accuracies.
        collect_device / prefix: See :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = 'spoof'

    def __init__(self, fprs: Sequence[float] = FN.DEFAULT_FPRS,
                 threshold: Union[str, float] = 'eer', out_dir: Optional[str] = None,
                 aux_accuracy: bool = True, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        for f in fprs:
            if not 0 < f <= 1:
                raise ValueError(f'fprs: {f!r} is not in (0, 1]')
        if not isinstance(threshold, (int, float, str)):
            raise TypeError(f"threshold must be 'eer', a float or a scores-file path, got "
                            f'{threshold!r}')
        self.fprs = tuple(fprs)
        self.threshold = threshold
        self.out_dir = out_dir
        self.aux_accuracy = aux_accuracy

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = sample['pred_score']
            if score.numel() != 2:
                raise CelebASpoofError(f'FaceAntiSpoofMetric: pred_score of '
                                       f'{sample.get("img_path")} has {score.numel()} classes; '
                                       'expected 2 (live, spoof)')
            result = dict(p_spoof=float(score[1]), label=int(sample['gt_label'].reshape(-1)[0]))
            for name in ('spoof_type', 'illum', 'env'):
                if f'pred_{name}' in sample and name in sample:
                    result[name] = (int(sample[f'pred_{name}']), int(sample[name]))
            if 'pred_attr' in sample and 'attr' in sample:
                result['attr'] = ((sample['pred_attr'] > 0.5).float() == sample['attr']).float()\
                    .mean().item()
            result['path'] = sample.get('img_path')
            self.results.append(result)

    def _threshold(self, p: np.ndarray, y: np.ndarray) -> float:
        if isinstance(self.threshold, str):
            if self.threshold == 'eer':
                return FN.eer_threshold(p, y)[1]
            vp, vy = load_scores(self.threshold)
            return FN.eer_threshold(vp, vy)[1]
        return float(self.threshold)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        p = np.array([r['p_spoof'] for r in results], np.float64)
        y = np.array([r['label'] for r in results], np.int64)
        p, y = FN.check_scores(p, y, name='FaceAntiSpoofMetric')
        metrics = {fpr_key(f): 100.0 * t for f, t in zip(self.fprs, FN.tpr_at_fpr(p, y, self.fprs))}
        metrics['AUC'] = FN.roc_auc(p, y)
        eer, eer_thr = FN.eer_threshold(p, y)
        metrics['EER'] = 100.0 * eer
        thr = self._threshold(p, y)
        rates = FN.apcer_bpcer_acer(p, y, thr)
        metrics.update({k: 100.0 * v for k, v in rates.items()})
        metrics['HTER'] = 100.0 * FN.hter(p, y, thr)
        metrics['threshold'] = thr
        if self.threshold != 'eer':
            metrics['ACER_test_thr'] = 100.0 * FN.apcer_bpcer_acer(p, y, eer_thr)['ACER']
        if self.aux_accuracy:
            for name in ('spoof_type', 'illum', 'env'):
                pairs = [r[name] for r in results if name in r and r[name][1] >= 0]
                if pairs:
                    metrics[f'{name}_acc'] = 100.0 * float(np.mean([a == b for a, b in pairs]))
            attrs = [r['attr'] for r in results if 'attr' in r and r['label'] == 0]
            if attrs:
                metrics['attr_acc_live'] = 100.0 * float(np.mean(attrs))
        self._write(p, y, results)
        return metrics

    def _write(self, p: np.ndarray, y: np.ndarray, results: List[dict]) -> None:
        out_dir = self.out_dir
        if out_dir is None:
            log_file = getattr(MMLogger.get_current_instance(), 'log_file', None)
            out_dir = osp.dirname(log_file) if log_file else ''
        if not out_dir:
            return
        os.makedirs(out_dir, exist_ok=True)
        stem = osp.join(out_dir, self.prefix or 'spoof')
        with open(f'{stem}_scores.json', 'w') as f:
            json.dump(dict(p_spoof=p.tolist(), labels=y.tolist(),
                           paths=[r.get('path') for r in results]), f)
        FN.save_roc_png(p, y, f'{stem}_roc.png', title=f'ROC ({len(p)} images)')
