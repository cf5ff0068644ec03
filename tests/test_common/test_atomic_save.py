"""projects.common.atomic_save: whole-or-nothing checkpoint files, deferred deletion of old
checkpoints, and the newest loadable checkpoint for ``--resume``."""
import os
import os.path as osp

import pytest
import torch

from projects.common.atomic_save import (AtomicTextWriter, atomic_save_checkpoint, atomic_write,
                                         find_resumable_checkpoint,
                                         install_atomic_checkpoint_saves, temp_path)


class Boom(Exception):
    pass


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    path.write_bytes(b'old')

    def half_then_fail(f):
        f.write(b'new bytes, half')
        raise Boom

    with pytest.raises(Boom):
        atomic_write(str(path), half_then_fail)
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_checkpoint_is_complete_after_save(tmp_path):
    path = str(tmp_path / 'sub' / 'epoch_2.pth')
    atomic_save_checkpoint({'state_dict': {'w': torch.arange(5.)}, 'meta': {'epoch': 2}}, path)
    assert torch.equal(torch.load(path, weights_only=True)['state_dict']['w'], torch.arange(5.))
    assert not osp.exists(temp_path(path))


def test_text_writer_changes_the_file_only_on_success(tmp_path):
    path = tmp_path / 'last_checkpoint'
    path.write_text('epoch_1.pth')
    with pytest.raises(Boom):
        with AtomicTextWriter(str(path)) as f:
            f.write('epoch_2')
            raise Boom
    assert path.read_text() == 'epoch_1.pth'
    with AtomicTextWriter(str(path)) as f:
        f.write('epoch_2.pth')
    assert path.read_text() == 'epoch_2.pth'


def _toy_runner(work_dir, max_keep_ckpts=1):
    from mmengine.runner import Runner
    from mmengine.testing.runner_test_case import ToyDataset, ToyModel
    return Runner(
        model=ToyModel(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=ToyDataset(), sampler=dict(type='DefaultSampler'),
                              batch_size=4, num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1,
                                           max_keep_ckpts=max_keep_ckpts)),
        default_scope='mmengine', randomness=dict(seed=0))


def test_old_checkpoint_survives_a_failed_save(tmp_path, monkeypatch):
    """mmengine deletes the oldest kept checkpoint before saving the next one; installed, the
    deletion waits until the new checkpoint and last_checkpoint are written."""
    install_atomic_checkpoint_saves()
    runner = _toy_runner(tmp_path)
    original = runner.save_checkpoint

    def fail_at_epoch_2(out_dir, filename, *args, **kwargs):
        if filename == 'epoch_2.pth':
            raise Boom
        return original(out_dir, filename, *args, **kwargs)

    monkeypatch.setattr(runner, 'save_checkpoint', fail_at_epoch_2)
    with pytest.raises(Boom):
        runner.train()
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'epoch_1.pth')


def test_checkpoints_and_last_checkpoint_are_renamed_into_place(tmp_path, monkeypatch):
    install_atomic_checkpoint_saves()
    renamed, real_replace = [], os.replace
    monkeypatch.setattr(os, 'replace',
                        lambda src, dst: (renamed.append(dst), real_replace(src, dst)))
    _toy_runner(tmp_path).train()
    assert renamed == [str(tmp_path / 'epoch_1.pth'), str(tmp_path / 'last_checkpoint'),
                       str(tmp_path / 'epoch_2.pth'), str(tmp_path / 'last_checkpoint')]
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'epoch_2.pth')


def test_max_keep_ckpts_still_deletes_after_success(tmp_path):
    install_atomic_checkpoint_saves()
    _toy_runner(tmp_path).train()
    assert sorted(p for p in os.listdir(tmp_path) if p.endswith('.pth')) == ['epoch_2.pth']
    assert not [p for p in os.listdir(tmp_path) if '.tmp-' in p]


def test_mmengine_save_functions_are_the_atomic_one():
    import mmengine.runner
    import mmengine.runner.checkpoint
    import mmengine.runner.runner
    install_atomic_checkpoint_saves()
    for module in (mmengine.runner, mmengine.runner.checkpoint, mmengine.runner.runner):
        assert module.save_checkpoint is atomic_save_checkpoint


def _save(path, epoch, mtime):
    torch.save({'state_dict': {'w': torch.full((2, ), float(epoch))}, 'meta': {'epoch': epoch},
                'optimizer': {}}, path)
    os.utime(path, (mtime, mtime))


def test_resume_picks_newest_loadable_and_names_the_broken(tmp_path, warnings_logged):
    for epoch in (1, 2, 3):
        _save(tmp_path / f'epoch_{epoch}.pth', epoch, 1000 + epoch)
    (tmp_path / 'epoch_3.pth').write_bytes((tmp_path / 'epoch_3.pth').read_bytes()[:100])
    os.utime(tmp_path / 'epoch_3.pth', (1003, 1003))
    _save(tmp_path / 'best_acc_epoch_9.pth', 9, 2000)  # no training state: never resumed
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    assert len(warnings_logged) == 1 and warnings_logged[0].startswith(
        f'skipping a broken checkpoint: {tmp_path / "epoch_3.pth"}: not a readable checkpoint')


def test_resume_reports_a_last_checkpoint_naming_a_missing_file(tmp_path, warnings_logged):
    _save(tmp_path / 'epoch_1.pth', 1, 1000)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    assert warnings_logged == [f'{tmp_path / "last_checkpoint"} names {tmp_path / "epoch_2.pth"}, '
                               'which does not exist; resuming from the newest checkpoint that '
                               'loads']


def test_resume_removes_temp_files_of_dead_processes(tmp_path):
    _save(tmp_path / 'epoch_1.pth', 1, 1000)
    stale = tmp_path / '.epoch_2.pth.tmp-999999999'  # no such pid
    stale.write_bytes(b'half')
    mine = tmp_path / f'.epoch_2.pth.tmp-{os.getpid()}'
    mine.write_bytes(b'in progress')
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    assert not stale.exists() and mine.exists()


def test_resume_in_an_empty_or_missing_work_dir(tmp_path):
    assert find_resumable_checkpoint(str(tmp_path)) is None
    assert find_resumable_checkpoint(str(tmp_path / 'none')) is None


def test_resume_returns_a_remote_last_checkpoint_unchecked(tmp_path):
    (tmp_path / 'last_checkpoint').write_text('s3://bucket/run/epoch_7.pth')
    assert find_resumable_checkpoint(str(tmp_path)) == 's3://bucket/run/epoch_7.pth'
