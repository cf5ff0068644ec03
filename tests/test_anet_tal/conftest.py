"""Small localizer configs, checkpoints and ActivityNet files shared by the anet_tal tests."""
import os.path as osp

import pytest
import torch

import projects.anet_tal  # noqa: F401
from tests.conftest import REPO_ROOT

ANET_EVAL = osp.join(REPO_ROOT, 'tests', 'data', 'anet_eval')
GT = osp.join(ANET_EVAL, 'gt.json')
RESULT = osp.join(ANET_EVAL, 'result.json')
#: the official per-threshold detection mAP of RESULT against GT (anet2020_tal.md, anchor 1)
ANCHOR_PER_TIOU = [0.71428571, 0.71428571, 0.71428571, 0.6875, 0.6875, 0.59722222, 0.52083333,
                   0.52083333, 0.52083333, 0.5]
ANCHOR_MAP = 0.6177579365079365


def small_model(type='BMN', temporal_dim=16, feat_dim=8, **overrides):
    """A small BMN / BSN++ model dict (mmaction2 scope)."""
    cfg = dict(type=type, temporal_dim=temporal_dim, boundary_ratio=0.5, num_samples=8,
               num_samples_per_bin=3, feat_dim=feat_dim, soft_nms_alpha=0.4,
               soft_nms_low_threshold=0.5, soft_nms_high_threshold=0.9,
               post_process_top_k=100, hidden_dim_1d=16, hidden_dim_2d=16, hidden_dim_3d=16)
    cfg.update(overrides)
    return cfg


@pytest.fixture
def checkpoint_of(tmp_path):
    """``checkpoint_of(model_cfg, seed)`` -> path of a checkpoint of a seeded initial model."""
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    def _make(model_cfg, seed):
        init_default_scope('mmaction')
        torch.manual_seed(seed)
        model = MODELS.build(model_cfg)
        path = str(tmp_path / f'{model_cfg["type"]}_{seed}_{model_cfg["temporal_dim"]}.pth')
        torch.save(dict(state_dict=model.state_dict(), meta=dict(seed=seed)), path)
        return path
    return _make
