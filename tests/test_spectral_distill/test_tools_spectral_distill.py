"""The tiny distillation config trains and tests through tools/train.py and tools/test.py on
the generated videos (mmaction2's decord pipeline); the exported student tests through the
plain student config with identical predictions; a missing tap path fails with one line."""
import os.path as osp
import pickle

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT, run_tool

DISTILL = 'configs/spectral_distill/spectral-distill_tsm-r18-to-mobilenetv2-tiny_1xb16-30e_rate-videos.py'
STUDENT = 'configs/spectral_distill/tsm_mobilenetv2-tiny_1xb16-30e_rate-videos.py'
SMALL = ['train_dataloader.dataset.indices=16', 'val_dataloader.dataset.indices=16',
         'test_dataloader.dataset.indices=16']


@pytest.fixture(scope='module')
def rate_videos():
    from tools.data import ensure
    return ensure('rate-videos')


def test_generated_videos_decode_with_mmaction_pipeline(rate_videos):
    from mmaction.utils import register_all_modules
    from mmengine.dataset import Compose
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, DISTILL))
    with open(osp.join(rate_videos, 'train_list_videos.txt')) as f:
        lines = f.read().split('\n')
    labels = {int(line.split()[1]) for line in lines if line}
    assert labels == set(range(6))
    rel, label = lines[0].split()
    out = Compose(cfg.test_pipeline)(dict(filename=osp.join(rate_videos, 'videos', rel),
                                          label=int(label), start_index=0, modality='RGB'))
    assert out['inputs'].shape == (8, 3, 32, 32)
    assert out['inputs'].float().std() > 5  # real pixels, not a blank decode


@pytest.mark.slow
def test_tiny_distill_trains_tests_and_exports(tmp_path, rate_videos):
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, DISTILL))
    torch.manual_seed(3)
    teacher = MODELS.build(cfg.model.teacher)
    teacher_ckpt = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict(), meta={}), teacher_ckpt)
    work = str(tmp_path / 'distill')
    env = dict(OMP_NUM_THREADS='1')
    run_tool(['tools/train.py', DISTILL, '--work-dir', work, '--cfg-options',
              'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
              'default_hooks.checkpoint.interval=1', f'model.teacher_ckpt={teacher_ckpt}']
             + SMALL, env=env)
    ckpt = torch.load(osp.join(work, 'epoch_1.pth'), map_location='cpu', weights_only=False)
    # the teacher checkpoint was loaded by init_weights and stayed frozen
    for key, value in teacher.state_dict().items():
        assert torch.equal(ckpt['state_dict'][f'teacher.{key}'], value), key
    distilled_pkl, student_pkl = str(tmp_path / 'd.pkl'), str(tmp_path / 's.pkl')
    run_tool(['tools/test.py', DISTILL, osp.join(work, 'epoch_1.pth'), '--work-dir', work,
              '--out', distilled_pkl, '--cfg-options'] + SMALL, env=env)
    student_ckpt = str(tmp_path / 'student.pth')
    run_tool(['tools/model_converters/export_student.py', osp.join(work, 'epoch_1.pth'),
              student_ckpt])
    exported = torch.load(student_ckpt, map_location='cpu', weights_only=False)['state_dict']
    assert not any(k.startswith(('teacher', 'adapters', 'student')) for k in exported)
    run_tool(['tools/test.py', STUDENT, student_ckpt, '--work-dir', str(tmp_path / 's'),
              '--out', student_pkl, '--cfg-options'] + SMALL, env=env)
    with open(distilled_pkl, 'rb') as f:
        ours = pickle.load(f)
    with open(student_pkl, 'rb') as f:
        plain = pickle.load(f)
    assert len(ours) == len(plain) == 16
    for a, b in zip(ours, plain):
        torch.testing.assert_close(a['pred_score'], b['pred_score'])


@pytest.mark.slow
def test_export_of_a_plain_checkpoint_is_one_line_error(tmp_path):
    path = str(tmp_path / 'plain.pth')
    torch.save(dict(state_dict={'backbone.conv1.weight': torch.zeros(1)}), path)
    proc = run_tool(['tools/model_converters/export_student.py', path, str(tmp_path / 'o.pth')],
                    check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f'error: {path}: no student.* weights; expected a SpectralCollabDistiller checkpoint']


def test_distill_config_with_missing_tap_is_one_line_error():
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, DISTILL))
    cfg.model.taps = [dict(student='backbone', teacher='backbone.layer5', channels=(1280, 512))]
    with pytest.raises(ValueError) as info:
        MODELS.build(cfg.model)
    assert str(info.value).startswith("model.taps[0].teacher: the teacher has no module "
                                      "'backbone.layer5'")
    assert '\n' not in str(info.value)
