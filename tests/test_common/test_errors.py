"""projects.common.errors and config_check: one-line user errors."""
import pytest

from projects.common.config_check import check_data_paths
from projects.common.errors import MMPapersError, describe, find_type_keys


def test_find_type_keys_names_nested_keys():
    cfg = dict(model=dict(type='A', backbone=dict(type='ResNett'),
                          heads=[dict(type='X'), dict(type='mmdet.ResNett')]))
    assert find_type_keys(cfg, 'ResNett') == ['model.backbone.type', 'model.heads.1.type']


def test_registry_keyerror_becomes_one_line():
    exc = KeyError('ResNett is not in the mmpretrain::model registry. Please check whether '
                   'the value of `ResNett` is correct or it was registered as expected.')
    cfg = dict(model=dict(type='ImageClassifier', backbone=dict(type='ResNett')))
    assert describe(exc, 'cfg.py', cfg) == (
        "cfg.py: model.backbone.type='ResNett' is not in the mmpretrain::model registry "
        '(typo, or a missing custom_imports?)')


def test_unrelated_errors_are_not_swallowed():
    assert describe(KeyError('lr'), 'cfg.py', {}) is None
    assert describe(ValueError('x'), 'cfg.py', {}) is None


def test_missing_data_root_names_key(tmp_path):
    cfg = dict(train_dataloader=dict(dataset=dict(
        type='RepeatDataset', times=2,
        dataset=dict(type='CocoDataset', data_root=str(tmp_path / 'nope')))))
    with pytest.raises(MMPapersError, match=r"cfg.py: train_dataloader.dataset.dataset."
                       r"data_root = '.*nope' does not exist"):
        check_data_paths(cfg, 'cfg.py')


def test_missing_ann_file_names_path(tmp_path):
    cfg = dict(val_dataloader=dict(dataset=dict(data_root=str(tmp_path), ann_file='a.json')))
    with pytest.raises(MMPapersError, match=r"val_dataloader.dataset.ann_file = 'a.json'"):
        check_data_paths(cfg, 'cfg.py')


def test_make_missing_is_used_for_missing_roots(tmp_path):
    root = tmp_path / 'made'
    cfg = dict(test_dataloader=dict(dataset=dict(data_root=str(root))))
    check_data_paths(cfg, 'cfg.py', make_missing=lambda r: root.mkdir() is None)
    assert root.is_dir()


class _BadDataset:
    """A dataset whose items raise the one-line error a loader would."""

    def __len__(self):
        return 2

    def __getitem__(self, index):
        raise MMPapersError(f'data/x.csv: video v_{index}: expected 16 x 32 features, got 8 x 32')


def test_error_from_a_dataloader_worker_stays_one_line():
    import torch
    loader = torch.utils.data.DataLoader(_BadDataset(), num_workers=1)
    with pytest.raises(MMPapersError) as info:
        next(iter(loader))
    assert '\n' in str(info.value)  # torch's wrapped message, many lines
    assert describe(info.value, 'cfg.py', {}) == (
        'data/x.csv: video v_0: expected 16 x 32 features, got 8 x 32')
