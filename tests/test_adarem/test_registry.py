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
