"""Proposal classification: top-k products, report_map's top-1, segment_cls, video scores."""
import json
import pickle

import numpy as np
import pytest

from projects.anet_tal.classification import (assign_labels, average_video_scores,
                                              classify_proposals, load_video_scores)
from projects.common.localization.errors import LocalizationInputError

CLASSES = ['x', 'y', 'z']
PROPS = [dict(segment=[0.0, 4.0], score=0.9), dict(segment=[2.0, 8.0], score=0.5)]
VIDEO = np.array([0.2, 0.5, 0.3])


def test_topk_scores_are_products_and_exactly_k_labels_per_proposal():
    dets = assign_labels(PROPS, VIDEO, CLASSES, topk=2)
    # hand computation: classes y (0.5) and z (0.3) for each proposal
    expected = [('y', 0.9 * 0.5, [0.0, 4.0]), ('z', 0.9 * 0.3, [0.0, 4.0]),
                ('y', 0.5 * 0.5, [2.0, 8.0]), ('z', 0.5 * 0.3, [2.0, 8.0])]
    expected.sort(key=lambda t: -t[1])
    assert [(d['label'], d['score'], d['segment']) for d in dets] == expected
    for seg in ([0.0, 4.0], [2.0, 8.0]):
        assert len({d['label'] for d in dets if d['segment'] == seg}) == 2


def test_score_is_monotone_in_proposal_and_class_score():
    base = assign_labels(PROPS[:1], VIDEO, CLASSES, topk=1)[0]['score']
    higher_p = assign_labels([dict(PROPS[0], score=0.95)], VIDEO, CLASSES, topk=1)[0]['score']
    higher_c = assign_labels(PROPS[:1], VIDEO * [1, 1.2, 1], CLASSES, topk=1)[0]['score']
    assert higher_p > base and higher_c > base


def test_at_most_max_per_video_detections_in_decreasing_score():
    props = [dict(segment=[i, i + 5.0], score=1.0 - i / 100) for i in range(80)]
    dets = assign_labels(props, VIDEO, CLASSES, topk=2)
    assert len(dets) == 100
    scores = [d['score'] for d in dets]
    assert scores == sorted(scores, reverse=True)
    assert len(assign_labels(props, VIDEO, CLASSES, topk=2, max_per_video=7)) == 7


def test_top1_mode_keeps_proposal_score_and_takes_report_maps_last_tie():
    dets = assign_labels(PROPS, VIDEO, CLASSES, mode='top1')
    assert [(d['label'], d['score']) for d in dets] == [('y', 0.9), ('y', 0.5)]
    # report_map sorts ascending (stable) and takes the last: the later of tied classes
    tied = assign_labels(PROPS, np.array([0.4, 0.2, 0.4]), CLASSES, mode='top1')
    assert tied[0]['label'] == 'z'


def test_segment_cls_combines_segment_and_video_scores():
    seg = np.array([[0.6, 0.1, 0.3], [0.1, 0.1, 0.8]])
    dets = assign_labels(PROPS, VIDEO, CLASSES, topk=1, segment_scores=seg, segment_alpha=0.5)
    # proposal 0: sqrt(0.6*0.2)=0.346 > sqrt(0.3*0.3)=0.3 > sqrt(0.1*0.5): class x
    # proposal 1: sqrt(0.8*0.3)=0.490: class z
    got = {tuple(d['segment']): (d['label'], d['score']) for d in dets}
    assert got[(0.0, 4.0)] == ('x', pytest.approx(0.9 * np.sqrt(0.6 * 0.2)))
    assert got[(2.0, 8.0)] == ('z', pytest.approx(0.5 * np.sqrt(0.8 * 0.3)))


@pytest.mark.parametrize('kwargs,match', [(dict(topk=0), 'topk'), (dict(topk=4), 'topk'),
                                          (dict(mode='top5'), 'mode')])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        assign_labels(PROPS, VIDEO, CLASSES, **kwargs)


def test_video_scores_json_by_name_and_pkl_by_recognizer_order(tmp_path):
    js = str(tmp_path / 's.json')
    with open(js, 'w') as f:
        json.dump({'results': {'v_a': [dict(label='z', score=0.6), dict(label='x', score=0.4)]}},
                  f)
    assert load_video_scores(js, CLASSES)['a'].tolist() == [0.4, 0.0, 0.6]
    pk = str(tmp_path / 's.pkl')
    with open(pk, 'wb') as f:  # mmaction2 DumpResults entries of a recognizer on videos
        pickle.dump([dict(filename='/videos/v_a.mp4', pred_score=np.array([0.1, 0.7, 0.2]))], f)
    scores = load_video_scores(pk, CLASSES, recognizer_classes=['z', 'x', 'y'])
    assert scores['a'].tolist() == pytest.approx([0.7, 0.2, 0.1])


def test_unknown_class_in_video_scores_is_a_one_line_error(tmp_path):
    js = str(tmp_path / 's.json')
    with open(js, 'w') as f:
        json.dump({'results': {'a': [dict(label='w', score=1.0)]}}, f)
    with pytest.raises(LocalizationInputError, match="s.json: video 'a', entry 0: label 'w'"):
        load_video_scores(js, CLASSES)


def test_weighted_average_of_classifiers():
    a, b = {'v': np.array([1.0, 0.0, 0.0])}, {'v': np.array([0.0, 1.0, 0.0])}
    np.testing.assert_allclose(average_video_scores([a, b], [3, 1])['v'], [0.75, 0.25, 0.0])
    np.testing.assert_allclose(average_video_scores([a, b])['v'], [0.5, 0.5, 0.0])
    with pytest.raises(LocalizationInputError, match='different videos'):
        average_video_scores([a, {'w': b['v']}])


def test_video_without_scores_is_named():
    with pytest.raises(LocalizationInputError, match="video 'b' has proposals but no"):
        classify_proposals({'v_b': PROPS}, {'a': VIDEO}, CLASSES)
