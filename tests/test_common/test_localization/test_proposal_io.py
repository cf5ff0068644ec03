"""Result, ground-truth and THUMOS14 annotation files: round trip, ``v_`` handling, one-line
errors naming the file, video and entry."""
import json

import numpy as np
import pytest

from projects.common.localization.errors import LocalizationInputError
from projects.common.localization.proposal_io import (dump_results, gt_as_arrays,
                                                      load_ground_truth, load_results,
                                                      load_thumos14_ambiguous,
                                                      load_thumos14_annotations,
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


# ------------------------------------------------------------------ malformed result files
def _write(tmp_path, data, name='bad.json'):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


GOOD = dict(version='VERSION 1.3', external_data={},
            results={'vid1': [dict(segment=[0., 1.], score=0.5, label='L')]})


def _with(**changes):
    data = json.loads(json.dumps(GOOD))
    entry = data['results']['vid1'][0]
    for key, value in changes.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return data


@pytest.mark.parametrize('data,require_label,match', [
    (_with(score=None), False, r"video 'vid1', entry 0: \"score\""),
    (_with(label=None), True, r"video 'vid1', entry 0: detection needs a \"label\""),
    (_with(segment=[1.0]), False, r"video 'vid1', entry 0: \"segment\" must be"),
    (_with(segment=[2.0, 1.0]), False, r"video 'vid1', entry 0: segment \[2.0, 1.0\]"),
    (_with(segment=[1.0, 1.0]), False, r"video 'vid1', entry 0: segment \[1.0, 1.0\]"),
    (_with(score='high'), False, r"video 'vid1', entry 0: \"score\""),
    (dict(GOOD, results=[GOOD['results']['vid1']]), False, r'"results" must be a dict'),
    (dict(version='VERSION 1.3', results=GOOD['results']), False,
     r"missing key\(s\) \['external_data'\]"),
    (dict(external_data={}, results=GOOD['results']), False, r"missing key\(s\) \['version'\]"),
    (dict(GOOD, results={'vid1': {'segment': [0, 1]}}), False, r"video 'vid1': expected a list"),
])
def test_malformed_result_file_gives_one_line_naming_file_video_entry(tmp_path, data,
                                                                      require_label, match):
    path = _write(tmp_path, data)
    with pytest.raises(LocalizationInputError, match=match) as info:
        load_results(path, require_label=require_label)
    message = str(info.value)
    assert '\n' not in message and message.startswith(path)


def test_valid_result_file_passes_and_labels_are_optional_for_proposals(tmp_path):
    assert load_results(_write(tmp_path, GOOD), require_label=True) == GOOD['results']
    assert load_results(_write(tmp_path, _with(label=None))) == _with(label=None)['results']


def test_result_file_that_is_not_json_or_missing(tmp_path):
    path = tmp_path / 'x.json'
    path.write_text('{"results": ')
    with pytest.raises(LocalizationInputError, match='not valid json'):
        load_results(str(path))
    with pytest.raises(LocalizationInputError, match='cannot read'):
        load_results(str(tmp_path / 'missing.json'))


def test_ground_truth_with_reversed_segment_names_file_and_video(tmp_path):
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps({'v_a': {'annotations': [
        {'segment': [1, 2], 'label': 'L'}, {'segment': [5, 3], 'label': 'L'}]}}))
    with pytest.raises(LocalizationInputError,
                       match=r"gt.json: video 'v_a', annotation 1: segment \[5, 3\] ends"):
        load_ground_truth(str(path))


# ------------------------------------------------------------------ THUMOS14 annotation files
def test_thumos14_annotation_folder(tmp_path):
    (tmp_path / 'HighJump_test.txt').write_text('video_test_2 1.0 2.5\nvideo_test_1 3 4\n')
    (tmp_path / 'Diving_test.txt').write_text('video_test_1 0.5 1.5\n\n')
    (tmp_path / 'Ambiguous_test.txt').write_text('video_test_1 10.0 12.0\n')
    (tmp_path / 'Diving_val.txt').write_text('video_validation_1 0 1\n')
    gt, amb = load_thumos14_annotations(str(tmp_path), 'test')
    assert gt == {'video_test_1': [(0.5, 1.5, 'Diving'), (3.0, 4.0, 'HighJump')],
                  'video_test_2': [(1.0, 2.5, 'HighJump')]}
    assert amb == {'video_test_1': [(10.0, 12.0)]}
    assert load_thumos14_ambiguous(str(tmp_path / 'Ambiguous_test.txt')) == amb


def test_thumos14_annotation_bad_line(tmp_path):
    (tmp_path / 'Ambiguous_test.txt').write_text('video_test_1 10.0 12.0\nvideo_test_1 9\n')
    with pytest.raises(LocalizationInputError, match=r'Ambiguous_test.txt:2: expected'):
        load_thumos14_ambiguous(str(tmp_path / 'Ambiguous_test.txt'))
    (tmp_path / 'Ambiguous_test.txt').write_text('video_test_1 12.0 10.0\n')
    with pytest.raises(LocalizationInputError, match=r":1: video 'video_test_1'"):
        load_thumos14_ambiguous(str(tmp_path / 'Ambiguous_test.txt'))
