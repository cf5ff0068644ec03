"""AdaRem updates against values computed by hand (written out, not produced by the code).

Every test runs the reference loop and the default compiled path; the compiled case checks
that the compiled path was really taken.
"""
import pytest
import torch

import projects.adarem.adarem as adarem_module
from projects.adarem import AdaRem
from projects.adarem.functional import agreement

F64 = torch.float64
IMPLS = ['reference', 'compiled']
G1, G2, G3 = [1.0, -2.0], [3.0, 1.0], [-1.0, 1.0]


@pytest.fixture
def count_compiled(monkeypatch):
    calls = []
    original = adarem_module.adarem_compiled

    def spy(*args, **kwargs):
        calls.append(len(args[0]))
        return original(*args, **kwargs)

    monkeypatch.setattr(adarem_module, 'adarem_compiled', spy)
    return calls


def _run(impl, grads, p0=(0.0, 0.0), **kwargs):
    """Positions of a 2-element parameter after each of the given gradient steps."""
    p = torch.nn.Parameter(torch.tensor(p0, dtype=F64))
    opt = AdaRem([p], impl=impl, **kwargs)
    out = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=F64)
        opt.step()
        out.append(p.detach().tolist())
    return out, opt, p


def _check(impl, calls, got, expected):
    torch.testing.assert_close(torch.tensor(got, dtype=F64), torch.tensor(expected, dtype=F64),
                               atol=1e-12, rtol=0)
    assert bool(calls) == (impl == 'compiled')


@pytest.mark.parametrize('impl', IMPLS)
def test_lam_power_per_iteration_by_hand(impl, count_compiled):
    # g = [1, -2] every step: m = (1 - beta^k) g, so b = sign(g) m / max|m| = [0.5, 1] and the
    # moves are lr * [1 + 0.5 lam^t, 1 + lam^t] * g; with lam = 0.5: lam^1..3 = .5, .25, .125
    got, _, _ = _run(impl, [G1] * 4, lr=1.0, beta=0.9, lam=0.5, eps=0.0)
    moves = [[-1.0, 2.0], [-1.25, 3.0], [-1.125, 2.5], [-1.0625, 2.25]]
    expected, pos = [], [0.0, 0.0]
    for mv in moves:
        pos = [pos[0] + mv[0], pos[1] + mv[1]]
        expected.append(pos)
    _check(impl, count_compiled, got, expected)


@pytest.mark.parametrize('impl', IMPLS)
def test_lam_power_at_step_1000_by_hand(impl, count_compiled):
    # 0.999 ** 1000 = 0.36769542477096373 (written out); m = [0.3, -0.6] -> b = [0.5, 1]
    p = torch.nn.Parameter(torch.zeros(2, dtype=F64))
    opt = AdaRem([p], lr=1.0, lam=0.999, eps=0.0, impl=impl)
    opt.state[p].update(step=1000, exp_avg=torch.tensor([0.3, -0.6], dtype=F64))
    p.grad = torch.tensor(G1, dtype=F64)
    opt.step()
    _check(impl, count_compiled, p.detach().tolist(),
           [-1.183847712385481865, 2 * 1.36769542477096373])
    assert opt.state[p]['step'] == 1001


@pytest.mark.parametrize('impl', IMPLS)
def test_lam_power_in_epochs_at_imagenet_scale_by_hand(impl, count_compiled):
    # decay_unit='epoch', 5005 iterations per epoch: step 3 * 5005 + 7 is in epoch t = 3,
    # lam^3 = 0.5^3 = 0.125; b = [0.5, 1] as above
    p = torch.nn.Parameter(torch.zeros(2, dtype=F64))
    opt = AdaRem([p], lr=1.0, lam=0.5, eps=0.0, decay_unit='epoch', iters_per_epoch=5005,
                 impl=impl)
    opt.state[p].update(step=3 * 5005 + 7, exp_avg=torch.tensor([0.3, -0.6], dtype=F64))
    p.grad = torch.tensor(G1, dtype=F64)
    opt.step()
    _check(impl, count_compiled, p.detach().tolist(), [-1.0625, 2 * 1.125])


def test_agreement_on_fixed_inputs():
    g = torch.tensor([2.0, -3.0, 0.0, 1.0], dtype=F64)
    m = torch.tensor([4.0, -2.0, 5.0, -8.0], dtype=F64)
    # max|m| = 8: b = sign(g) * m / 8
    assert agreement(g, m, 0.0, 'tensor').tolist() == [0.5, 0.25, 0.0, -1.0]
    assert agreement(g, m, 0.0, 'sign').tolist() == [1.0, 1.0, 0.0, -1.0]


@pytest.mark.parametrize('impl', IMPLS)
@pytest.mark.parametrize('m, expected', [
    # b = [0.5, 0.25, 0, -1]: c = 1 + 0.5 b = [1.25, 1.125, 1, 0.5] (0.5 = the lower bound)
    ([4.0, -2.0, 5.0, -8.0], [-2.5, 3.375, 0.0, -0.5]),
    # b = [0.5, 0.25, 0, 1]: c = [1.25, 1.125, 1, 1.5] (1.5 = the upper bound 1 + lam^t)
    ([4.0, -2.0, 5.0, 8.0], [-2.5, 3.375, 0.0, -1.5]),
])
def test_multiplier_and_its_bounds_on_fixed_inputs(impl, m, expected, count_compiled):
    p = torch.nn.Parameter(torch.zeros(4, dtype=F64))
    opt = AdaRem([p], lr=1.0, lam=0.5, eps=0.0, impl=impl)
    opt.state[p].update(step=1, exp_avg=torch.tensor(m, dtype=F64))  # lam^1 = 0.5
    p.grad = torch.tensor([2.0, -3.0, 0.0, 1.0], dtype=F64)
    opt.step()
    _check(impl, count_compiled, p.detach().tolist(), expected)


# Three steps with g = [1, -2], [3, 1], [-1, 1], lr = 1, beta = 0.5, lam = 0.5, eps = 0:
# m_1 = [0.5, -1], m_2 = [1.75, 0], m_3 = [0.375, 0.5].
HAND = {
    # b_2 = sign(g2) m_1 / 1 = [0.5, -1] -> c = [1.25, 0.5]; b_3 = [-1, 0] -> c = [0.75, 1]
    ('grad', 'tensor'): [[-1.0, 2.0], [-4.75, 1.5], [-4.0, 0.5]],
    # b_2 = sign(g2) sign(m_1) = [1, -1] -> c = [1.5, 0.5]; b_3 = [-1, 0] -> c = [0.75, 1]
    ('grad', 'sign'): [[-1.0, 2.0], [-5.5, 1.5], [-4.75, 0.5]],
    # d = m_t: moves m_1, [1.25, 0.5] * m_2 = [2.1875, 0], [0.75, 1] * m_3 = [0.28125, 0.5]
    ('ema', 'tensor'): [[-0.5, 1.0], [-2.6875, 1.0], [-2.96875, 0.5]],
    # d = v_t, v = 0.5 v + g: v = [1, -2], [3.5, 0], [0.75, 1]
    ('heavy_ball', 'tensor'): [[-1.0, 2.0], [-5.375, 2.0], [-5.9375, 1.0]],
    # as heavy_ball/tensor but c_2 = [1.5, 0.5]: moves [1, -2], [5.25, 0], [0.5625, 1]
    ('heavy_ball', 'sign'): [[-1.0, 2.0], [-6.25, 2.0], [-6.8125, 1.0]],
}


@pytest.mark.parametrize('impl', IMPLS)
@pytest.mark.parametrize('direction, norm', list(HAND))
def test_three_steps_by_hand(impl, direction, norm, count_compiled):
    got, _, _ = _run(impl, [G1, G2, G3], lr=1.0, beta=0.5, lam=0.5, eps=0.0,
                     direction=direction, norm=norm)
    _check(impl, count_compiled, got, HAND[(direction, norm)])


@pytest.mark.parametrize('impl', IMPLS)
def test_weight_decay_is_added_after_the_multiplier_by_hand(impl, count_compiled):
    # p0 = [1, -1], wd = 0.1. Step 1: c = 1, update g1 + 0.1 p0 = [1.1, -2.1] -> p = [-0.1, 1.1].
    # Step 2: c = [1.25, 0.5], c g2 = [3.75, 0.5], + 0.1 p = [-0.01, 0.11] -> p = [-3.84, 0.49]
    # (c (g + wd p) would give [-3.8375, 0.545]).
    got, _, _ = _run(impl, [G1, G2], p0=(1.0, -1.0), lr=1.0, beta=0.5, lam=0.5, eps=0.0,
                     weight_decay=0.1)
    _check(impl, count_compiled, got, [[-0.1, 1.1], [-3.84, 0.49]])
