"""A DG-ResNet-50 backbone inside mmdet detectors (cross-scope ``mmpretrain.DGResNet``)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

from projects.common.graph import GraphStage
from tests.conftest import REPO_ROOT

pytest.importorskip('mmdet')

DET_CONFIGS = ['configs/dgnet/retinanet_dgnet-r50_fpn_8xb2-1x_coco.py',
               'configs/dgnet/faster-rcnn_dgnet-r50_fpn_8xb2-1x_coco.py']


@pytest.mark.parametrize('config', DET_CONFIGS, ids=['retinanet', 'faster-rcnn'])
def test_detector_with_dg_backbone_trains_one_step_on_cpu(config):
    from mmdet.registry import MODELS
    from mmdet.testing import demo_mm_inputs
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    init_default_scope('mmdet')
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
        model.train()
        stages = [m for m in model.backbone.modules() if isinstance(m, GraphStage)]
        assert len(stages) == 4
        torch.manual_seed(0)
        packed = demo_mm_inputs(2, [[3, 96, 128]] * 2, num_items=[3, 3], use_box_type=False)
        data = model.data_preprocessor(packed, True)
        losses = model(**data, mode='loss')
        total = sum(v if torch.is_tensor(v) else sum(v) for k, v in losses.items()
                    if 'loss' in k)
        assert torch.isfinite(total)
        total.backward()
    # layer1 is frozen (frozen_stages=1); routers of the trained stages get gradients
    for stage in stages[1:]:
        grads = [p.grad for p in stage.edge_source.parameters()]
        assert all(g is not None and g.abs().sum() > 0 for g in grads)
    assert all(p.grad is None for p in stages[0].parameters())
    # four FPN inputs with the channels of ResNet-50
    feats = model.backbone(torch.rand(1, 3, 96, 128))
    assert [f.shape[1] for f in feats] == [256, 512, 1024, 2048]
