"""Every config under configs/ (not _base_) loads, and its model and pipelines build on CPU.

Parametrized over the files, so a new config is covered without editing this test. No data is
needed: datasets are not built, only their transforms.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS, DefaultScope, init_default_scope

from tests.conftest import REPO_ROOT

CONFIGS = sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))


def _pipelines(cfg: Config):
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = (cfg.get(loader) or {}).get('dataset')
        while isinstance(ds, dict):
            if 'pipeline' in ds:
                yield f'{loader}.pipeline', ds['pipeline']
            ds = ds.get('dataset')


def test_configs_were_found():
    assert len(CONFIGS) >= 2


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds(config):
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    scope = cfg.get('default_scope', 'mmengine')
    init_default_scope(scope)  # imports the host library's lazily registered modules
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(cfg.model)
        assert isinstance(model, torch.nn.Module)
        assert sum(p.numel() for p in model.parameters()) > 0
        for key, pipeline in _pipelines(cfg):
            assert len(Compose(pipeline).transforms) == len(pipeline), key
        if cfg.get('optim_wrapper'):
            optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
            assert type(optim_wrapper.optimizer).__name__ == cfg.optim_wrapper.optimizer.type
