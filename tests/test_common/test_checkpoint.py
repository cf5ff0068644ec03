"""projects.common.checkpoint: mmengine checkpoints load with weights_only=True."""
import collections
import os.path as osp
import pickle

import pytest
import torch
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from mmengine.testing.runner_test_case import ToyDataset, ToyModel

from projects.common.checkpoint import TRUST_ENV, load_local_checkpoint
from projects.common.errors import MMPapersError


class Foreign:
    """A class no allow-list knows: stands for a checkpoint pickled by other code."""

    def __init__(self, value: int) -> None:
        self.value = value


@pytest.fixture(scope='module')
def mmengine_checkpoint(tmp_path_factory) -> str:
    """A checkpoint written by mmengine's own Runner after one epoch (message hub included)."""
    work_dir = str(tmp_path_factory.mktemp('toy'))
    loader = dict(dataset=ToyDataset(), sampler=dict(type='DefaultSampler', shuffle=True),
                  batch_size=3, num_workers=0)
    runner = Runner(
        model=ToyModel(), work_dir=work_dir, train_dataloader=loader,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1]),
        randomness=dict(seed=0), default_scope='mmengine')
    runner.train()
    return osp.join(work_dir, 'epoch_1.pth')


def test_plain_torch_load_rejects_mmengine_checkpoints(mmengine_checkpoint):
    # The failure the fix exists for: torch's weights_only default and mmengine's HistoryBuffer.
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        torch.load(mmengine_checkpoint, weights_only=True)


def test_mmengine_loader_is_ours():
    assert CheckpointLoader._get_checkpoint_loader('/x/epoch_1.pth') is load_local_checkpoint


def test_mmengine_checkpoint_loads_safely(mmengine_checkpoint, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    ckpt = _load_checkpoint(mmengine_checkpoint, map_location='cpu')
    assert set(ckpt) >= {'meta', 'state_dict', 'optimizer', 'message_hub', 'param_schedulers'}
    assert ckpt['meta']['epoch'] == 1
    buffers = ckpt['message_hub']['log_scalars']
    assert 'train/loss' in buffers and len(buffers['train/loss'].data[0]) > 0


def test_foreign_pickle_needs_explicit_trust(tmp_path, monkeypatch):
    path = str(tmp_path / 'foreign.pth')
    torch.save({'state_dict': collections.OrderedDict(w=torch.ones(2)), 'x': Foreign(3)}, path)
    monkeypatch.delenv(TRUST_ENV, raising=False)
    with pytest.raises(MMPapersError) as err:
        load_local_checkpoint(path)
    message = str(err.value)
    assert path in message and '--trust-checkpoint' in message and '\n' not in message
    monkeypatch.setenv(TRUST_ENV, '1')
    assert load_local_checkpoint(path)['x'].value == 3


@pytest.mark.parametrize('content', [b'', b'not a checkpoint at all', b'PK\x03\x04broken'])
def test_corrupted_checkpoint_names_the_file(tmp_path, content):
    path = tmp_path / 'broken.pth'
    path.write_bytes(content)
    with pytest.raises(MMPapersError) as err:
        load_local_checkpoint(str(path))
    assert str(err.value).startswith(f'{path}: not a readable checkpoint')
    assert '\n' not in str(err.value)


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(MMPapersError, match='missing.pth: checkpoint file not found'):
        load_local_checkpoint(str(tmp_path / 'missing.pth'))


def test_getattr_is_limited_to_history_buffer_methods(tmp_path, monkeypatch):
    # getattr is allowed only as getattr(HistoryBuffer, <statistics method>): a file that
    # pickles getattr(np.ndarray, 'tofile') must not load without explicit trust.
    import numpy as np

    class Evil:
        def __reduce__(self):
            return getattr, (np.ndarray, 'tofile')

    path = str(tmp_path / 'evil.pth')
    torch.save({'x': Evil()}, path)
    monkeypatch.delenv(TRUST_ENV, raising=False)
    with pytest.raises(MMPapersError, match='evil.pth'):
        load_local_checkpoint(path)
