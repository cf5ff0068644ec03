"""ANetDetectionMetric: the official anchor, hand-computed edge cases, labels by name, the
official json round trip."""
import json

import numpy as np
import pytest
from mmengine.structures import BaseDataElement

from projects.anet_tal.metric import (ANetDetectionMetric, anet_detection_map,
                                      evaluate_anet_detection)
from projects.common.localization.errors import LocalizationInputError
from tests.test_anet_tal.conftest import ANCHOR_MAP, ANCHOR_PER_TIOU, GT, RESULT

THR_KEYS = [f'mAP@{t:.2f}' for t in np.linspace(0.5, 0.95, 10)]


def _det(s, e, label, score):
    return dict(segment=[s, e], label=label, score=score)


def test_official_anchor_per_threshold_and_average():
    values = evaluate_anet_detection(GT, RESULT, check_fields=False)
    np.testing.assert_allclose([values[k] for k in THR_KEYS], ANCHOR_PER_TIOU, atol=5e-9)
    assert values['mAP'] == pytest.approx(ANCHOR_MAP, abs=1e-15)


def test_metric_from_samples_writes_official_json_that_reads_back(tmp_path):
    with open(GT) as f:
        gt_json = json.load(f)
    with open(RESULT) as f:
        res = json.load(f)['results']
    out = str(tmp_path / 'det.json')
    metric = ANetDetectionMetric(out_file=out)
    samples = [BaseDataElement(metainfo=dict(video_name=n, annotations=i['annotations']))
               for n, i in gt_json.items()]
    preds = [dict(video_name=n, proposal_list=res[n[2:]]) for n in gt_json]
    metric.process(dict(data_samples=samples), preds)
    values = metric.compute_metrics(metric.results)
    assert values['mAP'] == pytest.approx(ANCHOR_MAP, abs=1e-15)
    with open(out) as f:
        written = json.load(f)
    assert set(written) == {'version', 'results', 'external_data'}
    assert written['version'] == 'VERSION 1.3'
    assert sorted(written['results']) == sorted(n[2:] for n in gt_json)  # no v_ prefix
    assert evaluate_anet_detection(GT, out) == values


def test_perfect_detections_give_one():
    gt = {'a': [(0.0, 10.0, 'x'), (20.0, 30.0, 'y')], 'b': [(5.0, 9.0, 'x')]}
    res = {'a': [_det(0.0, 10.0, 'x', 0.9), _det(20.0, 30.0, 'y', 0.8)],
           'b': [_det(5.0, 9.0, 'x', 0.7)]}
    values = anet_detection_map(gt, res)
    assert all(values[k] == 1.0 for k in THR_KEYS + ['mAP'])


def test_class_without_predictions_has_ap_zero():
    gt = {'a': [(0.0, 10.0, 'x'), (20.0, 30.0, 'y')]}
    res = {'a': [_det(0.0, 10.0, 'x', 0.9)]}
    values, ap, names = anet_detection_map(gt, res, return_ap=True)
    assert names == ['x', 'y']
    assert (ap[:, 1] == 0).all() and (ap[:, 0] == 1).all()
    assert values['mAP'] == 0.5


def test_prediction_on_a_video_without_ground_truth_is_a_false_positive():
    gt = {'a': [(0.0, 10.0, 'x')], 'b': []}
    # rank 1 on video b (no ground truth): fp; rank 2 perfect: precision 1/2 at recall 1
    res = {'b': [_det(0.0, 10.0, 'x', 0.9)], 'a': [_det(0.0, 10.0, 'x', 0.8)]}
    assert anet_detection_map(gt, res)['mAP'] == pytest.approx(0.5, abs=1e-15)


def test_duplicate_of_a_matched_ground_truth_is_a_false_positive():
    gt = {'a': [(0.0, 10.0, 'x'), (20.0, 30.0, 'x')]}
    # tp, fp (duplicate), tp: precision (1, 1/2, 2/3) at recall (1/2, 1/2, 1)
    # interpolated AP = 1/2 * 1 + 1/2 * 2/3
    res = {'a': [_det(0.0, 10.0, 'x', 0.9), _det(0.0, 10.0, 'x', 0.8),
                 _det(20.0, 30.0, 'x', 0.7)]}
    assert anet_detection_map(gt, res)['mAP'] == pytest.approx(0.5 + 1 / 3, abs=1e-12)


def test_tiou_threshold_is_inclusive_and_per_threshold():
    gt = {'a': [(0.0, 10.0, 'x')]}
    # tIoU = 7.5 / 10 = 0.75 exactly: a hit at 0.50 ... 0.75, a miss above
    values = anet_detection_map(gt, {'a': [_det(0.0, 7.5, 'x', 0.5)]})
    assert [values[k] for k in THR_KEYS] == [1.0] * 6 + [0.0] * 4
    assert values['mAP'] == pytest.approx(0.6)


def test_labels_are_matched_by_name_not_by_taxonomy_order():
    gt = {'a': [(0.0, 10.0, 'Mooping floor'), (20.0, 30.0, 'Wakeboarding')]}
    res = {'a': [_det(0.0, 10.0, 'Mooping floor', 0.9), _det(20.0, 26.0, 'Wakeboarding', 0.8)]}
    base = anet_detection_map(gt, res)
    for taxonomy in (['Wakeboarding', 'Mooping floor'], ['Mooping floor', 'Wakeboarding', 'Z']):
        assert anet_detection_map(gt, res, classes=taxonomy) == base
    # a taxonomy class without ground truth changes no class AP: its detections are dropped
    extra = dict(res, a=res['a'] + [_det(40.0, 50.0, 'Z', 0.99)])
    assert anet_detection_map(gt, extra, classes=['Mooping floor', 'Wakeboarding', 'Z']) == base


def test_unknown_label_error_names_file_video_entry_and_label(tmp_path):
    gt = {'a': [(0.0, 10.0, 'Mooping floor')]}
    res = {'a': [_det(0.0, 10.0, 'Mooping floor', 0.9), _det(0.0, 10.0, 'Mopping floor', 0.8)]}
    with pytest.raises(LocalizationInputError) as info:
        anet_detection_map(gt, res, name='r.json')
    msg = str(info.value)
    assert '\n' not in msg
    assert "r.json: video 'a', entry 1: label 'Mopping floor' is not in the taxonomy" in msg


def test_unknown_label_drop_removes_only_those_detections():
    gt = {'a': [(0.0, 10.0, 'x'), (20.0, 30.0, 'x')]}
    res = {'a': [_det(0.0, 10.0, 'x', 0.9), _det(20.0, 30.0, 'q', 0.85),
                 _det(50.0, 60.0, 'x', 0.8)]}
    # with 'q' dropped: tp, fp -> precision 1 at recall 1/2, AP = 0.5
    assert anet_detection_map(gt, res, unknown_label='drop')['mAP'] == pytest.approx(0.5)
    with pytest.raises(ValueError, match='unknown_label'):
        anet_detection_map(gt, res, unknown_label='ignore')


def test_file_with_unknown_label_fails_in_file_evaluation(tmp_path):
    path = str(tmp_path / 'bad.json')
    with open(path, 'w') as f:
        json.dump(dict(version='VERSION 1.3', external_data={},
                       results={'hDPLy21Yyuk': [_det(1.0, 5.0, 'Cleaning shoe', 0.5)]}), f)
    with pytest.raises(LocalizationInputError, match="bad.json: video 'hDPLy21Yyuk', entry 0: "
                                                     "label 'Cleaning shoe'"):
        evaluate_anet_detection(GT, path)


def test_metric_labels_proposals_with_video_scores(tmp_path):
    scores = str(tmp_path / 'cls.json')
    with open(scores, 'w') as f:
        json.dump({'results': {'a': [dict(label='x', score=0.7), dict(label='y', score=0.3)]}}, f)
    metric = ANetDetectionMetric(out_file=None, video_scores=scores, topk=1)
    samples = [BaseDataElement(metainfo=dict(
        video_name='v_a', annotations=[dict(segment=[0.0, 10.0], label='x'),
                                       dict(segment=[20.0, 30.0], label='y')]))]
    metric.process(dict(data_samples=samples),
                   [dict(video_name='v_a', proposal_list=[dict(segment=[0.0, 10.0], score=1.0),
                                                          dict(segment=[20.0, 30.0], score=0.5)])])
    # top-1 class 'x' for both proposals: class x AP 1, class y AP 0
    assert metric.compute_metrics(metric.results)['mAP'] == pytest.approx(0.5)


def test_unlabelled_predictions_without_video_scores_fail_with_one_line():
    metric = ANetDetectionMetric(out_file=None)
    samples = [BaseDataElement(metainfo=dict(
        video_name='v_a', annotations=[dict(segment=[0.0, 10.0], label='x')]))]
    metric.process(dict(data_samples=samples),
                   [dict(video_name='v_a', proposal_list=[dict(segment=[0.0, 10.0], score=1.0)])])
    with pytest.raises(LocalizationInputError, match='no video_scores'):
        metric.compute_metrics(metric.results)


@pytest.mark.parametrize('kwargs,match', [(dict(unknown_label='skip'), 'unknown_label'),
                                          (dict(mode='top3'), 'mode'),
                                          (dict(tie_order='random'), 'tie_order')])
def test_bad_metric_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ANetDetectionMetric(**kwargs)
