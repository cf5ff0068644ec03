"""Thumos14WindowDataset and LoadWindowFeature on a tiny THUMOS-format set."""
import json

import numpy as np
import pytest

from projects.common.localization.datasets import LoadWindowFeature, Thumos14WindowDataset


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
