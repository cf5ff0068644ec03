"""ActivityNet / THUMOS metrics: official anchor values, parity with mmaction2, invariants."""
import time

import numpy as np
import pytest

from projects.common.localization.functional import (average_recall_at_avg_proposals,
                                                     average_recall_at_n, detection_ap)
from projects.common.localization.metrics import (evaluate_detection_file,
                                                  evaluate_proposal_file)
from tests.test_common.test_localization.conftest import GT, RESULT

def test_aran_on_anet_eval_files_matches_readme():
    out = evaluate_proposal_file(GT, RESULT, max_avg_proposals=100)
    assert out['auc'] == pytest.approx(72.525, abs=1e-9)
    assert out['AR@1'] == pytest.approx(0.0, abs=1e-12)
    assert out['AR@5'] == pytest.approx(0.6, abs=1e-12)
    assert out['AR@10'] == pytest.approx(0.75, abs=1e-12)
    assert out['AR@100'] == pytest.approx(0.75, abs=1e-12)


def test_aran_auc_with_seven_proposals_matches_spec():
    assert evaluate_proposal_file(GT, RESULT, max_avg_proposals=7)['auc'] == \
        pytest.approx(39.375, abs=1e-9)


def test_detection_map_on_anet_eval_files_matches_readme():
    out = evaluate_detection_file(GT, RESULT, protocol='anet')
    expected = [0.71428571, 0.71428571, 0.71428571, 0.6875, 0.6875, 0.59722222,
                0.52083333, 0.52083333, 0.52083333, 0.5]
    got = [out[f'mAP@{t:.2f}'] for t in np.linspace(0.5, 0.95, 10)]
    np.testing.assert_allclose(got, expected, atol=1e-8)
    assert out['mAP'] == pytest.approx(0.6177579365079365, abs=1e-12)


def test_detection_map_equals_mmaction_activitynet_localization():
    from mmaction.evaluation.functional.eval_detection import ActivityNetLocalization
    ref = ActivityNetLocalization(GT, RESULT)
    ref_map, ref_avg = ref.evaluate()
    out = evaluate_detection_file(GT, RESULT)
    np.testing.assert_allclose([out[k] for k in out if k != 'mAP'], ref_map, rtol=0, atol=1e-12)
    assert out['mAP'] == pytest.approx(ref_avg, abs=1e-12)


def _random_set(rng, num_videos, max_props):
    gt, props, total = {}, {}, 0
    for v in range(num_videos):
        n = int(rng.integers(1, 5))
        s = rng.uniform(0, 80, n)
        gt[f'vid{v}'] = np.stack([s, s + rng.uniform(1, 40, n)], 1)
        m = int(rng.integers(0, max_props))
        s = rng.uniform(0, 80, m)
        props[f'vid{v}'] = np.stack([s, s + rng.uniform(1, 40, m), rng.random(m)], 1)
        total += m
    return gt, props, total


@pytest.mark.parametrize('max_avg', [100, 7, None])
def test_aran_equals_mmaction_function(max_avg, monkeypatch):
    from mmaction.evaluation.functional import accuracy
    if not hasattr(np, 'trapz'):
        monkeypatch.setattr(np, 'trapz', np.trapezoid, raising=False)
    gt, props, total = _random_set(np.random.default_rng(0), 40, 60)
    ours = average_recall_at_avg_proposals(gt, props, total, max_avg)
    ref = accuracy.average_recall_at_avg_proposals(gt, props, total, max_avg)
    for a, b in zip(ours[:3], ref[:3]):
        np.testing.assert_array_equal(a, b)
    assert ours[3] == ref[3]


def test_aran_of_5000_videos_takes_seconds():
    gt, props, _ = _random_set(np.random.default_rng(1), 5000, 2)
    rng = np.random.default_rng(2)
    for v in props:
        s = rng.uniform(0, 80, 100)
        props[v] = np.stack([s, s + rng.uniform(1, 40, 100), rng.random(100)], 1)
    start = time.perf_counter()
    average_recall_at_avg_proposals(gt, props, 500000, 100)
    assert time.perf_counter() - start < 10.0


def test_ar_at_n_by_hand():
    # gt A = [0, 10] is hit by the 2nd-ranked proposal, gt B = [20, 30] by the 3rd only
    gt = {'x': np.array([[0., 10.], [20., 30.]])}
    props = {'x': np.array([[50., 60., 0.9], [0., 10., 0.8], [20., 30., 0.7]])}
    ar = average_recall_at_n(gt, props, nums=(1, 2, 3), temporal_iou_thresholds=np.array([0.5]))
    assert ar == {1: 0.0, 2: 0.5, 3: 1.0}


def test_ar_at_n_video_without_proposals_counts_as_missed():
    gt = {'x': np.array([[0., 10.]]), 'y': np.array([[0., 10.]])}
    ar = average_recall_at_n(gt, {'x': np.array([[0., 10., 1.]])}, nums=(1, ),
                             temporal_iou_thresholds=np.array([0.5, 1.0]))
    assert ar[1] == 0.5


def test_perfect_detections_give_map_one():
    gt = {'a': [(0., 10., 'c1'), (20., 30., 'c2')], 'b': [(5., 9., 'c1')]}
    preds = {v: [(s, e, c, 1.0) for s, e, c in anns] for v, anns in gt.items()}
    ap, _ = detection_ap(gt, preds)
    np.testing.assert_array_equal(ap, np.ones_like(ap))


def test_class_without_predictions_has_ap_zero():
    gt = {'a': [(0., 10., 'c1'), (20., 30., 'c2')]}
    ap, classes = detection_ap(gt, {'a': [(0., 10., 'c1', 1.0)]})
    assert classes == ['c1', 'c2']
    assert (ap[:, 0] == 1).all() and (ap[:, 1] == 0).all()


def test_duplicate_and_other_video_predictions_are_false_positives():
    gt = {'a': [(0., 10., 'c1')], 'b': []}
    # rank 1 other video (FP), rank 2 hit (TP), rank 3 duplicate (FP):
    # interpolated precision at recall 1 is 1/2
    preds = {'b': [(0., 10., 'c1', 0.9)], 'a': [(0., 10., 'c1', 0.8), (0., 10., 'c1', 0.7)]}
    ap, _ = detection_ap(gt, preds, np.array([0.5]))
    assert ap[0, 0] == pytest.approx(0.5)
    # THUMOS AP (non-interpolated): precision at the TP (1/2) over 1 ground truth
    ap, _ = detection_ap(gt, preds, np.array([0.5]), mode='thumos')
    assert ap[0, 0] == pytest.approx(0.5)


def test_thumos_ap_differs_from_interpolated_by_hand():
    gt = {'a': [(0., 10., 'c'), (20., 30., 'c')]}
    # ranks: TP, FP, TP -> precisions at TPs 1 and 2/3; thumos AP = (1 + 2/3) / 2
    preds = {'a': [(0., 10., 'c', 0.9), (40., 50., 'c', 0.8), (20., 30., 'c', 0.7)]}
    ap_t, _ = detection_ap(gt, preds, np.array([0.5]), mode='thumos')
    ap_a, _ = detection_ap(gt, preds, np.array([0.5]), mode='anet')
    assert ap_t[0, 0] == pytest.approx((1 + 2 / 3) / 2)
    assert ap_a[0, 0] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_unknown_label_raises():
    with pytest.raises(ValueError, match='not a ground-truth class'):
        detection_ap({'a': [(0., 1., 'c')]}, {'a': [(0., 1., 'Mopping floor', 1.0)]})
