"""The embedded set: the released layout, valid labels, boxes, the stray folder, the protocols."""
import glob
import json
import os.path as osp

import pytest

from projects.celeba_spoof import check_label_list
from projects.celeba_spoof.transforms import read_bbox_file


@pytest.fixture(scope='module')
def root():
    from tools.data import ensure
    return ensure('celeba-spoof')


def _load(root, split):
    with open(osp.join(root, 'metas', split)) as f:
        return json.load(f)


def test_layout_and_labels(root):
    train = _load(root, 'intra_test/train_label.json')
    test = _load(root, 'intra_test/test_label.json')
    for name, labels in (('train', train), ('test', test)):
        for key, lab in labels.items():
            check_label_list(lab, name, key)
            parts = key.split('/')
            assert parts[:2] == ['Data', name] and parts[3] == ('spoof' if lab[43] else 'live')
            assert osp.isfile(osp.join(root, key))
            read_bbox_file(osp.join(root, osp.splitext(key)[0] + '_BB.txt'), key)
            if lab[43]:
                assert sum(lab[:40]) == 0
    assert {k.split('/')[2] for k in train}.isdisjoint({k.split('/')[2] for k in test})
    spoof_types = {lab[40] for lab in train.values()}
    assert len(spoof_types - {0}) >= 5 and {lab[41] for lab in train.values()} >= {1, 2, 3, 4}
    with open(osp.join(root, 'metas/intra_test/train_label.txt')) as f:
        lines = [line.split() for line in f]
    assert {a: int(b) for a, b in lines} == {k: v[43] for k, v in train.items()}


def test_stray_folder_exists_but_is_in_no_label_file(root):
    assert glob.glob(osp.join(root, 'Data', 'train_2', '*', '*', '*.png'))
    for path in glob.glob(osp.join(root, 'metas', '*', '*.json')):
        with open(path) as f:
            assert not any('train_2' in k for k in json.load(f)), path


def test_protocol_files_and_maps(root):
    for proto in ('protocol1', 'protocol2'):
        for split in ('train', 'test'):
            assert _load(root, f'{proto}/{split}_label.json')
    live = [k for k, v in _load(root, 'intra_test/train_label.json').items() if v[43] == 0]
    assert osp.isfile(osp.join(root, 'depth', osp.splitext(live[0])[0] + '.png'))
