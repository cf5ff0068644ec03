"""Invariant 6 of the spec (projects/spectral_distill/param_loss.py)."""
import math

import pytest
import torch
import torch.nn as nn
from scipy.fft import dctn

from projects.spectral_distill import (ParamFreqDistLoss, dct_energy_distribution, dct_matrix,
                                       kernel_dct, square_convs)


@pytest.mark.parametrize('k', [2, 3, 5, 7])
def test_dct_matrix_orthonormal(k):
    c = dct_matrix(k, dtype=torch.float64)
    torch.testing.assert_close(c @ c.t(), torch.eye(k, dtype=torch.float64))


def test_dct_matches_scipy_orthonormal_dct2():
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    expected = torch.from_numpy(dctn(w.numpy(), type=2, axes=(-2, -1), norm='ortho'))
    torch.testing.assert_close(kernel_dct(w), expected)


def test_per_kernel_energy_preserved():
    w = torch.randn(5, 2, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(kernel_dct(w).pow(2).sum((-2, -1)), w.pow(2).sum((-2, -1)))


def test_constant_kernel_all_energy_in_dc():
    w = torch.full((2, 2, 3, 3), 0.7, dtype=torch.float64)
    p = dct_energy_distribution(w)
    expected = torch.zeros(3, 3, dtype=torch.float64)
    expected[0, 0] = 1
    torch.testing.assert_close(p, expected)
    torch.testing.assert_close(kernel_dct(w)[0, 0, 0, 0], torch.tensor(0.7 * 3, dtype=torch.float64))


def test_distribution_nonnegative_sums_to_one_and_scale_invariant():
    w = torch.randn(6, 4, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    p = dct_energy_distribution(w)
    assert (p >= 0).all()
    torch.testing.assert_close(p.sum(), torch.tensor(1.0, dtype=torch.float64))
    torch.testing.assert_close(dct_energy_distribution(17.0 * w), p)


def test_hand_computed_2x2_distribution():
    # 2x2 DCT of [[a, b], [c, d]]: (a+b+c+d)/2, (a-b+c-d)/2, (a+b-c-d)/2, (a-b-c+d)/2
    w = torch.tensor([[[[1.0, 2.0], [3.0, 5.0]]]], dtype=torch.float64)
    d = torch.tensor([[11 / 2, -3 / 2], [-5 / 2, 1 / 2]], dtype=torch.float64)
    torch.testing.assert_close(kernel_dct(w)[0, 0], d)
    torch.testing.assert_close(dct_energy_distribution(w), d.pow(2) / d.pow(2).sum())


def _stage(seed, k=3, depthwise=False):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(4, 4, k, groups=4 if depthwise else 1), nn.Conv2d(4, 8, 1),
                         nn.Conv2d(8, 8, k))


def test_kl_zero_for_identical_layers_positive_otherwise():
    loss = ParamFreqDistLoss()
    a = _stage(0)
    assert loss([a], [a]) == 0
    assert loss([_stage(1)], [a]) > 0


def test_kl_hand_computed():
    p_t = torch.tensor([0.7, 0.2, 0.1], dtype=torch.float64)
    p_s = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)
    expected = 0.7 * math.log(0.7 / 0.2) + 0.2 * math.log(0.2 / 0.3) + 0.1 * math.log(0.1 / 0.5)
    torch.testing.assert_close(ParamFreqDistLoss().kl(p_t, p_s),
                               torch.tensor(expected, dtype=torch.float64))


def test_only_kxk_with_k_gt_1_and_same_k_are_matched():
    assert [n for n, _ in square_convs(_stage(0))] == ['0', '2']
    loss = ParamFreqDistLoss()
    # a 5x5 student stage and a 3x3 teacher stage share no kernel size: no term
    assert loss([_stage(0, k=5)], [_stage(1, k=3)]) == 0


def test_gradient_reaches_student_only():
    s, t = _stage(0, depthwise=True), _stage(1)
    ParamFreqDistLoss()([s], [t]).backward()
    assert s[0].weight.grad is not None and s[0].weight.grad.abs().sum() > 0
    assert s[1].weight.grad is None  # 1x1 conv is not compared
    assert all(p.grad is None for p in t.parameters())


def test_teacher_cache_equals_fresh_and_follows_weight_changes():
    loss = ParamFreqDistLoss()
    s, t = _stage(0), _stage(1)
    cache = {}
    first = loss([s], [t], teacher_cache=cache)
    torch.testing.assert_close(first, loss([s], [t]))
    assert cache
    with torch.no_grad():
        t[0].weight.mul_(torch.linspace(0.1, 2.0, t[0].weight.numel()).view_as(t[0].weight))
    torch.testing.assert_close(loss([s], [t], teacher_cache=cache), loss([s], [t]))
    assert loss([s], [t]) != first
    t.load_state_dict(_stage(0).state_dict())
    assert loss([s], [t], teacher_cache=cache) == 0
