"""The CIFAR backbones registered by the package, and the stratified split."""
import numpy as np
import pytest
import torch

from projects.aws.backbones import PyramidNet_CIFAR, WideResNet_CIFAR, shake_drop
from projects.aws.subset import StratifiedSubset


def test_wrn_28_10_has_the_papers_36_5m_parameters_and_output():
    model = WideResNet_CIFAR(depth=28, widen_factor=10)
    n = sum(p.numel() for p in model.parameters())
    assert abs(n / 1e6 - 36.5) < 0.05  # WRN paper, Table 4: 36.5M
    out = model.eval()(torch.randn(1, 3, 32, 32))
    assert out[0].shape == (1, 640, 8, 8)


def test_pyramidnet_widths_grow_by_alpha():
    model = PyramidNet_CIFAR(depth=2 + 9 * 2, alpha=48, p_last=0.5)  # 6 blocks, +8 per block
    mids = [b.conv1.out_channels for b in model.blocks]
    assert mids == [24, 32, 40, 48, 56, 64]
    assert model.out_channels == 64 * 4
    assert model.eval()(torch.randn(2, 3, 32, 32))[0].shape == (2, 256, 8, 8)


def test_shakedrop_expectation_and_backward_scale():
    torch.manual_seed(0)
    x = torch.ones(20000, 1, 1, 1, requires_grad=True)
    y = shake_drop(x, 0.7, training=True)
    assert abs(float(y.mean()) - 0.7) < 0.02  # E[b + a - b a] = p with a ~ U[-1, 1]
    y.sum().backward()
    g = x.grad.flatten()
    assert float(g.min()) >= 0 and float(g.max()) <= 1  # b + beta - b beta in [0, 1]
    kept = torch.isclose(g, torch.ones_like(g), atol=1e-6)
    assert float(kept.float().mean()) == pytest.approx(0.7, abs=0.02)  # kept branches
    torch.testing.assert_close(shake_drop(torch.full((3, 1, 1, 1), 2.0), 0.7, False),
                               torch.full((3, 1, 1, 1), 1.4))


class _Labelled:
    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def get_gt_labels(self):
        return self.labels

    def __getitem__(self, idx):
        return dict(idx=idx, label=int(self.labels[idx]))

    def __len__(self):
        return len(self.labels)


def test_stratified_subsets_are_disjoint_and_per_class():
    labels = np.repeat(np.arange(4), [10, 12, 8, 20])
    base = _Labelled(labels)
    a = StratifiedSubset(base, per_class=3, offset=0, seed=5)
    b = StratifiedSubset(base, per_class=5, offset=3, seed=5)
    assert not set(a.indices) & set(b.indices)
    assert np.bincount(a.get_gt_labels(), minlength=4).tolist() == [3, 3, 3, 3]
    assert np.bincount(b.get_gt_labels(), minlength=4).tolist() == [5, 5, 5, 5]
    train = StratifiedSubset(base, start=0.0, end=0.8, seed=1)
    val = StratifiedSubset(base, start=0.8, end=1.0, seed=1)
    assert sorted(train.indices + val.indices) == list(range(len(labels)))
    assert np.bincount(val.get_gt_labels()).tolist() == [2, 2, 2, 4]
    assert b[0]['idx'] == b.indices[0]
    rest = StratifiedSubset(base, offset=3, seed=5)  # everything but `a`
    assert sorted(rest.indices + a.indices) == list(range(len(labels)))


def test_subset_larger_than_a_class_is_a_value_error():
    with pytest.raises(ValueError, match='class 2 has 8 images'):
        StratifiedSubset(_Labelled(np.repeat(np.arange(4), [10, 12, 8, 20])), per_class=9)
