"""MimicFPN: FPN's modules and outputs; ``skip_first_level=True`` returns mmdet FPN's P3-P7
without touching P2's convs, and does so without mutating the module (re-entrant)."""
import pytest
import torch
from mmdet.models.necks import FPN

from projects.mimicdet import MimicFPN

IN_CHANNELS = [4, 8, 16, 32]


def _inputs(size: int = 32, n: int = 2, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(n, c, size // 2 ** i, size // 2 ** i, generator=g)
                 for i, c in enumerate(IN_CHANNELS))


def _pair(**kw):
    """A MimicFPN and an mmdet FPN with the same arguments and the same (random) weights."""
    args = dict(in_channels=IN_CHANNELS, out_channels=8, start_level=0,
                add_extra_convs='on_input', num_outs=6)
    args.update(kw)
    torch.manual_seed(0)
    mimic = MimicFPN(**args).eval()
    with torch.no_grad():  # distinct non-zero biases too
        for p in mimic.parameters():
            p.normal_()
    ref = FPN(**args).eval()
    ref.load_state_dict(mimic.state_dict(), strict=True)
    return mimic, ref


CASES = [dict(add_extra_convs=mode) for mode in ('on_input', 'on_lateral', 'on_output', False)]
CASES += [dict(add_extra_convs='on_input', relu_before_extra_convs=True),
          dict(start_level=1, num_outs=5),  # RetinaNet-style P3-P7 from C3-C5
          dict(upsample_cfg=dict(mode='nearest', scale_factor=2)),
          dict(upsample_cfg=dict(mode='bilinear', align_corners=False)),
          dict(num_outs=4, add_extra_convs=False)]


@pytest.mark.parametrize('kw', CASES)
def test_equal_to_mmdet_fpn_full_and_skipped(kw, monkeypatch):
    fpn, ref = _pair(**kw)
    inputs = _inputs()
    with torch.no_grad():
        expected = ref(inputs)
        full = fpn(inputs)
    assert len(full) == len(expected)
    for a, b in zip(full, expected):
        torch.testing.assert_close(a, b, rtol=0, atol=0)

    def boom(*a, **k):
        raise AssertionError('P2 conv called')

    monkeypatch.setattr(fpn.lateral_convs[0], 'forward', boom)
    monkeypatch.setattr(fpn.fpn_convs[0], 'forward', boom)
    with torch.no_grad():
        tail = fpn(inputs, skip_first_level=True)
    assert len(tail) == len(expected) - 1
    for a, b in zip(tail, expected[1:]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_skipping_leaves_the_module_and_state_dict_unchanged():
    fpn, ref = _pair()
    keys = list(fpn.state_dict())
    assert keys == list(ref.state_dict())
    fpn(_inputs(16, 1), skip_first_level=True)
    assert list(fpn.state_dict()) == keys
    assert (fpn.start_level, fpn.num_outs, len(fpn.lateral_convs), len(fpn.fpn_convs)) == \
        (0, 6, 4, 6)
    assert 'lateral_convs' not in fpn.__dict__ and 'fpn_convs' not in fpn.__dict__
    assert len(fpn(_inputs(16, 1))) == 6


def test_reentrant_full_forward_inside_a_skipped_one():
    """A hook that runs the full pyramid while the skipped forward is in flight (e.g. a
    feature-visualisation hook) sees the unmodified neck, and both results are mmdet's."""
    fpn, ref = _pair()
    inputs = _inputs()
    nested, entered = [], []

    def hook(module, args, output):
        if not entered:  # only in the outer call
            entered.append(True)
            nested.append(fpn(inputs))

    handle = fpn.lateral_convs[1].register_forward_hook(hook)
    with torch.no_grad():
        tail = fpn(inputs, skip_first_level=True)
        expected = ref(inputs)
    handle.remove()
    assert len(nested) == 1 and len(nested[0]) == 6 and len(tail) == 5
    for a, b in zip(nested[0], expected):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(tail, expected[1:]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_skip_needs_two_backbone_levels():
    fpn = MimicFPN(in_channels=[4], out_channels=8, num_outs=3, add_extra_convs='on_input')
    with pytest.raises(ValueError, match='two backbone levels'):
        fpn((torch.randn(1, 4, 8, 8),), skip_first_level=True)
