"""The compiled default path gives the reference path's updates, without recompiling per step."""
import copy

import pytest
import torch

from projects.adarem import AdaRem


def _train(model, opt, steps, lrs=None):
    gen = torch.Generator().manual_seed(0)
    for i in range(steps):
        if lrs is not None:
            for group in opt.param_groups:
                group['lr'] = lrs[i]
        x = torch.randn(16, 6, generator=gen)
        y = torch.randint(0, 3, (16, ), generator=gen)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))


@pytest.mark.slow
@pytest.mark.parametrize('direction, norm', [('grad', 'tensor'), ('heavy_ball', 'sign')])
def test_compiled_equals_reference(direction, norm):
    ref, fused = _model(), _model()
    kwargs = dict(lr=0.2, lam=0.9, weight_decay=1e-3, direction=direction, norm=norm)
    _train(ref, AdaRem(ref.parameters(), impl='reference', **kwargs), 6)
    _train(fused, AdaRem(fused.parameters(), impl='compiled', **kwargs), 6)
    for a, b, init in zip(ref.parameters(), fused.parameters(), _model().parameters()):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
        assert (a - init).abs().max() > 1e-3  # the updates are not trivially zero


@pytest.mark.slow
def test_new_lr_values_do_not_recompile():
    import torch._dynamo
    model = _model()
    opt = AdaRem(model.parameters(), lr=0.1)
    _train(model, opt, 1)  # compiles (or loads from Inductor's cache)
    before = copy.deepcopy(dict(torch._dynamo.utils.counters['stats']))
    with torch._dynamo.config.patch(error_on_recompile=True):
        _train(model, opt, 5, lrs=[0.1, 0.05, 0.02, 0.3, 0.01])
    assert dict(torch._dynamo.utils.counters['stats']).get('unique_graphs') == \
        before.get('unique_graphs')
