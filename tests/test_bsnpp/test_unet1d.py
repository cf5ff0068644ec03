"""UNetPP1d: shapes at odd lengths, deep supervision, argument checks."""
import pytest
import torch

from projects.bsnpp.unet1d import UNetPP1d


@pytest.mark.parametrize('length', [25, 16, 7])
def test_output_shapes_and_range_at_odd_lengths(length):
    net = UNetPP1d(8, channels=12, depth=2)
    prob, top, aux = net(torch.randn(3, 8, length))
    assert prob.shape == (3, 2, length) and top.shape == (3, 12, length) and aux == []
    assert bool(((prob >= 0) & (prob <= 1)).all())


def test_deep_supervision_gives_one_head_per_depth():
    net = UNetPP1d(8, channels=8, depth=3, deep_supervision=True)
    prob, _, aux = net(torch.randn(1, 8, 25))
    assert len(aux) == 2 and all(a.shape == prob.shape for a in aux)


def test_nested_node_count():
    # depth L: L+1 encoder nodes plus sum_{j=1..L} (L+1-j) nested nodes
    assert len(UNetPP1d(8, channels=8, depth=2).nodes) == 3 + 3
    assert len(UNetPP1d(8, channels=8, depth=3).nodes) == 4 + 6


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='depth'):
        UNetPP1d(8, depth=0)
    with pytest.raises(ValueError, match='groups'):
        UNetPP1d(6, channels=8, groups=4)
