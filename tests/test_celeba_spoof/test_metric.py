"""FaceAntiSpoofMetric: p_spoof = pred_score[1], every key, ROC PNG and scores beside the log."""
import json

import numpy as np
import pytest
import torch

from projects.celeba_spoof import CelebASpoofError, FaceAntiSpoofMetric


def _samples(p_spoof, labels):
    return [dict(pred_score=torch.tensor([1 - p, p]), gt_label=torch.tensor([y]),
                 img_path=f'{i}.png') for i, (p, y) in enumerate(zip(p_spoof, labels))]


P = [0.1, 0.2, 0.4, 0.3, 0.8, 0.9]
Y = [0, 0, 0, 1, 1, 1]


def _run(metric, p=P, y=Y):
    metric.process({}, _samples(p, y))
    return metric.evaluate(len(p))


def test_every_metric_on_a_hand_example(tmp_path):
    res = _run(FaceAntiSpoofMetric(out_dir=str(tmp_path)))
    # N_live = 3: int(fpr * 3) = 0 -> thr = top live 0.4 -> spoofs > 0.4: 0.8, 0.9 -> 2/3
    for key in ('TPR@FPR=1e-2', 'TPR@FPR=5e-3', 'TPR@FPR=1e-3'):
        assert res[f'spoof/{key}'] == pytest.approx(200 / 3)
    assert res['spoof/AUC'] == pytest.approx(8 / 9)
    # EER point p = 0.3 (see test_functional): APCER 0, BPCER 1/3
    expected = dict(EER=100 / 3, APCER=0.0, BPCER=100 / 3, ACER=100 / 6, HTER=100 / 6,
                    threshold=0.3)
    for key, value in expected.items():
        assert res[f'spoof/{key}'] == pytest.approx(value), key
    assert 'spoof/ACER_test_thr' not in res
    assert (tmp_path / 'spoof_roc.png').stat().st_size > 1000
    dump = json.loads((tmp_path / 'spoof_scores.json').read_text())
    assert dump['labels'] == Y and dump['p_spoof'] == pytest.approx(P)


def test_threshold_from_a_validation_scores_file(tmp_path):
    val = tmp_path / 'val.json'
    # validation EER threshold: separated val scores, highest live p_spoof 0.5
    val.write_text(json.dumps(dict(p_spoof=[0.2, 0.5, 0.7, 0.9], labels=[0, 0, 1, 1])))
    res = _run(FaceAntiSpoofMetric(threshold=str(val), out_dir=''))
    # at 0.5 on the test scores: spoof 0.3 accepted (APCER 1/3); no live >= 0.5 (BPCER 0)
    assert res['spoof/threshold'] == 0.5
    assert res['spoof/APCER'] == pytest.approx(100 / 3) and res['spoof/BPCER'] == 0.0
    assert res['spoof/ACER_test_thr'] == pytest.approx(100 / 6)


def test_fixed_threshold_and_inverted_polarity():
    res = _run(FaceAntiSpoofMetric(threshold=0.5, out_dir=''), p=[0.1, 0.2, 0.7, 0.8],
               y=[0, 0, 1, 1])
    assert res['spoof/ACER'] == 0.0 and res['spoof/TPR@FPR=1e-2'] == 100.0
    inv = _run(FaceAntiSpoofMetric(threshold=0.5, out_dir=''), p=[0.9, 0.8, 0.3, 0.2],
               y=[0, 0, 1, 1])
    assert inv['spoof/ACER'] == 100.0 and inv['spoof/TPR@FPR=1e-2'] == 0.0
    assert inv['spoof/AUC'] == 0.0


def test_auxiliary_accuracies():
    metric = FaceAntiSpoofMetric(out_dir='')
    samples = _samples(P, Y)
    for i, s in enumerate(samples):
        s.update(spoof_type=torch.tensor(Y[i] * 3), pred_spoof_type=torch.tensor(3 if i < 4 else 0))
        s.update(attr=torch.tensor([1.0, 0.0]), pred_attr=torch.tensor([0.9, 0.6 if i else 0.1]))
    metric.process({}, samples)
    res = metric.evaluate(6)
    # spoof type right for samples 0..5 = [no, no, no, yes, no, no] -> 1/6
    assert res['spoof/spoof_type_acc'] == pytest.approx(100 / 6)
    # live samples 0, 1, 2: attribute hits 2/2, 1/2, 1/2 -> 2/3
    assert res['spoof/attr_acc_live'] == pytest.approx(200 / 3)


def test_bad_scores_are_one_line_errors(tmp_path):
    with pytest.raises(CelebASpoofError, match='no spoof'):
        _run(FaceAntiSpoofMetric(out_dir=''), p=[0.1, 0.2], y=[0, 0])
    bad = tmp_path / 'bad.json'
    bad.write_text('{"p": []}')
    with pytest.raises(CelebASpoofError, match='bad.json'):
        _run(FaceAntiSpoofMetric(threshold=str(bad), out_dir=''))
    with pytest.raises(ValueError, match='fprs'):
        FaceAntiSpoofMetric(fprs=(0.0, ))
