"""MimicFPN(skip_first_level=True) returns FPN's P3-P7 without touching P2's convs."""
import pytest
import torch

from projects.mimicdet import MimicFPN


@pytest.mark.parametrize('extra', ['on_input', 'on_lateral', 'on_output', False])
def test_skip_first_level_equals_full_forward_tail(extra, monkeypatch):
    torch.manual_seed(0)
    fpn = MimicFPN(in_channels=[4, 8, 16, 32], out_channels=8, start_level=0,
                   add_extra_convs=extra, num_outs=6).eval()
    inputs = tuple(torch.randn(2, c, 32 // 2 ** i, 32 // 2 ** i)
                   for i, c in enumerate([4, 8, 16, 32]))
    full = fpn(inputs)
    assert len(full) == 6

    def boom(*a, **k):
        raise AssertionError('P2 conv called')

    monkeypatch.setattr(fpn.lateral_convs[0], 'forward', boom)
    monkeypatch.setattr(fpn.fpn_convs[0], 'forward', boom)
    tail = fpn(inputs, skip_first_level=True)
    assert len(tail) == 5
    for a, b in zip(full[1:], tail):
        torch.testing.assert_close(a, b)


def test_skipping_leaves_the_module_unchanged():
    fpn = MimicFPN(in_channels=[4, 8, 16, 32], out_channels=8, start_level=0,
                   add_extra_convs='on_input', num_outs=6).eval()
    keys = list(fpn.state_dict())
    inputs = tuple(torch.randn(1, c, 16 // 2 ** i, 16 // 2 ** i)
                   for i, c in enumerate([4, 8, 16, 32]))
    fpn(inputs, skip_first_level=True)
    assert list(fpn.state_dict()) == keys
    assert (fpn.start_level, fpn.num_outs, len(fpn.lateral_convs)) == (0, 6, 4)
    assert len(fpn(inputs)) == 6
