"""Bad configs, data and checkpoints stop tools/*.py with one line naming the file or key."""
import pytest

from tests.conftest import DIGITS_CFG, run_tool


def _error_line(proc) -> str:
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith('error: ')
    return lines[-1]


@pytest.mark.slow
def test_typo_in_module_type(tmp_path):
    proc = run_tool(['tools/train.py', DIGITS_CFG, '--work-dir', str(tmp_path),
                     '--cfg-options', 'model.backbone.type=ResNet_CIFARR'], check=False)
    line = _error_line(proc)
    assert DIGITS_CFG in line and "model.backbone.type='ResNet_CIFARR'" in line


@pytest.mark.slow
def test_missing_data_root(tmp_path):
    proc = run_tool(['tools/train.py', DIGITS_CFG, '--work-dir', str(tmp_path),
                     '--cfg-options', f'train_dataloader.dataset.data_root={tmp_path}/none'],
                    check=False)
    line = _error_line(proc)
    assert DIGITS_CFG in line and 'train_dataloader.dataset.data_root' in line
    assert f'{tmp_path}/none' in line


@pytest.mark.slow
def test_corrupted_checkpoint(tmp_path, digits_root):
    ckpt = tmp_path / 'epoch_3.pth'
    ckpt.write_bytes(b'PK\x03\x04 truncated download')
    proc = run_tool(['tools/test.py', DIGITS_CFG, str(ckpt), '--work-dir', str(tmp_path)],
                    check=False)
    line = _error_line(proc)
    assert f'{ckpt}: not a readable checkpoint' in line


def test_missing_config_file():
    proc = run_tool(['tools/train.py', 'configs/nope.py'], check=False)
    assert _error_line(proc) == 'error: configs/nope.py: config file not found'
