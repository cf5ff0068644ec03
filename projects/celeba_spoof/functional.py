"""Face anti-spoofing metrics as plain functions of ``p_spoof`` and ``labels`` (1 = spoof).

- :func:`tpr_at_fpr` is the official CelebA-Spoof rule (``client.py`` of the release):
  the negatives are the live images; ``thr = sorted_desc(live)[max(1, int(fpr * N_live)) - 1]``
  and ``TPR = #(spoof > thr) / N_spoof`` with a strict ``>``.
- :func:`eer_threshold`, :func:`apcer_bpcer_acer` follow ZitongYu/CDCN ``utils.py``
  (pointed to by the CelebA-Spoof author, issue #41): that code takes label 1 = live and a
  live score; the threshold is the ROC point ``argmin |TPR + FPR - 1|``;
  ``APCER = #(spoof, live > thr) / N_spoof``, ``BPCER = #(live, live <= thr) / N_live``.
- AUC (sklearn), EER and HTER = (FAR + FRR) / 2 at a given threshold.

Polarity is converted in one place, :func:`to_live`. CDCN's live score is ``1 - p_spoof``; we
use ``-p_spoof`` (also strictly decreasing, so every ROC quantity is the same) because
``1 - p`` rounds distinct tiny ``p`` (below 1e-16) to equal scores. Thresholds returned by
these functions are in ``p_spoof`` units: an image is called spoof when ``p_spoof >= thr``
(CDCN's ``live <= thr``).

All rates are fractions in [0, 1].
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .labels import CelebASpoofError

DEFAULT_FPRS = (0.01, 0.005, 0.001)


def check_scores(p_spoof, labels, name: str = 'scores') -> Tuple[np.ndarray, np.ndarray]:
    """Validate and return ``(p_spoof, labels)`` as float64 / int64 1-D arrays.

    Raises:
        CelebASpoofError: lengths differ, a score is not finite, a label is not 0/1, or one of
            the two classes is absent.
    """
    p = np.asarray(p_spoof, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if p.shape != y.shape:
        raise CelebASpoofError(f'{name}: {p.size} scores but {y.size} labels')
    if not np.isfinite(p).all():
        bad = int(np.flatnonzero(~np.isfinite(p))[0])
        raise CelebASpoofError(f'{name}: score {bad} is {p[bad]} (expected a finite p_spoof)')
    if not np.isin(y, (0, 1)).all():
        bad = int(np.flatnonzero(~np.isin(y, (0, 1)))[0])
        raise CelebASpoofError(
            f'{name}: label {bad} is {y[bad].item()!r} (expected 0 = live, 1 = spoof)')
    y = y.astype(np.int64)
    for value, kind in ((0, 'live (label 0)'), (1, 'spoof (label 1)')):
        if not (y == value).any():
            raise CelebASpoofError(f'{name}: no {kind} sample; the metrics need both classes')
    return p, y


def to_live(p_spoof: np.ndarray, labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The one polarity conversion: ``(live_score, label_live)`` in CDCN's convention."""
    return -p_spoof, 1 - labels


def tpr_at_fpr(p_spoof, labels, fprs: Sequence[float] = DEFAULT_FPRS) -> List[float]:
    """TPR at each FPR by the official CelebA-Spoof rule (strict ``>``).

    The live scores are sorted once (the official script sorts once per FPR).

    Args:
        p_spoof: Spoof probability (or any score, higher = more likely spoof), shape (N,).
        labels: 0 = live, 1 = spoof, shape (N,).
        fprs: False-positive rates, each in (0, 1].

    Returns:
        One TPR (fraction) per FPR.
    """
    p, y = check_scores(p_spoof, labels)
    live_desc = np.sort(p[y == 0])[::-1]
    spoof_sorted = np.sort(p[y == 1])
    n_live, n_spoof = live_desc.size, spoof_sorted.size
    out = []
    for fpr in fprs:
        if not 0 < fpr <= 1:
            raise CelebASpoofError(f'fprs: {fpr!r} is not in (0, 1]')
        thr = live_desc[max(1, int(fpr * n_live)) - 1]
        # number of spoof scores strictly above thr
        above = n_spoof - np.searchsorted(spoof_sorted, thr, side='right')
        out.append(float(above) / n_spoof)
    return out


def roc_auc(p_spoof, labels) -> float:
    """Area under the ROC curve with spoof as the positive class (sklearn)."""
    from sklearn.metrics import roc_auc_score
    p, y = check_scores(p_spoof, labels)
    return float(roc_auc_score(y, p))


def eer_threshold(p_spoof, labels) -> Tuple[float, float]:
    """``(EER, threshold)`` by CDCN's rule on sklearn's ROC of the live score.

    The ROC point is ``argmin |TPR + FPR - 1|`` (first on ties); the EER is its FPR and the
    threshold is returned in ``p_spoof`` units (spoof when ``p_spoof >= threshold``).
    """
    from sklearn.metrics import roc_curve
    p, y = check_scores(p_spoof, labels)
    live_score, label_live = to_live(p, y)
    fpr, tpr, thresholds = roc_curve(label_live, live_score, pos_label=1)
    idx = int(np.argmin(np.abs(tpr + fpr - 1.0)))
    return float(fpr[idx]), float(-thresholds[idx])


def apcer_bpcer_acer(p_spoof, labels, threshold: float) -> Dict[str, float]:
    """APCER, BPCER and ACER at ``threshold`` (``p_spoof`` units) by CDCN's rule.

    ``APCER = #(spoof, live_score > thr_live) / N_spoof`` (spoofs accepted as live) and
    ``BPCER = #(live, live_score <= thr_live) / N_live`` (lives rejected), with
    ``live_score = -p_spoof`` and ``thr_live = -threshold``.
    """
    p, y = check_scores(p_spoof, labels)
    live_score, label_live = to_live(p, y)
    thr_live = -float(threshold)
    apcer = float(np.mean(live_score[label_live == 0] > thr_live))
    bpcer = float(np.mean(live_score[label_live == 1] <= thr_live))
    return dict(APCER=apcer, BPCER=bpcer, ACER=(apcer + bpcer) / 2.0)


def hter(p_spoof, labels, threshold: float) -> float:
    """Half total error rate ``(FAR + FRR) / 2`` at ``threshold`` (``p_spoof`` units).

    FAR = spoofs accepted as live, FRR = lives rejected, with the decision rule of
    :func:`apcer_bpcer_acer`; so HTER equals the ACER at the same threshold. The cross-dataset
    protocol takes the threshold from the training domain (e.g. its EER threshold).
    """
    return apcer_bpcer_acer(p_spoof, labels, threshold)['ACER']


def roc_curve_spoof(p_spoof, labels) -> Tuple[np.ndarray, np.ndarray]:
    """``(fpr, tpr)`` of the ROC with spoof as the positive class (for plotting)."""
    from sklearn.metrics import roc_curve
    p, y = check_scores(p_spoof, labels)
    fpr, tpr, _ = roc_curve(y, p)
    return fpr, tpr


def save_roc_png(p_spoof, labels, path: str, title: str = 'ROC') -> str:
    """Draw the ROC (spoof positive, log-FPR axis) with the official FPR points to ``path``."""
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt
    fpr, tpr = roc_curve_spoof(p_spoof, labels)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot(np.maximum(fpr, 1e-4), tpr, label=f'AUC = {roc_auc(p_spoof, labels):.4f}')
    for f, t in zip(DEFAULT_FPRS, tpr_at_fpr(p_spoof, labels, DEFAULT_FPRS)):
        ax.plot([f], [t], 'o', label=f'TPR@FPR={f:g}: {t:.4f}')
    ax.set_xscale('log')
    ax.set_xlim(1e-4, 1)
    ax.set_xlabel('FPR (live called spoof)')
    ax.set_ylabel('TPR (spoof detected)')
    ax.set_title(title)
    ax.legend(loc='lower right', fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
