"""Metric classes: AR@AN from data samples equals the file evaluation; THUMOS window merging."""
import json

import pytest
from mmengine.structures import BaseDataElement

from projects.common.localization.metrics import (ANetProposalMetric, TemporalDetectionMetric,
                                                  ThumosProposalMetric, evaluate_proposal_file)
from tests.test_common.test_localization.conftest import GT, RESULT


def _batch(gt_json, results_json, offsets=None):
    """data_batch / predictions as mmaction2's test loop passes them."""
    samples, preds = [], []
    for name, info in gt_json.items():
        meta = dict(video_name=name, annotations=info['annotations'])
        if offsets:
            meta['window_offset_second'] = offsets[name]
        samples.append(BaseDataElement(metainfo=meta))
        preds.append(dict(video_name=name,
                          proposal_list=results_json['results'].get(name[2:], [])))
    return dict(data_samples=samples), preds


def test_anet_proposal_metric_writes_a_file_that_reads_back_the_same(tmp_path):
    with open(GT) as f:
        gt_json = json.load(f)
    with open(RESULT) as f:
        res_json = json.load(f)
    out = str(tmp_path / 'p.json')
    metric = ANetProposalMetric(out_file=out)
    metric.process(*_batch(gt_json, res_json))
    values = metric.compute_metrics(metric.results)
    assert values['auc'] == pytest.approx(72.525, abs=1e-9)
    assert values == evaluate_proposal_file(GT, out)


def test_detection_metric_from_samples(tmp_path):
    with open(GT) as f:
        gt_json = json.load(f)
    with open(RESULT) as f:
        res_json = json.load(f)
    metric = TemporalDetectionMetric(out_file=None)
    metric.process(*_batch(gt_json, res_json))
    assert metric.compute_metrics(metric.results)['mAP'] == pytest.approx(0.6177579365079365)


def test_thumos_metric_shifts_and_merges_windows():
    gt = [dict(segment=[100.0, 110.0], label='a')]
    samples = [BaseDataElement(metainfo=dict(video_name='video_test_1', video_annotations=gt,
                                             window_offset_second=off)) for off in (0.0, 90.0)]
    preds = [dict(video_name='video_test_1', proposal_list=[dict(segment=[0., 5.], score=0.9)]),
             dict(video_name='video_test_1', proposal_list=[dict(segment=[10., 20.], score=0.5)])]
    metric = ThumosProposalMetric(nums=(1, 2), temporal_iou_thresholds=[0.5], out_file=None)
    metric.process(dict(data_samples=samples), preds)
    # the second window's proposal becomes [100, 110] (a hit) but ranks 2nd
    assert metric.compute_metrics(metric.results) == {'AR@1': 0.0, 'AR@2': 1.0}


def test_bad_protocol_raises():
    with pytest.raises(ValueError, match='protocol'):
        TemporalDetectionMetric(protocol='coco')
