"""DynamicAggregate: the weighted per-sample sum of a graph stage and its lean backward."""
import pytest
import torch

from projects.common.graph import DynamicAggregate, aggregate


def _inputs(k=3, shape=(4, 3, 5, 6), dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    w = torch.rand(shape[0], k, generator=g, dtype=dtype).requires_grad_()
    ys = [torch.randn(*shape, generator=g, dtype=dtype).requires_grad_() for _ in range(k)]
    return w, ys


def test_gradcheck_float64():
    w, ys = _inputs()
    assert torch.autograd.gradcheck(lambda w, *ys: DynamicAggregate.apply(w, *ys), (w, *ys))


@pytest.mark.parametrize('impl', ['loop', 'stack'])
def test_value_and_grads_equal_naive(impl):
    w, ys = _inputs()
    g_out = torch.randn_like(ys[0])
    grads = []
    for which in ('function', impl):
        out = aggregate(w, ys, which)
        grads.append((out,) + torch.autograd.grad(out, [w] + ys, g_out))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b)


def test_weights_are_per_sample_not_per_channel():
    # the pitfall: (B,) weights broadcasting against W; sample b must use only w[b]
    w = torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
    y0 = torch.ones(2, 3, 2, 2, dtype=torch.float64)
    y1 = torch.full((2, 3, 2, 2), 5.0, dtype=torch.float64)
    out = aggregate(w, [y0, y1])
    assert torch.equal(out[0], y0[0])
    assert torch.equal(out[1], 2 * y1[1])


def test_unit_weights_sum_in_index_order_bit_exact():
    torch.manual_seed(0)
    ys = [torch.randn(2, 4, 3, 3) * 10 ** i for i in range(4)]
    out = aggregate(torch.ones(2, 4), ys)
    assert torch.equal(out, ((ys[0] + ys[1]) + ys[2]) + ys[3])


def test_backward_keeps_only_weights_and_inputs():
    # the memory claim: nothing but the weight column and the inputs themselves is saved
    w, ys = _inputs(k=4, dtype=torch.float32)
    out = aggregate(w, ys)
    saved = out.grad_fn.saved_tensors
    assert len(saved) == 1 + len(ys)
    assert saved[0].data_ptr() == w.data_ptr()
    assert [t.data_ptr() for t in saved[1:]] == [y.data_ptr() for y in ys]


def test_weight_gradient_is_inner_product():
    w, ys = _inputs(k=2)
    g_out = torch.randn_like(ys[0])
    gw = torch.autograd.grad(aggregate(w, ys), w, g_out)[0]
    expected = torch.stack([(g_out * y).flatten(1).sum(1) for y in ys], dim=1)
    torch.testing.assert_close(gw, expected)


def test_bad_weight_shape_raises():
    _, ys = _inputs(k=2)
    with pytest.raises(ValueError, match='B x 2'):
        aggregate(torch.ones(4, 3, dtype=torch.float64), ys)
    with pytest.raises(ValueError, match='impl'):
        aggregate(torch.ones(4, 2), ys, 'nope')
