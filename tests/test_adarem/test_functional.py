"""The compiled default path: the reference path's updates, and a bounded number of graphs.

mmengine's ``paramwise_cfg`` builds one parameter group per parameter, and a notebook or sweep
builds optimizers for many models in one process; neither may recompile per shape (dynamo's
recompile limit is process-wide).
"""
import copy

import pytest
import torch
import torch._dynamo

from projects.adarem import AdaRem


def _train(model, opt, steps, lrs=None, seed=0):
    gen = torch.Generator().manual_seed(seed)
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


def _graphs() -> int:
    return torch._dynamo.utils.counters['stats'].get('unique_graphs', 0)


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
    model = _model()
    opt = AdaRem(model.parameters(), lr=0.1)
    _train(model, opt, 1)  # compiles (or loads from Inductor's cache)
    before = _graphs()
    with torch._dynamo.config.patch(error_on_recompile=True):
        _train(model, opt, 5, lrs=[0.1, 0.05, 0.02, 0.3, 0.01])
    assert _graphs() == before


def _conv_model(seed: int) -> torch.nn.Module:
    """Small conv nets whose shapes differ with the seed (channels, kernel, depth)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    c1, c2 = (int(v) for v in torch.randint(2, 9, (2, ), generator=gen))
    k = 1 + 2 * int(torch.randint(0, 2, (1, ), generator=gen))
    layers = [torch.nn.Conv2d(3, c1, k, padding=k // 2), torch.nn.BatchNorm2d(c1),
              torch.nn.ReLU()]
    for _ in range(seed % 3):
        layers += [torch.nn.Conv2d(c1, c1, 3, padding=1, bias=False), torch.nn.BatchNorm2d(c1)]
    layers += [torch.nn.Conv2d(c1, c2, 1), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
               torch.nn.Linear(c2, 4 + seed)]
    return torch.nn.Sequential(*layers)


def _per_parameter_groups(model):
    """What mmengine builds from paramwise_cfg: one group per parameter, own lr/decay."""
    return [dict(params=[p], lr=0.05 * (1 + i % 3), weight_decay=1e-3 * (p.ndim > 1))
            for i, p in enumerate(model.parameters())]


def _conv_step(model, opt, steps=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = torch.randn(2, 3, 6, 6, generator=gen)
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()


@pytest.mark.slow
def test_many_models_and_per_parameter_groups_share_one_graph():
    # 12 models of different shapes (more than dynamo's default recompile limit of 8), each
    # with one group per parameter: after the first model nothing compiles again.
    for seed in range(12):
        model = _conv_model(seed)
        opt = AdaRem(_per_parameter_groups(model), lr=0.1, weight_decay=1e-4)
        if seed == 0:
            _conv_step(model, opt)
            after_first = _graphs()
            continue
        with torch._dynamo.config.patch(error_on_recompile=True):
            _conv_step(model, opt)
    assert _graphs() == after_first


@pytest.mark.slow
def test_compiled_equals_reference_for_any_grouping_and_layout():
    # per-parameter groups with different lr/decay/direction, a frozen parameter (no grad),
    # a channels_last weight (strided alias), a 1-element parameter (reference fallback)
    def build():
        model = _conv_model(2).double()
        model[0].weight.data = model[0].weight.data.to(memory_format=torch.channels_last)
        model.scale = torch.nn.Parameter(torch.tensor([1.5], dtype=torch.float64))
        model[1].weight.requires_grad_(False)
        groups = _per_parameter_groups(model)
        groups[-1]['direction'] = 'ema'
        groups[2]['lam'] = 0.5
        return model, groups

    results = []
    for impl in ('reference', 'compiled'):
        model, groups = build()
        opt = AdaRem(groups, lr=0.1, impl=impl)
        gen = torch.Generator().manual_seed(0)
        for _ in range(3):
            x = torch.randn(2, 3, 6, 6, generator=gen, dtype=torch.float64)
            opt.zero_grad()
            (model(x).square().mean() * model.scale).sum().backward()
            opt.step()
        results.append(copy.deepcopy(model.state_dict()))
        assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    init = build()[0].state_dict()
    for key in results[0]:
        torch.testing.assert_close(results[0][key], results[1][key], atol=1e-12, rtol=1e-10)
    changed = {k for k in init if not torch.equal(init[k], results[1][k])}
    assert {'scale', '0.weight', '7.weight', '4.weight'} <= changed and '1.weight' not in changed
