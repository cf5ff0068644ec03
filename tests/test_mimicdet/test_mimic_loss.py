"""Invariant 4: the cosine mimic loss is 0 / 2 / scale invariant / teacher-gradient free."""
import pytest
import torch

from projects.mimicdet import CosineMimicLoss


def test_zero_for_identical_vectors():
    x = torch.randn(5, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(CosineMimicLoss()(x, x.clone()),
                               torch.tensor(0., dtype=torch.float64))


def test_two_for_opposite_vectors():
    x = torch.randn(5, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(CosineMimicLoss()(x, -x), torch.tensor(2., dtype=torch.float64))


def test_orthogonal_vectors_give_one_and_weight_scales():
    s = torch.tensor([[1., 0.], [0., 2.]])
    t = torch.tensor([[0., 3.], [5., 0.]])
    torch.testing.assert_close(CosineMimicLoss()(s, t), torch.tensor(1.))
    torch.testing.assert_close(CosineMimicLoss(loss_weight=0.5)(s, t), torch.tensor(0.5))


def test_invariant_to_positive_scaling():
    g = torch.Generator().manual_seed(2)
    s, t = torch.randn(6, 9, generator=g, dtype=torch.float64), torch.randn(
        6, 9, generator=g, dtype=torch.float64)
    loss = CosineMimicLoss()
    scale = torch.rand(6, 1, generator=g, dtype=torch.float64) * 10 + 0.1
    torch.testing.assert_close(loss(s * scale, t * 3.7), loss(s, t))


def test_no_teacher_gradient_when_detached():
    s = torch.randn(4, 3, requires_grad=True)
    t = torch.randn(4, 3, requires_grad=True)
    CosineMimicLoss(detach_teacher=True)(s, t).backward()
    assert t.grad is None and s.grad is not None and s.grad.abs().sum() > 0


def test_teacher_gradient_when_not_detached():
    s = torch.randn(4, 3, requires_grad=True)
    t = torch.randn(4, 3, requires_grad=True)
    CosineMimicLoss(detach_teacher=False)(s, t).backward()
    assert t.grad is not None and t.grad.abs().sum() > 0


def test_empty_input_gives_zero_with_graph():
    s = torch.zeros(0, 3, requires_grad=True)
    out = CosineMimicLoss()(s, torch.zeros(0, 3))
    assert float(out) == 0. and out.requires_grad


@pytest.mark.parametrize('kwargs', [dict(loss_weight=-1.), dict(eps=0.)])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        CosineMimicLoss(**kwargs)


def test_registered_in_mmdet():
    from mmdet.registry import MODELS
    assert MODELS.get('CosineMimicLoss') is CosineMimicLoss
