"""Metric classes: AR@AN from data samples equals the file evaluation; THUMOS window merging."""
import json
import math

import pytest
from mmengine.structures import BaseDataElement

from projects.common.localization.errors import LocalizationInputError
from projects.common.localization.metrics import (ANetProposalMetric, TemporalDetectionMetric,
                                                  ThumosProposalMetric, evaluate_detection_file,
                                                  evaluate_proposal_file)
from tests.test_common.test_localization.conftest import GT, RESULT


def _batch(gt_json, results_json, offsets=None, with_annotations=True):
    """data_batch / predictions as mmaction2's test loop passes them."""
    samples, preds = [], []
    for name, info in gt_json.items():
        meta = dict(video_name=name)
        if with_annotations:
            meta['annotations'] = info['annotations']
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
    assert all(math.isfinite(v) for v in values.values())


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
    with pytest.raises(ValueError, match="'thumos14_kit'.*'thumos14_anet'"):
        TemporalDetectionMetric(protocol='thumos')
    with pytest.raises(ValueError, match='ambiguous_file'):
        TemporalDetectionMetric(protocol='anet', ambiguous_file='Ambiguous_test.txt')
    with pytest.raises(ValueError, match='tie_order'):
        TemporalDetectionMetric(tie_order='random')


@pytest.mark.parametrize('metric_cls', [ANetProposalMetric, TemporalDetectionMetric])
def test_missing_annotations_meta_key_is_a_one_line_error(metric_cls):
    with open(GT) as f:
        gt_json = json.load(f)
    with open(RESULT) as f:
        res_json = json.load(f)
    metric = metric_cls(out_file=None)
    with pytest.raises(LocalizationInputError, match="no 'annotations' meta key") as info:
        metric.process(*_batch(gt_json, res_json, with_annotations=False))
    assert '\n' not in str(info.value)
    # with gt_file the meta key is not needed
    metric = metric_cls(out_file=None, gt_file=GT)
    metric.process(*_batch(gt_json, res_json, with_annotations=False))
    values = metric.compute_metrics(metric.results)
    assert all(math.isfinite(v) for v in values.values())


def test_thumos_metric_needs_video_annotations():
    samples = [BaseDataElement(metainfo=dict(video_name='video_test_1', window_offset_second=0.,
                                             annotations=[]))]
    preds = [dict(video_name='video_test_1', proposal_list=[dict(segment=[0., 5.], score=0.9)])]
    metric = ThumosProposalMetric(out_file=None)
    with pytest.raises(LocalizationInputError, match="'video_annotations'"):
        metric.process(dict(data_samples=samples), preds)


def _thumos_case(tmp_path):
    """One class; a miss at rank 1 on an Ambiguous segment, a hit at rank 2 of tIoU 0.5."""
    gt = {'video_test_1': {'annotations': [dict(segment=[0., 10.], label='HighJump')]}}
    (tmp_path / 'gt.json').write_text(json.dumps(gt))
    (tmp_path / 'Ambiguous_test.txt').write_text('video_test_1 20.0 30.0\n')
    res = dict(version='VERSION 1.3', external_data={}, results={'video_test_1': [
        dict(segment=[21., 29.], score=0.9, label='HighJump'),
        dict(segment=[0., 5.], score=0.8, label='HighJump')]})
    (tmp_path / 'det.json').write_text(json.dumps(res))
    return str(tmp_path / 'gt.json'), str(tmp_path / 'det.json'), \
        str(tmp_path / 'Ambiguous_test.txt')


def test_thumos14_protocols_on_a_file(tmp_path):
    gt, det, amb = _thumos_case(tmp_path)
    kit = evaluate_detection_file(gt, det, 'thumos14_kit', ambiguous_file=amb)
    anet = evaluate_detection_file(gt, det, 'thumos14_anet')
    assert list(kit) == ['mAP@0.30', 'mAP@0.40', 'mAP@0.50', 'mAP@0.60', 'mAP@0.70', 'mAP']
    # kit: the ambiguous miss is dropped; the hit (tIoU 0.5) counts at 0.3 and 0.4 only (>)
    assert [kit[k] for k in list(kit)[:5]] == [1.0, 1.0, 0.0, 0.0, 0.0]
    # ActivityNet-style: miss then hit -> 1/2 at 0.3, 0.4 and 0.5 (>=), then 0
    assert [anet[k] for k in list(anet)[:5]] == [0.5, 0.5, 0.5, 0.0, 0.0]
    assert kit['mAP'] == pytest.approx(0.4) and anet['mAP'] == pytest.approx(0.3)


def test_thumos14_kit_metric_reads_the_ambiguous_file(tmp_path):
    gt_file, det_file, amb = _thumos_case(tmp_path)
    with open(gt_file) as f:
        gt_json = json.load(f)
    with open(det_file) as f:
        res_json = json.load(f)
    metric = TemporalDetectionMetric(protocol='thumos14_kit', ambiguous_file=amb, out_file=None)
    samples = [BaseDataElement(metainfo=dict(video_name=k, annotations=v['annotations']))
               for k, v in gt_json.items()]
    preds = [dict(video_name=k, proposal_list=res_json['results'][k]) for k in gt_json]
    metric.process(dict(data_samples=samples), preds)
    assert metric.compute_metrics(metric.results)['mAP@0.30'] == 1.0
