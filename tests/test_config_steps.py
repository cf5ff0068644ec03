"""Every config with an ``optim_wrapper`` trains: two real optimizer steps on a tiny batch.

Parametrized over the files under configs/ (not _base_), so the configs of a new method are
covered without editing this test. Each config is built as the runner builds it: default scope
from the config, ``custom_imports`` imported by ``Config.fromfile``, the model from
``cfg.model`` and the optim wrapper (with its ``paramwise_cfg``) from ``cfg.optim_wrapper``.
Then ``model.train_step`` runs twice, which is what the train loop calls: the data
preprocessor, the forward with ``mode='loss'``, the loss sum, backward and
``optim_wrapper.update_params``. The batch is random data of the host library's format at a
small spatial size (the model itself is the config's, at full size); localizers get features
of the config's ``feat_dim`` x ``temporal_dim``. No weights are loaded (``init_weights`` is not
called, so no pretrained checkpoint is fetched).
"""
import glob
import os.path as osp
from typing import Any, Dict, Optional

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS, DefaultScope, init_default_scope

from tests.conftest import REPO_ROOT

#: Image side of the random batches: every backbone here downsamples by 32 (detectors' FPNs by
#: up to 128, which rounds up to one cell), and 64 px keeps a ResNet-101 FPN step well under 1 s.
CLS_SIZE = 32
DET_SIZE = 64


def _has_optim_wrapper(path: str) -> bool:
    return bool(Config.fromfile(path, import_custom_modules=False).get('optim_wrapper'))


CONFIGS = sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep) and _has_optim_wrapper(p))


def _find(cfg: Any, key: str) -> Optional[Any]:
    """The first value of ``key`` in a nested config (depth first)."""
    if isinstance(cfg, dict):
        if key in cfg:
            return cfg[key]
        values = cfg.values()
    elif isinstance(cfg, (list, tuple)):
        values = cfg
    else:
        return None
    for v in values:
        found = _find(v, key)
        if found is not None:
            return found
    return None


def _classification_batch(cfg: Config, gen: torch.Generator) -> Dict[str, list]:
    from mmpretrain.structures import DataSample
    num_classes = _find(cfg.model, 'num_classes')
    inputs = [torch.randint(0, 256, (3, CLS_SIZE, CLS_SIZE), generator=gen, dtype=torch.uint8)
              for _ in range(2)]
    samples = [DataSample().set_gt_label(int(label))
               for label in torch.randint(0, num_classes, (2, ), generator=gen)]
    return dict(inputs=inputs, data_samples=samples)


def _detection_batch(cfg: Config, gen: torch.Generator) -> Dict[str, list]:
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    num_classes = _find(cfg.model, 'num_classes')
    s = DET_SIZE
    sample = DetDataSample(metainfo=dict(img_shape=(s, s), ori_shape=(s, s),
                                         scale_factor=(1.0, 1.0), pad_shape=(s, s)))
    # two boxes of 20-40 px at distinct places, distinct classes
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[4.0, 6.0, 30.0, 40.0], [28.0, 20.0, 60.0, 52.0]]),
        labels=torch.tensor([0, min(1, num_classes - 1)]))
    image = torch.randint(0, 256, (3, s, s), generator=gen, dtype=torch.uint8)
    return dict(inputs=[image], data_samples=[sample])


def _localization_batch(cfg: Config, gen: torch.Generator) -> Dict[str, list]:
    from mmaction.structures import ActionDataSample
    from mmengine.structures import InstanceData
    feat_dim, temporal_dim = cfg.model.feat_dim, cfg.model.temporal_dim
    inputs, samples = [], []
    for boxes in ([[0.1, 0.3], [0.5, 0.9]], [[0.2, 0.7]]):
        inputs.append(torch.randn(feat_dim, temporal_dim, generator=gen))
        sample = ActionDataSample()
        sample.gt_instances = InstanceData(gt_bbox=torch.tensor(boxes))
        sample.set_metainfo(dict(video_name='v', duration_second=10.0, duration_frame=320,
                                 feature_frame=320))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


BATCHES = dict(mmpretrain=_classification_batch, mmdet=_detection_batch,
               mmaction=_localization_batch)


def test_configs_were_found():
    methods = {c.split(osp.sep)[1] for c in CONFIGS}
    assert {'adarem', 'baselines'} <= methods and len(CONFIGS) >= 10


@pytest.mark.parametrize('config', CONFIGS)
def test_two_optimizer_steps(config):
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    scope = cfg.get('default_scope', 'mmengine')
    assert scope in BATCHES, f'{config}: no tiny batch for default_scope={scope!r}'
    init_default_scope(scope)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(cfg.model)
        model.train()
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        lr_of = {id(p): g['lr'] for g in optim_wrapper.optimizer.param_groups
                 for p in g['params']}
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        has_grad = set()
        for _ in range(2):
            log_vars = model.train_step(BATCHES[scope](cfg, gen), optim_wrapper)
            for key, value in log_vars.items():
                assert torch.isfinite(torch.as_tensor(value)).all(), f'{config}: {key}={value}'
            has_grad |= {n for n, p in model.named_parameters()
                         if p.grad is not None and bool(p.grad.abs().sum() > 0)}
    trained = {n for n, p in model.named_parameters() if n in has_grad and lr_of[id(p)] > 0}
    assert trained, f'{config}: no parameter received a gradient'
    unchanged = sorted(n for n, p in model.named_parameters()
                       if n in trained and torch.equal(p.detach(), before[n]))
    assert not unchanged, f'{config}: parameters with gradients did not change: {unchanged[:5]}'
