"""projects.common.val_rng: validating more often does not change what training learns."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from projects.common.val_rng import RestoreRandomStateHook
from tests.conftest import REPO_ROOT

CFG = f'{REPO_ROOT}/tests/test_tools/toy/toy_regression_cfg.py'


def _train(work_dir, val_interval: int, restore: bool) -> dict:
    import tests.test_tools.toy  # noqa: F401  (registers the toy model, data and metric)
    cfg = Config.fromfile(CFG)
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    cfg.model.dropout = 0.5  # training draws from torch's global generator
    cfg.train_cfg.val_interval = val_interval
    loader = copy.deepcopy(cfg.train_dataloader)
    loader.sampler.shuffle = False
    cfg.val_dataloader, cfg.val_cfg = loader, dict()
    cfg.val_evaluator = dict(type='ToyMSE')
    cfg.default_hooks.checkpoint.interval = 100
    runner = Runner.from_cfg(cfg)
    if restore:
        runner.register_hook(RestoreRandomStateHook())
    runner.train()
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize('restore', [True, False])
def test_weights_do_not_depend_on_val_interval(tmp_path, restore):
    # 3 epochs: validated after every epoch, or only after the last one
    every = _train(tmp_path / 'every', 1, restore)
    last = _train(tmp_path / 'last', 3, restore)
    # without the hook the validations of epochs 1 and 2 shift the dropout masks: this is
    # what the hook is for, and shows that the comparison can fail
    assert _same(every, last) == restore
