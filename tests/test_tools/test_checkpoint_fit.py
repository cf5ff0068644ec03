"""tools/test.py and tools/train.py stop with one line on a checkpoint that does not fit the
config's model (issue #13); a static checkpoint still starts a DG-Net."""
import os.path as osp

import pytest
import torch

from tests.conftest import DIGITS_CFG, run_tool

BSNPP_CFG = 'configs/bsnpp/bsnpp_tiny_1xb8-12e_anet-features.py'
DG_CFG = 'configs/dgnet/dgnet-resnet18-tiny_1xb64-10e_digits.py'


@pytest.fixture(scope='module')
def digits_checkpoint(tmp_path_factory) -> str:
    """A ResNet-18 digits checkpoint as mmengine saves it (weights of the built model)."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    from mmpretrain.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(DIGITS_CFG).model)
    path = str(tmp_path_factory.mktemp('ckpt') / 'resnet18_digits.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {'epoch': 10}}, path)
    return path


def _one_line_error(proc) -> str:
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith('error: '), proc.stderr[-3000:]
    return lines[-1]


@pytest.mark.slow
def test_classifier_checkpoint_for_bsnpp_stops(tmp_path, digits_checkpoint):
    proc = run_tool(['tools/test.py', BSNPP_CFG, digits_checkpoint, '--work-dir', str(tmp_path)],
                    check=False)
    line = _one_line_error(proc)
    assert line.startswith(f'error: {digits_checkpoint}: does not fit the model: it provides 0 '
                           'of the ')
    assert 'keys missing, e.g. ' in line and '--allow-partial-checkpoint' in line
    assert not osp.exists(osp.join(tmp_path, 'proposals.json'))


@pytest.mark.slow
def test_static_checkpoint_does_not_evaluate_as_dgnet(tmp_path, digits_checkpoint):
    proc = run_tool(['tools/test.py', DG_CFG, digits_checkpoint, '--work-dir', str(tmp_path)],
                    check=False)
    line = _one_line_error(proc)
    assert f'error: {digits_checkpoint}: does not fit the model' in line
    assert 'backbone.layer1.edge_source.routers.0.fc.weight' in line
    assert "a static network's checkpoint" in line


@pytest.mark.slow
def test_allow_partial_checkpoint_evaluates(tmp_path, digits_checkpoint):
    proc = run_tool(['tools/test.py', DG_CFG, digits_checkpoint, '--work-dir', str(tmp_path),
                     '--allow-partial-checkpoint', '--cfg-options',
                     'test_dataloader.dataset.indices=32', 'test_dataloader.num_workers=0'])
    out = proc.stdout + proc.stderr
    assert '--allow-partial-checkpoint: ' in out and 'accuracy/top1' in out


@pytest.mark.slow
def test_static_checkpoint_starts_dgnet_training(tmp_path, digits_checkpoint):
    # lr 0: the saved DG-Net must hold the static network's parameters unchanged
    run_tool(['tools/train.py', DG_CFG, '--work-dir', str(tmp_path), '--no-validate',
              '--cfg-options', f'load_from={digits_checkpoint}', 'train_cfg.max_epochs=1',
              'optim_wrapper.optimizer.lr=0', 'optim_wrapper.optimizer.weight_decay=0',
              'train_dataloader.dataset.indices=64', 'train_dataloader.num_workers=0'])
    static = torch.load(digits_checkpoint, weights_only=False)['state_dict']
    dg = torch.load(tmp_path / 'epoch_1.pth', weights_only=False)['state_dict']
    assert any('.edge_source.' in k for k in dg)
    for key, value in static.items():
        if 'running_' not in key and 'num_batches_tracked' not in key:  # BN stats update
            assert torch.equal(dg[key], value), key


@pytest.mark.slow
def test_classifier_checkpoint_as_detector_load_from_stops(tmp_path, digits_checkpoint):
    from tests.conftest import RETINANET_CFG
    proc = run_tool(['tools/train.py', RETINANET_CFG, '--work-dir', str(tmp_path),
                     '--cfg-options', f'load_from={digits_checkpoint}'], check=False)
    line = _one_line_error(proc)
    assert f'{digits_checkpoint}: does not fit the model' in line
