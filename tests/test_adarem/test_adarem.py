"""AdaRem: the invariants of the spec (shared/methods/adarem.md, section 5).

Property tests use the reference path (no compile); test_functional.py checks that the
compiled default path gives the same updates.
"""
import copy
import math

import pytest
import torch

from projects.adarem import AdaRem

torch.set_default_dtype(torch.float32)
F64 = torch.float64


def _param(values) -> torch.nn.Parameter:
    return torch.nn.Parameter(torch.tensor(values, dtype=F64))


def _step_with(opt: AdaRem, params, grads) -> None:
    for p, g in zip(params, grads):
        p.grad = g.clone()
    opt.step()


def _random_grads(params, steps, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [[torch.randn(p.shape, generator=gen, dtype=F64) for p in params]
            for _ in range(steps)]


def test_reduces_to_sgd_when_lam_is_zero():
    torch.manual_seed(0)
    p_ada = [torch.nn.Parameter(torch.randn(5, 3, dtype=F64)),
             torch.nn.Parameter(torch.randn(4, dtype=F64))]
    p_sgd = copy.deepcopy(p_ada)
    ada = AdaRem(p_ada, lr=0.05, lam=0.0, weight_decay=0.01, impl='reference')
    sgd = torch.optim.SGD(p_sgd, lr=0.05, momentum=0.0, weight_decay=0.01)
    for grads in _random_grads(p_ada, 12):
        _step_with(ada, p_ada, grads)
        _step_with(sgd, p_sgd, grads)
        for a, b in zip(p_ada, p_sgd):
            torch.testing.assert_close(a, b, atol=1e-12, rtol=0)


@pytest.mark.parametrize('lam', [0.5, 0.999, 1.0])
@pytest.mark.parametrize('direction', ['grad', 'ema', 'heavy_ball'])
def test_first_step_is_sgd(lam, direction):
    p = _param([[1.0, -2.0], [0.5, 3.0]])
    g = torch.tensor([[0.3, -0.1], [2.0, -4.0]], dtype=F64)
    opt = AdaRem([p], lr=0.1, lam=lam, weight_decay=0.2, direction=direction,
                 impl='reference')
    before = p.detach().clone()
    _step_with(opt, [p], [g])
    if direction == 'grad':
        expected = before - 0.1 * (g + 0.2 * before)
    elif direction == 'ema':  # d = m_1 = (1 - beta) g
        expected = before - 0.1 * (0.1 * g + 0.2 * before)
    else:  # d = v_1 = g
        expected = before - 0.1 * (g + 0.2 * before)
    torch.testing.assert_close(p.detach(), expected, atol=1e-15, rtol=0)


def test_constant_gradient_closed_form():
    # g = a everywhere: after k steps m = (1 - beta^k) a, b = 1, so step k+1 moves lr (1 + lam^k) a.
    a, lr, beta, lam = 0.7, 0.1, 0.9, 0.9
    p = _param([0.0, 0.0, 0.0])
    opt = AdaRem([p], lr=lr, beta=beta, lam=lam, eps=0.0, impl='reference')
    for k in range(8):
        before = p.detach().clone()
        _step_with(opt, [p], [torch.full((3, ), a, dtype=F64)])
        moved = before - p.detach()
        expected = lr * (1 + lam**k) * a if k > 0 else lr * a
        torch.testing.assert_close(moved, torch.full((3, ), expected, dtype=F64),
                                   atol=1e-14, rtol=0)
        torch.testing.assert_close(opt.state[p]['exp_avg'],
                                   torch.full((3, ), (1 - beta**(k + 1)) * a, dtype=F64))


def test_alternating_gradient_shrinks_the_step():
    # g_t = (-1)^t a: from t = 1 on b = -1, so the movement is lr (1 - lam^t) |a| < lr |a|.
    a, lr, lam = 0.5, 0.2, 0.8
    p = _param([1.0, 1.0])
    opt = AdaRem([p], lr=lr, lam=lam, eps=0.0, impl='reference')
    for t in range(7):
        before = p.detach().clone()
        _step_with(opt, [p], [torch.full((2, ), (-1)**t * a, dtype=F64)])
        moved = (before - p.detach()).abs()
        expected = lr * a if t == 0 else lr * (1 - lam**t) * a
        torch.testing.assert_close(moved, torch.full((2, ), expected, dtype=F64),
                                   atol=1e-14, rtol=0)
        if t > 0:
            assert (moved < lr * a).all()


def test_multiplier_bounds_on_random_inputs():
    from projects.adarem.functional import agreement
    gen = torch.Generator().manual_seed(1)
    for t in range(0, 50, 7):
        g = torch.randn(200, generator=gen)
        m = torch.randn(200, generator=gen) * 10
        g[::17] = 0
        b = agreement(g, m, 1e-8, 'tensor')
        lam_t = 0.999**t
        c = 1 + lam_t * b
        assert b.min() >= -1 and b.max() <= 1
        assert c.min() >= 1 - lam_t - 1e-6 and c.max() <= 1 + lam_t + 1e-6
        bs = agreement(g, m, 1e-8, 'sign')
        assert set(bs.unique().tolist()) <= {-1.0, 0.0, 1.0}


def test_zero_gradient_coordinates_do_not_move():
    p = _param([1.0, 2.0, 3.0])
    opt = AdaRem([p], lr=0.5, weight_decay=0.0, impl='reference')
    for grads in _random_grads([p], 5):
        grads[0][1] = 0.0
        _step_with(opt, [p], grads)
    assert p[1].item() == 2.0
    assert p[0].item() != 1.0


def test_gradient_scale_invariance():
    k = 7.5
    p1, p2 = _param([0.0] * 6), _param([0.0] * 6)
    o1 = AdaRem([p1], lr=0.1, eps=0.0, impl='reference')
    o2 = AdaRem([p2], lr=0.1, eps=0.0, impl='reference')
    for grads in _random_grads([p1], 6, seed=3):
        _step_with(o1, [p1], grads)
        _step_with(o2, [p2], [k * g for g in grads])
        torch.testing.assert_close(p2.detach(), k * p1.detach(), atol=1e-12, rtol=1e-12)


def test_bias_correction_does_not_change_the_agreement():
    from projects.adarem.functional import agreement
    gen = torch.Generator().manual_seed(2)
    g, m = torch.randn(50, generator=gen, dtype=F64), torch.randn(50, generator=gen, dtype=F64)
    for t in (1, 3, 10):
        torch.testing.assert_close(agreement(g, m / (1 - 0.9**t), 0.0, 'tensor'),
                                   agreement(g, m, 0.0, 'tensor'))


def test_per_tensor_scope():
    # The agreement of tensor A depends only on A: changing B's gradients leaves A's updates alone.
    def run(scale_b):
        a, b = _param([0.0] * 4), _param([0.0] * 3)
        opt = AdaRem([a, b], lr=0.1, impl='reference')
        for grads in _random_grads([a, b], 5, seed=4):
            _step_with(opt, [a, b], [grads[0], grads[1] * scale_b + 3.0])
        return a.detach()
    torch.testing.assert_close(run(1.0), run(-50.0), atol=0, rtol=0)


def test_norm_is_per_tensor_not_global():
    a, b = _param([0.0, 0.0]), _param([0.0, 0.0])
    opt = AdaRem([a, b], lr=1.0, lam=1.0, eps=0.0, impl='reference')
    _step_with(opt, [a, b], [torch.tensor([1.0, 1.0], dtype=F64),
                             torch.tensor([100.0, 100.0], dtype=F64)])
    before_a = a.detach().clone()
    _step_with(opt, [a, b], [torch.tensor([1.0, 1.0], dtype=F64),
                             torch.tensor([100.0, 100.0], dtype=F64)])
    # b = 1 for A despite B's larger m: A moves by (1 + 1) * 1
    torch.testing.assert_close(before_a - a.detach(), torch.tensor([2.0, 2.0], dtype=F64))


def test_resume_equals_uninterrupted_run():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3).double()
    twin = copy.deepcopy(model)
    data = [(torch.randn(8, 4, dtype=F64), torch.randint(0, 3, (8, ))) for _ in range(10)]

    def train(m, opt, batches):
        for x, y in batches:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(m(x), y).backward()
            opt.step()

    full = AdaRem(model.parameters(), lr=0.1, weight_decay=1e-3, direction='heavy_ball',
                  impl='reference')
    train(model, full, data)
    first = AdaRem(twin.parameters(), lr=0.1, weight_decay=1e-3, direction='heavy_ball',
                   impl='reference')
    train(twin, first, data[:4])
    saved = copy.deepcopy(first.state_dict())
    resumed = AdaRem(twin.parameters(), lr=0.1, weight_decay=1e-3, direction='heavy_ball',
                     impl='reference')
    resumed.load_state_dict(saved)
    assert all(resumed.state[p]['step'] == 4 for p in twin.parameters())
    train(twin, resumed, data[4:])
    for a, b in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_param_groups_honour_their_lr_and_weight_decay():
    torch.manual_seed(0)
    w1, w2 = torch.nn.Parameter(torch.randn(3, dtype=F64)), torch.nn.Parameter(
        torch.randn(2, dtype=F64))
    s1, s2 = copy.deepcopy(w1), copy.deepcopy(w2)
    grouped = AdaRem([dict(params=[w1]), dict(params=[w2], lr=0.01, weight_decay=0.5)],
                     lr=0.1, impl='reference')
    alone1 = AdaRem([s1], lr=0.1, impl='reference')
    alone2 = AdaRem([s2], lr=0.01, weight_decay=0.5, impl='reference')
    for grads in _random_grads([w1, w2], 5):
        _step_with(grouped, [w1, w2], grads)
        _step_with(alone1, [s1], grads[:1])
        _step_with(alone2, [s2], grads[1:])
    torch.testing.assert_close(w1, s1, atol=0, rtol=0)
    torch.testing.assert_close(w2, s2, atol=0, rtol=0)


def test_closure_returns_the_loss():
    p = _param([1.0])
    opt = AdaRem([p], lr=0.1, impl='reference')

    def closure():
        opt.zero_grad()
        loss = (p**2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 1.0 and p.item() == pytest.approx(1.0 - 0.1 * 2.0)


def test_epoch_decay_unit_counts_epochs():
    # lam^t with t = step // iters_per_epoch: during the first 3 steps the multiplier uses lam^0.
    p = _param([0.0])
    opt = AdaRem([p], lr=1.0, lam=0.5, eps=0.0, decay_unit='epoch', iters_per_epoch=3,
                 impl='reference')
    moves = []
    for _ in range(5):
        before = p.item()
        _step_with(opt, [p], [torch.tensor([1.0], dtype=F64)])
        moves.append(before - p.item())
    assert moves == pytest.approx([1.0, 2.0, 2.0, 1.5, 1.5])


@pytest.mark.parametrize('kwargs, name', [
    (dict(lr=-0.1), 'lr'), (dict(beta=1.0), 'beta'), (dict(beta=-0.1), 'beta'),
    (dict(lam=1.5), 'lam'), (dict(eps=-1.0), 'eps'), (dict(weight_decay=-1e-4), 'weight_decay'),
    (dict(direction='nesterov'), 'direction'), (dict(norm='global'), 'norm'),
    (dict(decay_unit='epoch'), 'iters_per_epoch'), (dict(iters_per_epoch=0), 'iters_per_epoch'),
    (dict(impl='cuda'), 'impl')])
def test_invalid_hyperparameters_are_rejected(kwargs, name):
    args = dict(lr=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f'invalid {name}='):
        AdaRem([_param([1.0])], **args)


@pytest.mark.parametrize('kwargs, name', [
    (dict(lr='0.1'), 'lr'), (dict(lr=None), 'lr'), (dict(beta='0.9'), 'beta'),
    (dict(lam=True), 'lam'), (dict(weight_decay=[1e-4]), 'weight_decay'),
    (dict(direction=1), 'direction'), (dict(decay_unit='epoch', iters_per_epoch=2.5),
                                       'iters_per_epoch')])
def test_wrong_argument_types_are_rejected_with_the_argument_named(kwargs, name):
    args = dict(lr=0.1)
    args.update(kwargs)
    with pytest.raises(TypeError, match=f'invalid {name}='):
        AdaRem([_param([1.0])], **args)


def test_param_group_with_epoch_unit_but_no_iters_per_epoch_fails_at_construction():
    a, b = _param([1.0]), _param([2.0])
    with pytest.raises(ValueError, match=r"iters_per_epoch=None in param group 1; "
                                         r"decay_unit='epoch' needs iters_per_epoch"):
        AdaRem([dict(params=[a]), dict(params=[b], decay_unit='epoch')], lr=0.1)
    with pytest.raises(TypeError, match=r"invalid lr='0.1' in param group 0"):
        AdaRem([dict(params=[a], lr='0.1')], lr=0.1)
    # a later add_param_group is checked too, and a rejected group is not kept
    opt = AdaRem([a], lr=0.1)
    with pytest.raises(ValueError, match='invalid beta=1.0 in param group 1'):
        opt.add_param_group(dict(params=[b], beta=1.0))
    assert len(opt.param_groups) == 1


def test_sparse_gradients_are_rejected():
    emb = torch.nn.Embedding(10, 3, sparse=True)
    opt = AdaRem(emb.parameters(), lr=0.1, impl='reference')
    emb(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match='sparse gradients'):
        opt.step()


def test_lam_power_is_double_precision_for_large_steps():
    opt = AdaRem([_param([0.0])], lr=0.1, lam=0.999)
    group = opt.param_groups[0]
    assert opt._lam_power(group, 10**6) == math.pow(0.999, 1e6)
    assert opt._lam_power(group, 0) == 1.0
