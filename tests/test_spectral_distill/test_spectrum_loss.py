"""Invariants 1-4 and 8 of the spec (projects/spectral_distill/spectrum_loss.py)."""
import math

import pytest
import torch

from projects.spectral_distill import TemporalSpectrumLoss, spectrum_amplitude, temporal_spectrum


def _feat(n=2, t=8, c=3, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, t, c, generator=g, dtype=dtype)


def test_dft_matches_hand_formula():
    x = _feat(t=6)
    spec = temporal_spectrum(x)
    t = 6
    ts = torch.arange(t, dtype=torch.float64)
    for k in range(t // 2 + 1):
        w = torch.exp(-2j * math.pi * k * ts / t) / math.sqrt(t)
        expected = (x * w[None, :, None]).sum(1)
        torch.testing.assert_close(spec[:, k], expected)


def test_constant_in_time_has_energy_only_in_dc():
    c = torch.tensor([[1.5, -2.0, 0.25]], dtype=torch.float64)
    x = c[:, None, :].expand(1, 8, 3)
    spec = temporal_spectrum(x)
    torch.testing.assert_close(spec[:, 0].real, math.sqrt(8) * c)
    assert spec[:, 1:].abs().max() < 1e-12


@pytest.mark.parametrize('norm', ['l2', 'none', 'softmax'])
def test_no_dc_loss_zero_between_different_constants(norm):
    a = torch.tensor([1.0, 2.0, -3.0], dtype=torch.float64)[None, None].expand(2, 8, 3)
    b = torch.tensor([-4.0, 0.5, 7.0], dtype=torch.float64)[None, None].expand(2, 8, 3)
    assert TemporalSpectrumLoss(norm=norm, include_dc=False)(a, b) == 0
    assert TemporalSpectrumLoss(norm='none', include_dc=True)(a, b) > 0


@pytest.mark.parametrize('shift', [1, 3])
def test_amplitude_invariant_to_circular_shift(shift):
    x = _feat(t=8)
    torch.testing.assert_close(spectrum_amplitude(torch.roll(x, shift, dims=1)),
                               spectrum_amplitude(x))


def test_amplitude_not_invariant_to_plain_shift():
    x = _feat(t=8)
    shifted = torch.cat([x[:, :1].expand(-1, 2, -1), x[:, :-2]], dim=1)  # pad with first frame
    assert (spectrum_amplitude(shifted) - spectrum_amplitude(x)).abs().max() > 1e-3


@pytest.mark.parametrize('t', [8, 7])
def test_parseval_even_and_odd(t):
    x = _feat(t=t)
    spec = temporal_spectrum(x)
    assert spec.shape[1] == t // 2 + 1
    power = spec.abs().pow(2)
    if t % 2 == 0:
        total = power[:, 0] + 2 * power[:, 1:t // 2].sum(1) + power[:, t // 2]
    else:
        total = power[:, 0] + 2 * power[:, 1:].sum(1)
    torch.testing.assert_close(total, x.pow(2).sum(1))


@pytest.mark.parametrize('cfg', [dict(norm='l2'), dict(norm='none'), dict(norm='softmax'),
                                 dict(norm='l2', use_phase=True), dict(include_dc=False)])
def test_zero_on_identical_and_positive_otherwise(cfg):
    loss = TemporalSpectrumLoss(**cfg)
    x, y = _feat(seed=1), _feat(seed=2)
    assert loss(x, x.clone()) == 0
    assert loss(x, y) > 0


def test_l2_norm_ignores_activation_scale():
    x, y = _feat(seed=1), _feat(seed=2)
    loss = TemporalSpectrumLoss(norm='l2', eps=1e-30)
    torch.testing.assert_close(loss(3.0 * x, y), loss(x, y))
    assert TemporalSpectrumLoss(norm='none')(3.0 * x, y) != TemporalSpectrumLoss(norm='none')(x, y)


def test_teacher_is_detached_and_student_gets_gradient():
    s = _feat(seed=1).requires_grad_()
    t = _feat(seed=2).requires_grad_()
    TemporalSpectrumLoss()(s, t).backward()
    assert t.grad is None
    assert s.grad is not None and s.grad.abs().sum() > 0 and torch.isfinite(s.grad).all()


def test_gradient_finite_at_zero_amplitude():
    s = torch.zeros(1, 4, 2, dtype=torch.float64, requires_grad=True)
    TemporalSpectrumLoss(norm="none")(s, _feat(n=1, t=4, c=2)).backward()
    assert torch.isfinite(s.grad).all()


def test_phase_term_sees_circular_shift():
    x = _feat(seed=3)
    rolled = torch.roll(x, 2, dims=1)
    assert TemporalSpectrumLoss(use_phase=False)(rolled, x) < 1e-12
    assert TemporalSpectrumLoss(use_phase=True)(rolled, x) > 1e-3


def test_half_precision_input_matches_float32():
    x, y = _feat(seed=4, dtype=torch.float32), _feat(seed=5, dtype=torch.float32)
    loss = TemporalSpectrumLoss()
    ref = loss(x, y)
    out = loss(x.bfloat16(), y.bfloat16())
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, ref, rtol=5e-2, atol=1e-3)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        amp = loss(x, y)
    assert amp.dtype == torch.float32
    torch.testing.assert_close(amp, ref)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='norm'):
        TemporalSpectrumLoss(norm='l1')
    with pytest.raises(ValueError, match='same shape'):
        TemporalSpectrumLoss()(_feat(c=3), _feat(c=4))
