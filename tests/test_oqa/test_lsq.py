"""LSQ quantizer: levels, STE gradients (hand-checked), data init, grad-scale conventions."""
import math

import pytest
import torch

from projects.oqa.lsq import LSQConv2d, LSQQuantizer


def _quantizer(bits, signed, step, grad_scale='batch'):
    q = LSQQuantizer(bits, signed=signed, grad_scale=grad_scale).double()
    with torch.no_grad():
        q.step.fill_(step)
    q.initialized.fill_(1)
    return q


def test_weight_ste_gradients_hand_checked():
    # b=2 signed: Qn=-2, Qp=1, s=0.5; x/s = [-3.4, -0.6, 0.4, 1.8]
    q = _quantizer(2, True, 0.5)
    x = torch.tensor([-1.7, -0.3, 0.2, 0.9], dtype=torch.float64, requires_grad=True)
    y = q(x)
    torch.testing.assert_close(y, torch.tensor([-1.0, -0.5, 0.0, 0.5], dtype=torch.float64))
    y.backward(torch.tensor([1.0, 2.0, 3.0, 5.0], dtype=torch.float64))
    # input: 1 inside the clip range, 0 outside
    torch.testing.assert_close(x.grad, torch.tensor([0.0, 2.0, 3.0, 0.0], dtype=torch.float64))
    # step: Qn | -x/s+round(x/s) = 0.6-1, -0.4+0 | Qp, times g = 1/sqrt(4*1)
    expected = (-2 * 1 + (-0.4) * 2 + (-0.4) * 3 + 1 * 5) / math.sqrt(4 * 1)
    assert q.step.grad.item() == pytest.approx(expected, abs=1e-12)


def test_activation_ste_gradients_hand_checked():
    # b=2 unsigned: Qn=0, Qp=3, s=0.5; x/s = [-0.8, 0.6, 1.6, 4.2]
    q = _quantizer(2, False, 0.5)
    x = torch.tensor([-0.4, 0.3, 0.8, 2.1], dtype=torch.float64, requires_grad=True)
    y = q(x)
    torch.testing.assert_close(y, torch.tensor([0.0, 0.5, 1.0, 1.5], dtype=torch.float64))
    y.backward(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64))
    torch.testing.assert_close(x.grad, torch.tensor([0.0, 2.0, 3.0, 0.0], dtype=torch.float64))
    expected = (0 * 1 + 0.4 * 2 + 0.4 * 3 + 3 * 4) / math.sqrt(4 * 3)
    assert q.step.grad.item() == pytest.approx(expected, abs=1e-12)


def test_negative_step_uses_its_magnitude():
    q = _quantizer(2, True, -0.5)
    x = torch.tensor([-1.7, -0.3, 0.2, 0.9], dtype=torch.float64)
    torch.testing.assert_close(q(x), torch.tensor([-1.0, -0.5, 0.0, 0.5], dtype=torch.float64))


def test_sample_grad_scale_uses_per_sample_numel():
    q = _quantizer(2, False, 0.5, grad_scale='sample')
    x = torch.tensor([[-0.4, 0.3], [0.8, 2.1]], dtype=torch.float64)  # 2 samples x 2
    q(x).sum().backward()
    expected = (0 + 0.4 + 0.4 + 3) / math.sqrt(2 * 3)
    assert q.step.grad.item() == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize('bits', [2, 3, 4])
def test_weight_levels_are_signed_integers(bits):
    torch.manual_seed(bits)
    q = _quantizer(bits, True, 0.125)
    y = q(torch.randn(4000, dtype=torch.float64) * 0.3) / 0.125
    torch.testing.assert_close(y, y.round())
    assert y.min() >= -2 ** (bits - 1) and y.max() <= 2 ** (bits - 1) - 1
    assert len(torch.unique(y)) == 2 ** bits  # every level is reached with this spread


@pytest.mark.parametrize('bits', [2, 3, 4])
def test_activation_levels_are_unsigned_and_negatives_map_to_zero(bits):
    torch.manual_seed(bits)
    q = _quantizer(bits, False, 0.125)
    x = torch.randn(4000, dtype=torch.float64)
    y = q(x) / 0.125
    torch.testing.assert_close(y, y.round())
    assert y.min() == 0 and y.max() <= 2 ** bits - 1
    assert (y[x < 0] == 0).all()
    assert len(torch.unique(y)) <= 2 ** bits


@pytest.mark.parametrize('bits', [2, 4])
def test_data_init_on_first_training_forward(bits):
    torch.manual_seed(0)
    w = torch.randn(3, 5, dtype=torch.float64) * 0.3
    x = torch.rand(7, 5, dtype=torch.float64) + 0.1
    qw = LSQQuantizer(bits, signed=True).double().train()
    qa = LSQQuantizer(bits, signed=False).double().train()
    qw(w)
    qa(x)
    assert qw.step.item() == pytest.approx(2 * w.abs().mean().item() / math.sqrt(2 ** (bits - 1) - 1))
    assert qa.step.item() == pytest.approx(2 * x.abs().mean().item() / math.sqrt(2 ** bits - 1))
    assert int(qw.initialized) == 1
    before = qa.step.item()
    qa(x * 10)  # only the first batch initialises
    assert qa.step.item() == before


def test_no_init_in_eval_mode():
    q = LSQQuantizer(4, signed=False).eval()
    q(torch.rand(10) + 1)
    assert q.step.item() == 1.0 and int(q.initialized) == 0


def test_lsq_conv_matches_conv_of_quantized_tensors():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, padding=1).double()
    q = LSQConv2d.from_conv(conv, bits=3).train()
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64)
    y = q(x)  # initialises both steps
    sw, sa = q.weight_quantizer.step.item(), q.act_quantizer.step.item()
    wq = torch.clamp(conv.weight / sw, -4, 3).round() * sw
    xq = torch.clamp(x / sa, 0, 7).round() * sa
    torch.testing.assert_close(y, torch.nn.functional.conv2d(xq, wq, conv.bias, padding=1))


@pytest.mark.parametrize('kwargs', [dict(bits=0), dict(bits=2.5), dict(grad_scale='per')])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        LSQQuantizer(**kwargs)
