"""Official result files: writer and reader agree; ``v_`` handling."""
import json

import numpy as np

from projects.common.localization.proposal_io import (dump_results, gt_as_arrays,
                                                      load_ground_truth, load_results,
                                                      proposals_as_arrays, strip_v)


def test_dump_has_official_keys_and_round_trips(tmp_path):
    results = [dict(video_name='v_abc', proposal_list=[
        dict(score=0.5, segment=[np.float32(1.0), 2.0]), dict(score=0.25, segment=[0., 3.])])]
    path = str(tmp_path / 'p.json')
    dump_results(results, path)
    with open(path) as f:
        data = json.load(f)
    assert set(data) == {'version', 'results', 'external_data'}
    assert data['version'] == 'VERSION 1.3'
    read = load_results(path)
    assert list(read) == ['abc']
    arr, total = proposals_as_arrays(read)
    assert total == 2
    np.testing.assert_array_equal(arr['abc'], [[1., 2., 0.5], [0., 3., 0.25]])


def test_strip_v_only_strips_the_prefix():
    assert strip_v('v_x') == 'x' and strip_v('video_test_1') == 'video_test_1'


def test_ground_truth_reader_strips_v_and_keeps_labels(tmp_path):
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps({'v_a': {'annotations': [{'segment': [1, 2], 'label': 'L'}]}}))
    gt = load_ground_truth(str(path))
    assert gt == {'a': [(1.0, 2.0, 'L')]}
    np.testing.assert_array_equal(gt_as_arrays(gt)['a'], [[1., 2.]])
