"""Every config with an ``optim_wrapper`` trains: two real optimizer steps on a tiny batch.

Parametrized over the files under configs/ (not _base_), so the configs of a new method are
covered without editing this test. Each config is built as the runner builds it: default scope
from the config, ``custom_imports`` imported by ``Config.fromfile``, the model from
``cfg.model`` and the optim wrapper (with its ``paramwise_cfg``) from ``cfg.optim_wrapper``.
Then ``model.train_step`` runs twice, which is what the train loop calls: the data
preprocessor, the forward with ``mode='loss'``, the loss sum, backward and
``optim_wrapper.update_params``. The batch is random data of the host library's format at a
small spatial size (the model itself is the config's, at full size); localizers get features
of the config's ``feat_dim`` over ``LOCALIZER_TEMPORAL_DIM`` snippets: the cost of BMN's
boundary-matching layer grows with the square of ``temporal_dim`` (10-20 s per step at 100-128
on one core), while no parameter depends on it (checked). No weights are loaded
(``init_weights`` is not called, so no pretrained checkpoint is fetched). The param
schedulers are built too, so the first steps use the first iteration's learning rate (a
warm-up's, where the config has one).
"""
import glob
import os.path as osp
from typing import Any, Dict, Optional

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS, PARAM_SCHEDULERS, DefaultScope, init_default_scope

from tests.conftest import REPO_ROOT

#: Image side of the random batches. Backbones downsample by 32: at 32 px the last stage is
#: 1x1 and its BatchNorm over a batch of 2 is degenerate (RegNetX-400MF's stem gradient reached
#: 4e15); at 64 px it is 2x2. Detectors' FPNs go to stride 128, which rounds up to one cell.
CLS_SIZE = 64
DET_SIZE = 64
#: Snippets per random localization sample (the configs use 32 to 128).
LOCALIZER_TEMPORAL_DIM = 16


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
    if (cfg.model.get('head') or {}).get('type') == 'AENetHead':
        # AENet's auxiliary heads read attribute, spoof-type, illumination and map labels
        from projects.celeba_spoof import add_random_anti_spoof_labels
        add_random_anti_spoof_labels(samples, gen)
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
    assert temporal_dim == LOCALIZER_TEMPORAL_DIM, 'the test shortens temporal_dim first'
    inputs, samples = [], []
    for boxes in ([[0.1, 0.3], [0.5, 0.9]], [[0.2, 0.7]]):
        inputs.append(torch.randn(feat_dim, temporal_dim, generator=gen))
        sample = ActionDataSample()
        sample.gt_instances = InstanceData(gt_bbox=torch.tensor(boxes))
        sample.set_metainfo(dict(video_name='v', duration_second=10.0, duration_frame=320,
                                 feature_frame=320))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _recognition_batch(cfg: Config, gen: torch.Generator) -> Dict[str, list]:
    """Video clips of ``num_segments`` (default 8) frames for an mmaction2 recognizer (or a
    distiller of two), uint8 ``[T, 3, H, W]`` as the 2D recognizers' data preprocessor takes."""
    from mmaction.structures import ActionDataSample
    num_classes = _find(cfg.model, 'num_classes')
    segs = _find(cfg.model, 'num_segments') or 8
    inputs = [torch.randint(0, 256, (segs, 3, CLS_SIZE, CLS_SIZE), generator=gen,
                            dtype=torch.uint8) for _ in range(2)]
    samples = [ActionDataSample().set_gt_label(int(label))
               for label in torch.randint(0, num_classes, (2, ), generator=gen)]
    return dict(inputs=inputs, data_samples=samples)


def _mmaction_batch(cfg: Config, gen: torch.Generator) -> Dict[str, list]:
    if 'temporal_dim' in cfg.model:
        return _localization_batch(cfg, gen)
    return _recognition_batch(cfg, gen)


BATCHES = dict(mmpretrain=_classification_batch, mmdet=_detection_batch,
               mmaction=_mmaction_batch)


def _build_model(cfg: Config) -> torch.nn.Module:
    """``cfg.model``; a localizer with ``temporal_dim = LOCALIZER_TEMPORAL_DIM``.

    Its trained parameters do not depend on ``temporal_dim``: checked against a second build
    at half the length.
    """
    if 'temporal_dim' not in cfg.model:
        return MODELS.build(cfg.model)
    models = [MODELS.build(dict(cfg.model.to_dict(), temporal_dim=t))
              for t in (LOCALIZER_TEMPORAL_DIM // 2, LOCALIZER_TEMPORAL_DIM)]
    shapes = [{n: p.shape for n, p in m.named_parameters() if p.requires_grad} for m in models]
    assert shapes[0] == shapes[1], 'a parameter of this localizer depends on temporal_dim'
    cfg.model.temporal_dim = LOCALIZER_TEMPORAL_DIM
    return models[1]


def _build_schedulers(cfg: Config, optim_wrapper) -> list:
    """The config's param schedulers, built as ``Runner.build_param_scheduler`` builds them.

    Building one sets the first iteration's value (e.g. the warm-up's start factor); the
    iteration-based ones are stepped after every iteration, as ``ParamSchedulerHook`` does.
    """
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    built = []
    for sched in schedulers:
        sched = sched.to_dict()
        by_epoch = sched.get('by_epoch', True)
        sched.setdefault('end', cfg.train_cfg.get('max_epochs' if by_epoch else 'max_iters'))
        built.append(PARAM_SCHEDULERS.build(
            sched, default_args=dict(optimizer=optim_wrapper, epoch_length=1000)))
    return built


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
        model = _build_model(cfg)
        model.train()
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        grad_max = {}  # filled before update_params zeroes the gradients
        hooks = [p.register_post_accumulate_grad_hook(
            lambda p, n=n: grad_max.update({n: max(grad_max.get(n, 0.0),
                                                   float(p.grad.abs().max()))}))
            for n, p in model.named_parameters() if p.requires_grad]
        schedulers = _build_schedulers(cfg, optim_wrapper)
        lr_of = {id(p): g['lr'] for g in optim_wrapper.optimizer.param_groups
                 for p in g['params']}  # of the first step
        for _ in range(2):
            log_vars = model.train_step(BATCHES[scope](cfg, gen), optim_wrapper)
            for key, value in log_vars.items():
                assert torch.isfinite(torch.as_tensor(value)).all(), f'{config}: {key}={value}'
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        for hook in hooks:
            hook.remove()
    assert any(g > 0 for g in grad_max.values()), f'{config}: no parameter got a gradient'
    # every parameter whose step lr * max|grad| is representable next to its values must move
    # (under a warm-up, e.g. lr 2e-5, some small gradients round away in float32)
    must_move = [n for n, p in model.named_parameters()
                 if lr_of.get(id(p), 0.0) * grad_max.get(n, 0.0) >
                 1e-5 * max(1e-3, float(before[n].abs().max()))]
    assert must_move, f'{config}: no parameter can move'
    unchanged = [n for n in must_move if torch.equal(dict(model.named_parameters())[n].detach(),
                                                     before[n])]
    assert not unchanged, f'{config}: parameters with gradients did not change: {unchanged[:5]}'
