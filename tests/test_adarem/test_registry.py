"""AdaRem is found by mmengine and every host library, and steps through an OptimWrapper."""
import pytest
import torch
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import OPTIMIZERS

from projects.adarem import AdaRem


def test_build_from_mmengine_root_registry():
    model = torch.nn.Linear(3, 2)
    opt = OPTIMIZERS.build(dict(type='AdaRem', params=model.parameters(), lr=0.1))
    assert isinstance(opt, AdaRem) and opt.defaults['lam'] == 0.999


@pytest.mark.parametrize('scope', ['mmpretrain', 'mmdet', 'mmaction'])
def test_host_libraries_find_it(scope):
    from mmengine.registry import DefaultScope, init_default_scope
    init_default_scope(scope)
    model = torch.nn.Linear(3, 2)
    with DefaultScope.overwrite_default_scope(scope):
        wrapper = build_optim_wrapper(model, dict(
            optimizer=dict(type='AdaRem', lr=0.1, weight_decay=1e-4),
            paramwise_cfg=dict(bias_decay_mult=0.0)))
    assert isinstance(wrapper.optimizer, AdaRem)
    decays = sorted(g['weight_decay'] for g in wrapper.optimizer.param_groups)
    assert decays == [0.0, 1e-4]  # the bias group got bias_decay_mult=0


def test_optim_wrapper_step_on_a_linear_model():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    wrapper = OptimWrapper(AdaRem(model.parameters(), lr=0.05, impl='reference'))
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.mse_loss(model(x), y)
        wrapper.update_params(loss)
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


def _step_with_random_grads(optimizer, seed=0):
    gen = torch.Generator().manual_seed(seed)
    params = [p for g in optimizer.param_groups for p in g['params']]
    before = [p.detach().clone() for p in params]
    for p in params:
        p.grad = torch.randn(p.shape, generator=gen) * 1e-2
    optimizer.step()
    return sum(not torch.equal(b, p.detach()) for b, p in zip(before, params)), len(params)


@pytest.mark.slow
def test_all_adarem_configs_step_one_after_another_in_one_process():
    # The optimizers of every AdaRem config (ImageNet with one group per parameter from
    # paramwise_cfg, CIFAR, digits, the epoch-decay variants), built and stepped in one
    # process: dynamo's recompile limit is process-wide, and none of them may recompile.
    import glob
    import os.path as osp

    import torch._dynamo
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope, init_default_scope

    from tests.conftest import REPO_ROOT
    configs = sorted(glob.glob(osp.join(REPO_ROOT, 'configs/adarem/*adarem*.py')))
    assert len(configs) >= 8
    graphs = []
    for path in configs:
        cfg = Config.fromfile(path)
        init_default_scope(cfg.default_scope)
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            model = MODELS.build(cfg.model)
            wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        assert isinstance(wrapper.optimizer, AdaRem) and wrapper.optimizer.impl == 'compiled'
        changed, total = _step_with_random_grads(wrapper.optimizer)
        assert changed == total, osp.basename(path)
        graphs.append(torch._dynamo.utils.counters['stats'].get('unique_graphs', 0))
    assert len(set(graphs)) == 1  # compiled (at most) once, for the first config


def test_readme_usage_snippet_steps():
    # The python block of the README's Usage section, on an mmpretrain ResNet-18 (ImageNet
    # shapes) with one group per parameter, as the runner builds it.
    import os.path as osp
    import re

    from mmengine.registry import MODELS, DefaultScope, init_default_scope

    from tests.conftest import REPO_ROOT
    with open(osp.join(REPO_ROOT, 'projects/adarem/README.md')) as f:
        usage = f.read().split('## Usage', 1)[1]
    snippet = re.search(r'```python\n(.*?)```', usage, re.S).group(1)
    scope = {}
    exec(snippet, scope)  # noqa: S102 (our own README)
    assert scope['custom_imports']['imports'] == ['projects.adarem']
    init_default_scope('mmpretrain')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=18),
                                  neck=dict(type='GlobalAveragePooling'),
                                  head=dict(type='LinearClsHead', num_classes=10,
                                            in_channels=512)))
        wrapper = build_optim_wrapper(model, scope['optim_wrapper'])
    assert len(wrapper.optimizer.param_groups) == len(list(model.parameters()))
    for seed in range(2):
        changed, total = _step_with_random_grads(wrapper.optimizer, seed)
        assert changed == total
