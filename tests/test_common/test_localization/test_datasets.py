"""Thumos14WindowDataset and LoadWindowFeature on a tiny THUMOS-format set."""
import json

import numpy as np
import pytest

from projects.common.localization.datasets import (CheckLocalizationFeature, LoadWindowFeature,
                                                   Thumos14WindowDataset)
from projects.common.localization.errors import LocalizationInputError


@pytest.fixture
def thumos_dir(tmp_path):
    feat = np.arange(300 * 4, dtype=np.float32).reshape(300, 4)
    (tmp_path / 'feat').mkdir()
    with open(tmp_path / 'feat' / 'video_test_1.csv', 'w') as f:
        f.write('a,b,c,d\n')
        np.savetxt(f, feat, delimiter=',', fmt='%.1f')
    # 300 snippets over 150 s: 0.5 s per snippet; windows of 128 (64 s), stride 64 (32 s)
    ann = {'video_test_1': dict(duration_second=150.0, annotations=[
        dict(segment=[10.0, 20.0], label='x'), dict(segment=[60.0, 70.0], label='y')])}
    (tmp_path / 'ann.json').write_text(json.dumps(ann))
    return tmp_path


def test_windows_cover_the_video_and_carry_window_labels(thumos_dir):
    ds = Thumos14WindowDataset(str(thumos_dir / 'ann.json'), pipeline=[],
                               data_prefix=dict(video=str(thumos_dir / 'feat')), test_mode=True,
                               lazy_init=False)
    assert ds.window_starts(300) == [0, 64, 128, 172]
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['window_offset_second'] for i in infos] == [0.0, 32.0, 64.0, 86.0]
    assert infos[0]['duration_second'] == 64.0 and infos[0]['duration_frame'] == 128 * 16
    # window 0 ([0, 64) s) holds [10, 20]; [60, 70] is only 40 % inside
    assert infos[0]['annotations'] == [dict(segment=[10.0, 20.0], label='x')]
    # window 1 ([32, 96) s) holds [60, 70] shifted by 32 s
    assert infos[1]['annotations'] == [dict(segment=[28.0, 38.0], label='y')]
    assert len(infos[3]['video_annotations']) == 2


def test_training_skips_empty_windows(thumos_dir):
    ds = Thumos14WindowDataset(str(thumos_dir / 'ann.json'), pipeline=[],
                               data_prefix=dict(video=str(thumos_dir / 'feat')))
    assert len(ds) == 2


def test_load_window_feature_slices_and_pads(thumos_dir):
    path = str(thumos_dir / 'feat' / 'video_test_1.csv')
    out = LoadWindowFeature()(dict(feature_path=path, window_start=250, window_size=64))
    assert out['raw_feature'].shape == (4, 64)
    np.testing.assert_array_equal(out['raw_feature'][:, 0], [1000, 1001, 1002, 1003])
    assert (out['raw_feature'][:, 50:] == 0).all()


def test_bad_window_arguments_raise(thumos_dir):
    with pytest.raises(ValueError, match='window_size'):
        Thumos14WindowDataset(str(thumos_dir / 'ann.json'), pipeline=[], window_size=0)


def test_load_window_feature_checks_feat_dim(thumos_dir):
    path = str(thumos_dir / 'feat' / 'video_test_1.csv')
    with pytest.raises(LocalizationInputError,
                       match=r'video_test_1.csv: features have 4 values .*\(300, 4\).*'
                             r'feat_dim=400') as info:
        LoadWindowFeature(feat_dim=400)(dict(feature_path=path, window_start=0, window_size=8))
    assert '\n' not in str(info.value)


@pytest.mark.parametrize('shape', [(16, 31), (15, 32), (32, )])
def test_check_localization_feature_names_file_expected_and_found(shape):
    check = CheckLocalizationFeature(feat_dim=16, temporal_dim=32)
    results = dict(feature_path='features/v_x.csv', raw_feature=np.zeros(shape))
    with pytest.raises(LocalizationInputError) as info:
        check(results)
    message = str(info.value)
    assert message.startswith('features/v_x.csv: ') and str(shape) in message
    assert '(16, 32)' in message and '\n' not in message
    assert check(dict(results, raw_feature=np.zeros((16, 32)))) is not None
    assert CheckLocalizationFeature(feat_dim=16)(dict(results, raw_feature=np.zeros((16, 5))))


def test_wrong_feature_shape_through_the_activitynet_pipeline(tmp_path):
    """mmaction2's ActivityNetDataset + LoadLocalizationFeature + our check, on a bad csv."""
    import json

    from mmengine.registry import init_default_scope

    from mmaction.registry import DATASETS
    init_default_scope('mmaction')
    (tmp_path / 'features').mkdir()
    with open(tmp_path / 'features' / 'v_a.csv', 'w') as f:
        f.write(','.join(f'c{i}' for i in range(16)) + '\n')
        np.savetxt(f, np.zeros((20, 16)), delimiter=',')
    (tmp_path / 'ann.json').write_text(json.dumps({'v_a': dict(
        duration_second=10.0, duration_frame=300, feature_frame=300, fps=30.0, rfps=30.0,
        annotations=[dict(segment=[1.0, 2.0], label='x')])}))
    ds = DATASETS.build(dict(
        type='ActivityNetDataset', data_root=str(tmp_path), ann_file='ann.json',
        data_prefix=dict(video='features'), test_mode=True,
        pipeline=[dict(type='LoadLocalizationFeature'),
                  dict(type='CheckLocalizationFeature', feat_dim=16, temporal_dim=32)]))
    with pytest.raises(LocalizationInputError, match=r'v_a.csv: .*\(16, 20\), expected \(16, 32\)'):
        ds[0]
