"""CelebASpoofDataset: label parsing (index 43 = liveness), the stray folder, one-line errors."""
import json
import os
import os.path as osp

import pytest

from projects.celeba_spoof import CelebASpoofDataset, CelebASpoofError, check_label_list

from ._fixtures import ENTRIES, write_dataset

ANN = 'metas/intra_test/train_label.json'


def _build(root, **kwargs):
    return CelebASpoofDataset(ann_file=ANN, data_root=str(root), **kwargs)


def _infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_labels_are_parsed_by_index(tmp_path):
    write_dataset(str(tmp_path))
    ds = _build(tmp_path)
    by_entry = {d['entry']: d for d in _infos(ds)}
    spoof = by_entry['Data/train/101/spoof/000003.png']
    # liveness is label[43] (=1), not label[42] (the environment, = 2 here)
    assert (spoof['gt_label'], spoof['spoof_type'], spoof['illum'], spoof['env']) == (1, 3, 2, 2)
    live = by_entry['Data/train/101/live/000002.png']
    assert live['gt_label'] == 0 and live['attr'][:3] == [0, 1, 1] and len(live['attr']) == 40
    assert live['bbox_path'] == osp.join(str(tmp_path), 'Data/train/101/live/000002_BB.txt')
    assert ds.metainfo['classes'] == ('live', 'spoof')


def test_stray_train_2_folder_is_ignored(tmp_path):
    write_dataset(str(tmp_path))
    ds = _build(tmp_path)
    assert len(ds) == 6 and not any('train_2' in d['entry'] for d in _infos(ds))


def test_maps_paths_only_where_nonzero(tmp_path):
    write_dataset(str(tmp_path))
    ds = _build(tmp_path, depth_prefix='depth', reflect_prefix='refl', check_files=False)
    by_entry = {d['entry']: d for d in _infos(ds)}
    live, spoof = by_entry['Data/train/101/live/000001.png'], by_entry[
        'Data/train/102/spoof/000005.png']
    assert live['depth_path'] == osp.join(str(tmp_path), 'depth/Data/train/101/live/000001.png')
    assert live['reflect_path'] is None and spoof['depth_path'] is None
    assert spoof['reflect_path'].endswith('refl/Data/train/102/spoof/000005.png')


def test_txt_list_gives_liveness_only(tmp_path):
    write_dataset(str(tmp_path))
    with open(tmp_path / 'list.txt', 'w') as f:
        f.write('Data/train/101/live/000001.png 0\nData/train/102/spoof/000005.png 1\n')
    ds = CelebASpoofDataset(ann_file='list.txt', data_root=str(tmp_path))
    assert [d['gt_label'] for d in _infos(ds)] == [0, 1]
    assert _infos(ds)[1]['spoof_type'] == -1


def _one_line(info, *parts):
    msg = str(info.value)
    assert '\n' not in msg, msg
    for part in parts:
        assert part in msg, msg
    assert isinstance(info.value, ValueError)


def test_43_entry_label_list_names_file_and_entry(tmp_path):
    entries = dict(ENTRIES)
    entries['Data/train/102/spoof/000005.png'] = entries['Data/train/102/spoof/000005.png'][:43]
    ann = write_dataset(str(tmp_path), entries)
    with pytest.raises(CelebASpoofError) as info:
        _build(tmp_path)
    _one_line(info, ann, "'Data/train/102/spoof/000005.png'", 'length 43', 'expected 44')


def test_missing_bbox_file_names_file_and_entry(tmp_path):
    ann = write_dataset(str(tmp_path))
    bb = osp.join(str(tmp_path), 'Data/train/102/live/000004_BB.txt')
    os.remove(bb)
    with pytest.raises(CelebASpoofError) as info:
        _build(tmp_path)
    _one_line(info, ann, "'Data/train/102/live/000004.png'", bb, 'not found')


def test_missing_image_names_file_and_entry(tmp_path):
    ann = write_dataset(str(tmp_path))
    img = osp.join(str(tmp_path), 'Data/train/101/spoof/000003.png')
    os.remove(img)
    with pytest.raises(CelebASpoofError) as info:
        _build(tmp_path)
    _one_line(info, ann, "'Data/train/101/spoof/000003.png'", 'image')


@pytest.mark.parametrize('lab,match', [
    ([0] * 40 + [0, 0, 0, 1], 'disagrees'),        # spoof with spoof type Live
    ([0] * 40 + [3, 1, 1, 0], 'disagrees'),        # live with a spoof type
    ([0] * 40 + [11, 1, 1, 1], r'label\[40\] = 11'),
    ([2] + [0] * 43, r'label\[0\] = 2'),
    ([0] * 43 + [1.0], 'integers'),
])
def test_bad_label_values(lab, match):
    with pytest.raises(CelebASpoofError, match=match):
        check_label_list(lab, 'x.json', 'k')


def test_malformed_json_names_file(tmp_path):
    write_dataset(str(tmp_path))
    with open(tmp_path / ANN, 'w') as f:
        json.dump([1, 2], f)
    with pytest.raises(CelebASpoofError, match='expected a json object'):
        _build(tmp_path)
