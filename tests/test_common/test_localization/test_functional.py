"""Temporal metrics: official anchor values, hand-made edge cases of the official definitions
(ActivityNet AR@AN / detection, THUMOS14 kit), parity with mmaction2, ties, bad segments."""
import time

import numpy as np
import pytest

from projects.common.localization.errors import LocalizationInputError
from projects.common.localization.functional import (ANET_TIOU, average_recall_at_avg_proposals,
                                                     average_recall_at_n, detection_ap,
                                                     kit_overlap, rank_order, thumos14_kit_ap)
from projects.common.localization.metrics import (evaluate_detection_file,
                                                  evaluate_proposal_file)
from tests.test_common.test_localization.conftest import GT, RESULT

ONE_THR = np.array([0.5])


@pytest.fixture
def mm_trapz(monkeypatch):
    """mmaction2's AR@AN calls np.trapz, which numpy >= 2.4 removed."""
    if not hasattr(np, 'trapz'):
        monkeypatch.setattr(np, 'trapz', np.trapezoid, raising=False)


# ---------------------------------------------------------------- official anchors (real files)
def test_aran_on_anet_eval_files_matches_readme():
    out = evaluate_proposal_file(GT, RESULT, max_avg_proposals=100, check_fields=False)
    assert out['auc'] == pytest.approx(72.525, abs=1e-9)
    assert out['AR@1'] == pytest.approx(0.0, abs=1e-12)
    assert out['AR@5'] == pytest.approx(0.6, abs=1e-12)
    assert out['AR@10'] == pytest.approx(0.75, abs=1e-12)
    assert out['AR@100'] == pytest.approx(0.75, abs=1e-12)


def test_aran_auc_with_seven_proposals_matches_spec():
    assert evaluate_proposal_file(GT, RESULT, max_avg_proposals=7, check_fields=False)['auc'] \
        == pytest.approx(39.375, abs=1e-9)


@pytest.mark.parametrize('tie_order', ['argsort', 'stable'])
def test_detection_map_on_anet_eval_files_matches_readme(tie_order):
    out = evaluate_detection_file(GT, RESULT, protocol='anet', tie_order=tie_order,
                                  check_fields=False)
    expected = [0.71428571, 0.71428571, 0.71428571, 0.6875, 0.6875, 0.59722222,
                0.52083333, 0.52083333, 0.52083333, 0.5]
    got = [out[f'mAP@{t:.2f}'] for t in np.linspace(0.5, 0.95, 10)]
    np.testing.assert_allclose(got, expected, atol=1e-8)
    assert out['mAP'] == pytest.approx(0.6177579365079365, abs=1e-12)


def test_detection_map_equals_mmaction_activitynet_localization():
    from mmaction.evaluation.functional.eval_detection import ActivityNetLocalization
    ref_map, ref_avg = ActivityNetLocalization(GT, RESULT).evaluate()
    out = evaluate_detection_file(GT, RESULT, tie_order='stable', iou_dtype='float32',
                                  check_fields=False)
    np.testing.assert_array_equal([out[k] for k in out if k != 'mAP'], ref_map)
    assert out['mAP'] == ref_avg


# ------------------------------------------------------ mmaction2's synthetic AR@AN test cases
def test_mmaction_synthetic_aran_cases():
    # the cases of mmaction2's tests/evaluation/metrics/test_metric_utils.py
    gt1 = {'v_test1': np.array([[0, 1], [1, 2]]), 'v_test2': np.array([[0, 1], [1, 2]])}
    gt2 = {'v_test1': np.array([[0, 1]])}
    props1 = {'v_test1': np.array([[0, 1, 1], [1, 2, 1]]),
              'v_test2': np.array([[0, 1, 1], [1, 2, 1]])}
    props2 = {'v_test1': np.array([[10, 11, 0.6], [11, 12, 0.4]]),
              'v_test2': np.array([[10, 11, 0.6], [11, 12, 0.4]])}
    props3 = {'v_test1': np.array([[i, i + 1, 1 / (i + 1)] for i in range(100)])}
    recall, avg, ppv, auc = average_recall_at_avg_proposals(gt1, props1, 4)
    np.testing.assert_array_equal(recall, [[0.] * 49 + [0.5] * 50 + [1.]] * 10)
    np.testing.assert_array_equal(avg, [0.] * 49 + [0.5] * 50 + [1.])
    np.testing.assert_array_almost_equal(ppv, np.arange(0.02, 2.02, 0.02), decimal=10)
    assert auc == 25.5
    recall, avg, ppv, auc = average_recall_at_avg_proposals(gt1, props2, 4)
    np.testing.assert_array_equal(recall, [[0.] * 100] * 10)
    assert auc == 0
    recall, avg, ppv, auc = average_recall_at_avg_proposals(gt2, props3, 100)
    np.testing.assert_array_equal(recall, [[1.] * 100] * 10)
    np.testing.assert_array_almost_equal(ppv, np.arange(1, 101, 1), decimal=10)
    assert auc == 99.0


# ----------------------------------------------------------- AR@AN edge cases, by hand
def test_aran_video_without_proposal_entry_has_no_proposal():
    # official eval_proposal.py: a ground-truth video absent from the proposals scores one
    # all-zero column. 2 videos, 1 proposal: AN = 0.5, ratio 1; only at 100 % of AN (one
    # proposal looked at in x) is x's ground truth found: recall 1/2 there, 0 before.
    gt = {'x': np.array([[0., 10.]]), 'y': np.array([[0., 10.]])}
    recall, avg, ppv, auc = average_recall_at_avg_proposals(gt, {'x': np.array([[0., 10., 1.]])},
                                                            1)
    np.testing.assert_array_equal(recall[:, :99], 0)
    np.testing.assert_array_equal(recall[:, 99], 0.5)
    np.testing.assert_allclose(ppv, np.arange(1, 101) / 200)
    # trapezoid over the last step only: 0.005 * 0.5 / 2, normalised by AN = 0.5, in %
    assert auc == pytest.approx(100 * 0.005 * 0.25 / 0.5)


def test_aran_leaves_out_videos_without_annotations():
    # 'y' has no annotation: the official ground truth (a table of annotations) has 1 video.
    # AN = 2 proposals / 1 video, ratio 1; x's single proposal is looked at from 50 % of AN
    # (int(2 * k / 100) >= 1 for k >= 50): recall 0 for k < 50, 1 from k = 50.
    gt = {'x': np.array([[0., 10.]]), 'y': np.zeros((0, 2))}
    props = {'x': np.array([[0., 10., 0.9]]), 'y': np.array([[0., 5., 0.8]])}
    recall, avg, ppv, auc = average_recall_at_avg_proposals(gt, props, 2)
    np.testing.assert_array_equal(avg, [0.] * 49 + [1.] * 51)
    np.testing.assert_allclose(ppv, np.arange(1, 101) / 50)
    # area: (0.98 -> 1.00 rising 0 -> 1) 0.01, plus 1.00 -> 2.00 at 1: 1.0; over AN = 2
    assert auc == pytest.approx(100 * 1.01 / 2)


def test_aran_tiou_equal_to_threshold_float64_official_float32_mmaction(mm_trapz):
    # tIoU of [0, 7] with [0, 10] is 0.7 in float64 (== the threshold 0.7 of
    # linspace(0.5, 0.95, 10)), 0.699999988 in float32 (< 0.7): a hit only in float64
    thr = np.array([ANET_TIOU[4]])
    assert thr[0] == 7.0 / 10.0 and np.float32(0.7) < thr[0]
    gt = {'x': np.array([[0., 10.]])}
    props = {'x': np.array([[0., 7., 1.]])}
    rec64 = average_recall_at_avg_proposals(gt, props, 1, 1, thr)[0]
    rec32 = average_recall_at_avg_proposals(gt, props, 1, 1, thr, iou_dtype='float32')[0]
    assert rec64[0, -1] == 1.0 and rec32[0, -1] == 0.0
    from mmaction.evaluation.functional import accuracy
    assert accuracy.average_recall_at_avg_proposals(gt, props, 1, 1, thr)[0][0, -1] == 0.0


# ------------------------------------------------------ randomized parity with mmaction2
def _random_set(rng, num_videos, max_props, round_scores=False):
    gt, props, total = {}, {}, 0
    for v in range(num_videos):
        n = int(rng.integers(1, 5))
        s = rng.uniform(0, 80, n)
        gt[f'vid{v}'] = np.stack([s, s + rng.uniform(1, 40, n)], 1)
        m = int(rng.integers(0, max_props))
        s = rng.uniform(0, 80, m)
        score = rng.random(m).round(1) if round_scores else rng.random(m)
        props[f'vid{v}'] = np.stack([s, s + rng.uniform(1, 40, m), score], 1)
        total += m
    return gt, props, total


@pytest.mark.parametrize('max_avg', [100, 7, None])
def test_aran_float32_equals_mmaction_function_on_many_videos(max_avg, mm_trapz):
    from mmaction.evaluation.functional import accuracy
    gt, props, total = _random_set(np.random.default_rng(0), 300, 60, round_scores=True)
    ours = average_recall_at_avg_proposals(gt, props, total, max_avg, iou_dtype='float32')
    ref = accuracy.average_recall_at_avg_proposals(gt, props, total, max_avg)
    for a, b in zip(ours[:3], ref[:3]):
        np.testing.assert_array_equal(a, b)
    assert ours[3] == ref[3]
    # continuous random segments never sit on a threshold: float64 gives the same numbers
    np.testing.assert_array_equal(average_recall_at_avg_proposals(gt, props, total,
                                                                  max_avg)[0], ref[0])


def _random_detections(rng, num_videos, classes=('a', 'b', 'c')):
    gt, dets = {}, {}
    for v in range(num_videos):
        n = int(rng.integers(0, 4))
        s = rng.uniform(0, 80, n)
        e = s + rng.uniform(1, 30, n)
        gt[f'vid{v}'] = [(a, b, classes[int(rng.integers(len(classes)))]) for a, b in zip(s, e)]
        m = int(rng.integers(0, 12))
        s = rng.uniform(0, 80, m)
        e = s + rng.uniform(1, 30, m)
        score = rng.random(m).round(1)  # many ties
        dets[f'vid{v}'] = [(a, b, classes[int(rng.integers(len(classes)))], c)
                           for a, b, c in zip(s, e, score)]
    return gt, dets


def test_detection_stable_float32_equals_mmaction_compute_average_precision_detection():
    from mmaction.evaluation.functional.eval_detection import \
        compute_average_precision_detection
    gt, dets = _random_detections(np.random.default_rng(1), 200)
    ap, classes = detection_ap(gt, dets, tie_order='stable', iou_dtype='float32')
    for c, name in enumerate(classes):
        ref_gt = [{'video-id': v, 't-start': s, 't-end': e} for v, anns in gt.items()
                  for s, e, lab in anns if lab == name]
        ref_pred = [{'video-id': v, 't-start': s, 't-end': e, 'score': sc}
                    for v, ds in dets.items() for s, e, lab, sc in ds if lab == name]
        np.testing.assert_array_equal(ap[:, c], compute_average_precision_detection(
            ref_gt, ref_pred, ANET_TIOU))


def test_detection_argsort_equals_mmaction_average_precision_at_temporal_iou():
    # mmaction2's functional AP ranks by argsort()[::-1] like the official code (and keeps
    # float32 AP): the same ranking as tie_order='argsort'
    from mmaction.evaluation.functional import average_precision_at_temporal_iou
    gt, dets = _random_detections(np.random.default_rng(2), 200)
    ap, classes = detection_ap(gt, dets, iou_dtype='float32')
    for c, name in enumerate(classes):
        ref_gt = {}
        for v, anns in gt.items():
            segs = [[s, e] for s, e, lab in anns if lab == name]
            if segs:
                ref_gt[v] = segs
        ref_pred = [[v, name, s, e, sc] for v, ds in dets.items() for s, e, lab, sc in ds
                    if lab == name]
        np.testing.assert_allclose(ap[:, c], average_precision_at_temporal_iou(
            ref_gt, ref_pred, ANET_TIOU), atol=1e-6)


def test_aran_of_5000_videos_takes_seconds():
    gt, props, _ = _random_set(np.random.default_rng(1), 5000, 2)
    rng = np.random.default_rng(2)
    for v in props:
        s = rng.uniform(0, 80, 100)
        props[v] = np.stack([s, s + rng.uniform(1, 40, 100), rng.random(100)], 1)
    start = time.perf_counter()
    average_recall_at_avg_proposals(gt, props, 500000, 100)
    assert time.perf_counter() - start < 10.0


# ----------------------------------------------------------- ActivityNet-style detection
def test_detection_ties_follow_tie_order():
    # one ground truth; two predictions with the same score: first in input order a miss,
    # second a hit. 'stable' ranks miss, hit: precision 0, 1/2 at recall 0, 1 -> AP 1/2.
    # 'argsort' ranks by argsort()[::-1] (whatever numpy's sort gives on this tie).
    gt = {'a': [(0., 10., 'c')]}
    preds = {'a': [(20., 30., 'c', 0.5), (0., 10., 'c', 0.5)]}
    assert detection_ap(gt, preds, ONE_THR, tie_order='stable')[0][0, 0] == pytest.approx(0.5)
    hit_first = np.array([0.5, 0.5]).argsort()[::-1][0] == 1
    assert detection_ap(gt, preds, ONE_THR)[0][0, 0] == pytest.approx(1.0 if hit_first else 0.5)
    assert rank_order(np.array([0.5, 0.5]), 'stable').tolist() == [0, 1]


def test_detection_threshold_is_inclusive_and_float64():
    # tIoU 0.5 exactly: a hit (>=); tIoU 0.7 in float64 == threshold 0.7: a hit in float64
    # (official), a miss in float32 (mmaction2's pairwise_temporal_iou)
    gt = {'a': [(0., 10., 'c')]}
    assert detection_ap(gt, {'a': [(0., 5., 'c', 1.)]}, ONE_THR)[0][0, 0] == 1.0
    thr = np.array([ANET_TIOU[4]])
    assert detection_ap(gt, {'a': [(0., 7., 'c', 1.)]}, thr)[0][0, 0] == 1.0
    assert detection_ap(gt, {'a': [(0., 7., 'c', 1.)]}, thr, iou_dtype='float32')[0][0, 0] == 0


def test_detection_matches_predictions_in_score_order_to_their_best_free_gt():
    # G1 = [0, 10], G2 = [2, 12]; D1 (0.9) = [1.5, 11.5] has tIoU .739 with G1 and .905 with
    # G2; D2 (0.8) = [0, 6] has .6 with G1 and .333 with G2. In score order D1 takes G2, D2
    # takes G1: two hits, AP 1 at tIoU 0.5.
    gt = {'a': [(0., 10., 'c'), (2., 12., 'c')]}
    preds = {'a': [(1.5, 11.5, 'c', 0.9), (0., 6., 'c', 0.8)]}
    assert detection_ap(gt, preds, ONE_THR)[0][0, 0] == pytest.approx(1.0)


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
    ap, _ = detection_ap(gt, preds, ONE_THR)
    assert ap[0, 0] == pytest.approx(0.5)


def test_interpolated_ap_takes_the_best_precision_to_the_right():
    # ranks FP, TP, TP over 2 ground truths: precision 1/2 at recall 1/2 is lifted to 2/3
    gt = {'a': [(0., 10., 'c'), (20., 30., 'c')]}
    preds = {'a': [(40., 50., 'c', 0.9), (0., 10., 'c', 0.8), (20., 30., 'c', 0.7)]}
    assert detection_ap(gt, preds, ONE_THR)[0][0, 0] == pytest.approx(2 / 3)


def test_unknown_label_raises():
    with pytest.raises(ValueError, match='not a ground-truth class'):
        detection_ap({'a': [(0., 1., 'c')]}, {'a': [(0., 1., 'Mopping floor', 1.0)]})


# ----------------------------------------------------------- the official THUMOS14 kit, by hand
def test_kit_overlap_is_tiou_for_intersecting_and_zero_for_touching():
    np.testing.assert_allclose(kit_overlap([[0., 10.]], [[5., 15.], [10., 20.], [0., 10.]]),
                               [[5 / 15, 0., 1.]])


def test_kit_threshold_is_strict():
    # overlap exactly 0.5: the kit (>) misses it, ActivityNet-style (>=) hits it: 0 vs 1
    gt = {'a': [(0., 10., 'c')]}
    preds = {'a': [(0., 5., 'c', 1.)]}
    assert thumos14_kit_ap(gt, preds, ONE_THR)[0][0, 0] == 0.0
    assert detection_ap(gt, preds, ONE_THR)[0][0, 0] == 1.0


def test_kit_removes_unmatched_detections_on_ambiguous_segments():
    # a miss at rank 1 overlapping an Ambiguous segment is not a false positive: kit AP 1,
    # ActivityNet-style AP 1/2
    gt = {'a': [(0., 10., 'c')]}
    preds = {'a': [(21., 29., 'c', 0.9), (0., 10., 'c', 0.8)]}
    amb = {'a': [(20., 30.)]}
    assert thumos14_kit_ap(gt, preds, ONE_THR, ambiguous=amb)[0][0, 0] == 1.0
    assert thumos14_kit_ap(gt, preds, ONE_THR)[0][0, 0] == 0.5
    assert detection_ap(gt, preds, ONE_THR)[0][0, 0] == 0.5
    # 'Ambiguous' entries of the ground truth are ambiguous segments, not a class
    gt_amb = {'a': [(0., 10., 'c'), (20., 30., 'Ambiguous')]}
    ap, classes = thumos14_kit_ap(gt_amb, preds, ONE_THR)
    assert classes == ['c'] and ap[0, 0] == 1.0
    # touching the ambiguous segment at a point is no overlap: still a false positive
    preds_touch = {'a': [(30., 35., 'c', 0.9), (0., 10., 'c', 0.8)]}
    assert thumos14_kit_ap(gt, preds_touch, ONE_THR, ambiguous=amb)[0][0, 0] == 0.5


def test_kit_matches_ground_truths_in_turn_to_their_best_free_detection():
    # the case of test_detection_matches_predictions_in_score_order...: G1 takes D1 (.739 >
    # .6), G2 is left with D2 (.333 <= .5). One hit at rank 1 of 2 ground truths: kit AP
    # = 1 / 2; ActivityNet-style AP 1
    gt = {'a': [(0., 10., 'c'), (2., 12., 'c')]}
    preds = {'a': [(1.5, 11.5, 'c', 0.9), (0., 6., 'c', 0.8)]}
    assert thumos14_kit_ap(gt, preds, ONE_THR)[0][0, 0] == pytest.approx(0.5)
    # ground-truth order matters: G2 first takes D1 (.905), G1 then D2 (.6): AP 1
    gt_swapped = {'a': [(2., 12., 'c'), (0., 10., 'c')]}
    assert thumos14_kit_ap(gt_swapped, preds, ONE_THR)[0][0, 0] == pytest.approx(1.0)
    # a ground truth takes its best-overlap detection, not the best-scored one above the
    # threshold: G = [0, 10] takes D2 (0.8, overlap 1) over D1 (0.9, overlap .6); D1 is then a
    # false positive ranked first: kit AP 1/2. ActivityNet-style D1 takes G first: AP 1
    gt_one = {'a': [(0., 10., 'c')]}
    preds_one = {'a': [(0., 6., 'c', 0.9), (0., 10., 'c', 0.8)]}
    assert thumos14_kit_ap(gt_one, preds_one, ONE_THR)[0][0, 0] == pytest.approx(0.5)
    assert detection_ap(gt_one, preds_one, ONE_THR)[0][0, 0] == pytest.approx(1.0)


def test_kit_ap_is_not_interpolated():
    # ranks FP, TP, TP over 2 ground truths: (1/2 + 2/3) / 2 (interpolated would give 2/3)
    gt = {'a': [(0., 10., 'c'), (20., 30., 'c')]}
    preds = {'a': [(40., 50., 'c', 0.9), (0., 10., 'c', 0.8), (20., 30., 'c', 0.7)]}
    assert thumos14_kit_ap(gt, preds, ONE_THR)[0][0, 0] == pytest.approx((1 / 2 + 2 / 3) / 2)


def test_kit_ties_follow_sorted_video_names():
    # equal scores: a miss in video 'b' (listed first) and a hit in video 'a'; the kit
    # concatenates videos in sorted order and sorts stably: hit first, AP 1
    gt = {'a': [(0., 10., 'c')]}
    preds = {'b': [(0., 10., 'c', 0.5)], 'a': [(0., 10., 'c', 0.5)]}
    assert thumos14_kit_ap(gt, preds, ONE_THR)[0][0, 0] == 1.0
    assert detection_ap(gt, preds, ONE_THR, tie_order='stable')[0][0, 0] == 0.5


def test_kit_class_without_detections_and_duplicates():
    gt = {'a': [(0., 10., 'c1'), (20., 30., 'c2')]}
    # c1: hit then duplicate (FP); c2: no detection (AP 0)
    preds = {'a': [(0., 10., 'c1', 0.9), (0., 10., 'c1', 0.8)]}
    ap, classes = thumos14_kit_ap(gt, preds, np.array([0.3, 0.5]))
    assert classes == ['c1', 'c2']
    np.testing.assert_allclose(ap, [[1.0, 0.0], [1.0, 0.0]])


# ----------------------------------------------------------------------- AR@N (THUMOS14)
def test_ar_at_n_by_hand():
    # gt A = [0, 10] is hit by the 2nd-ranked proposal, gt B = [20, 30] by the 3rd only
    gt = {'x': np.array([[0., 10.], [20., 30.]])}
    props = {'x': np.array([[50., 60., 0.9], [0., 10., 0.8], [20., 30., 0.7]])}
    ar = average_recall_at_n(gt, props, nums=(1, 2, 3), temporal_iou_thresholds=ONE_THR)
    assert ar == {1: 0.0, 2: 0.5, 3: 1.0}


def test_ar_at_n_video_without_proposals_counts_as_missed():
    gt = {'x': np.array([[0., 10.]]), 'y': np.array([[0., 10.]])}
    ar = average_recall_at_n(gt, {'x': np.array([[0., 10., 1.]])}, nums=(1, ),
                             temporal_iou_thresholds=np.array([0.5, 1.0]))
    assert ar[1] == 0.5


# ----------------------------------------------------------------------- bad segments
def _one_line_error(func, *args, match, **kwargs):
    with pytest.raises(LocalizationInputError, match=match) as info:
        func(*args, **kwargs)
    assert '\n' not in str(info.value)
    return str(info.value)


@pytest.mark.parametrize('segment', [[10., 0.], [np.nan, 1.]])
def test_bad_ground_truth_segment_names_the_video(segment):
    gt = {'good': np.array([[0., 1.]]), 'bad_vid': np.array([[0., 1.], segment])}
    props = {'good': np.array([[0., 1., 1.]]), 'bad_vid': np.array([[0., 1., 1.]])}
    _one_line_error(average_recall_at_avg_proposals, gt, props, 2, match="'bad_vid'.* segment 1")
    det_gt = {k: [(*s, 'c') for s in v.tolist()] for k, v in gt.items()}
    _one_line_error(detection_ap, det_gt, {}, match="'bad_vid'")
    _one_line_error(thumos14_kit_ap, det_gt, {}, match="'bad_vid'")


@pytest.mark.parametrize('segment,word', [([5., 5.], 'zero length'),
                                          ([5., 4.], 'ends before')])
def test_reversed_or_zero_length_prediction_names_the_video(segment, word):
    gt = {'v1': np.array([[0., 10.]])}
    props = {'v1': np.array([[0., 10., 0.9], segment + [0.5]])}
    _one_line_error(average_recall_at_avg_proposals, gt, props, 2, match=f"'v1'.*{word}")
    _one_line_error(average_recall_at_n, gt, props, match=f"'v1'.*{word}")
    dets = {'v1': [(0., 10., 'c', 0.9), (*segment, 'c', 0.5)]}
    _one_line_error(detection_ap, {'v1': [(0., 10., 'c')]}, dets, match=f"'v1'.*{word}")
    _one_line_error(thumos14_kit_ap, {'v1': [(0., 10., 'c')]}, dets, match=f"'v1'.*{word}")


def test_zero_length_ground_truth_is_a_miss_not_nan():
    gt = {'v1': np.array([[3., 3.], [0., 10.]])}
    props = {'v1': np.array([[0., 10., 0.9], [2., 4., 0.5]])}
    recall, avg, _, auc = average_recall_at_avg_proposals(gt, props, 2)
    assert np.isfinite(recall).all() and np.isfinite(auc)
    assert recall[:, -1].tolist() == [0.5] * 10
    ap, _ = detection_ap({'v1': [(3., 3., 'c'), (0., 10., 'c')]}, {'v1': [(0., 10., 'c', 1.)]})
    assert np.isfinite(ap).all() and ap[0, 0] == pytest.approx(0.5)
