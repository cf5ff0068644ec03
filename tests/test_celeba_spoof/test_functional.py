"""The metric rules against hand computations, a literal copy of the official rule and sklearn."""
import numpy as np
import pytest

from projects.celeba_spoof import (CelebASpoofError, apcer_bpcer_acer, eer_threshold, hter,
                                   roc_auc, tpr_at_fpr)


def official_tpr_at_fpr(scores, labels, fpr):
    """The release's client.py rule, written out literally (sorts once per FPR)."""
    live = sorted([s for s, l in zip(scores, labels) if l == 0], reverse=True)
    spoof = [s for s, l in zip(scores, labels) if l == 1]
    thr = live[max(1, int(fpr * len(live))) - 1]
    return sum(1 for s in spoof if s > thr) / len(spoof)


def _tie_example():
    # 300 live: 0.95, 0.9, 0.9, 0.5 and 296 x 0.1; 4 spoof, one tied with the 0.9 threshold
    live = [0.95, 0.9, 0.9, 0.5] + [0.1] * 296
    spoof = [0.9, 0.91, 0.99, 0.2]
    return np.array(live + spoof), np.array([0] * 300 + [1] * 4)


def test_tpr_at_fpr_hand_computed_with_ties():
    p, y = _tie_example()
    # 1e-2: int(3.0) = 3 -> 3rd highest live = 0.9; spoof > 0.9 (strict): 0.91, 0.99 -> 2/4
    # 5e-3: int(1.5) = 1 -> 0.95; spoof > 0.95: 0.99 -> 1/4
    # 1e-3: int(0.3) = 0 -> max(1, 0) = 1 -> the top live score 0.95 -> 1/4
    assert tpr_at_fpr(p, y) == [0.5, 0.25, 0.25]


def test_tpr_at_fpr_zero_index_uses_top_live_score():
    p = np.array([0.3, 0.6, 0.2, 0.55, 0.7, 0.65])
    y = np.array([0, 0, 0, 1, 1, 1])
    # N_live = 3: int(fpr * 3) == 0 for every official FPR -> thr = 0.6; spoof > 0.6: 0.7, 0.65
    assert tpr_at_fpr(p, y, (0.01, 0.001)) == [2 / 3, 2 / 3]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_tpr_at_fpr_equals_literal_official_rule(seed):
    rng = np.random.default_rng(seed)
    n_live, n_spoof = 2345, 400
    # rounded to 2 decimals so that ties between and within the classes are frequent
    p = np.round(np.concatenate([rng.beta(2, 5, n_live), rng.beta(5, 2, n_spoof)]), 2)
    y = np.array([0] * n_live + [1] * n_spoof)
    fprs = (0.01, 0.005, 0.001, 0.0004, 0.3)
    expected = [official_tpr_at_fpr(p.tolist(), y.tolist(), f) for f in fprs]
    assert tpr_at_fpr(p, y, fprs) == expected


def test_eer_and_acer_follow_cdcn_on_a_hand_example():
    # live p_spoof 0.1, 0.2, 0.4; spoof 0.3, 0.8, 0.9. ROC of the live score (-p): the point
    # with |TPR + FPR - 1| = 0 is TPR 2/3, FPR 1/3 at p = 0.3.
    p = np.array([0.1, 0.2, 0.4, 0.3, 0.8, 0.9])
    y = np.array([0, 0, 0, 1, 1, 1])
    eer, thr = eer_threshold(p, y)
    assert eer == pytest.approx(1 / 3) and thr == pytest.approx(0.3)
    # CDCN: APCER = spoofs with live score > thr (p < 0.3): none; BPCER = lives with
    # live score <= thr (p >= 0.3): 0.4 -> 1/3
    rates = apcer_bpcer_acer(p, y, thr)
    assert rates == pytest.approx(dict(APCER=0.0, BPCER=1 / 3, ACER=1 / 6))
    # a fixed threshold 0.5: spoof 0.3 accepted (APCER 1/3), no live rejected
    assert apcer_bpcer_acer(p, y, 0.5) == pytest.approx(dict(APCER=1 / 3, BPCER=0.0,
                                                             ACER=1 / 6))
    assert hter(p, y, 0.5) == pytest.approx(1 / 6)


def test_acer_zero_when_separated_and_one_when_inverted():
    p = np.array([0.1, 0.2, 0.15, 0.7, 0.8, 0.9])
    y = np.array([0, 0, 0, 1, 1, 1])
    assert apcer_bpcer_acer(p, y, 0.5)['ACER'] == 0.0
    assert apcer_bpcer_acer(1 - p, y, 0.5) == dict(APCER=1.0, BPCER=1.0, ACER=1.0)
    # at the inverted set's own EER threshold it is still far above chance
    assert apcer_bpcer_acer(1 - p, y, eer_threshold(1 - p, y)[1])['ACER'] >= 0.5


def test_cdcn_boundary_live_is_rejected_at_its_own_threshold():
    # CDCN's rule counts live <= thr as rejected; sklearn's EER point of separated scores
    # sits on the highest live p_spoof, so that one live image counts (BPCER = 1/N_live)
    p = np.array([0.1, 0.2, 0.7, 0.8])
    y = np.array([0, 0, 1, 1])
    eer, thr = eer_threshold(p, y)
    assert (eer, thr) == (0.0, 0.2)
    assert apcer_bpcer_acer(p, y, thr) == dict(APCER=0.0, BPCER=0.5, ACER=0.25)


def test_auc_hand_value_and_constant_scores():
    p = np.array([0.1, 0.2, 0.4, 0.3, 0.8, 0.9])
    y = np.array([0, 0, 0, 1, 1, 1])
    # spoof > live pairs: 0.3 beats 2, 0.8 and 0.9 beat 3 each -> 8 of 9
    assert roc_auc(p, y) == pytest.approx(8 / 9)
    assert roc_auc(np.full(6, 0.42), y) == 0.5


def test_auc_and_eer_invariant_to_strictly_monotone_transforms():
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.beta(2, 4, 300), rng.beta(4, 2, 200)])
    y = np.array([0] * 300 + [1] * 200)
    base_auc, (base_eer, _) = roc_auc(p, y), eer_threshold(p, y)
    for f in (lambda s: np.exp(5 * s), lambda s: s ** 3 - 2.0, lambda s: np.log(s / (1 - s))):
        assert roc_auc(f(p), y) == pytest.approx(base_auc, abs=1e-12)
        assert eer_threshold(f(p), y)[0] == pytest.approx(base_eer, abs=1e-12)
    assert 0.5 < base_auc < 1.0


def test_tiny_probabilities_are_not_merged():
    # 1 - p would round 1e-18 and 1e-17 to the same live score; the ranking must survive
    p = np.array([1e-18, 3e-18, 2e-18, 4e-18])
    y = np.array([0, 0, 1, 1])
    assert roc_auc(p, y) == 0.75


@pytest.mark.parametrize('p,y,match', [
    ([0.1, 0.2], [0, 1, 1], '2 scores but 3 labels'),
    ([0.1, float('nan')], [0, 1], 'score 1 is nan'),
    ([0.1, 0.2], [0, 2], 'label 1 is 2'),
    ([0.1, 0.2], [1, 1], 'no live'),
    ([0.1, 0.2], [0, 0], 'no spoof'),
])
def test_bad_scores_give_one_line_errors(p, y, match):
    with pytest.raises(CelebASpoofError, match=match) as info:
        tpr_at_fpr(p, y)
    assert '\n' not in str(info.value)
    assert isinstance(info.value, ValueError)
