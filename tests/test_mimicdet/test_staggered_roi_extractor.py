"""Invariant 2: a box from level L is pooled from feature index L - 1 (and shapes, inv. 7)."""
import pytest
import torch

from projects.mimicdet import StaggeredRoIExtractor

STRIDES = [4, 8, 16, 32, 64]


def make(level_shift=1, channels=8):
    return StaggeredRoIExtractor(
        roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0), out_channels=channels,
        featmap_strides=STRIDES, level_shift=level_shift)


def constant_pyramid(channels=8, size=256):
    """Level k is the constant k (shape follows the stride)."""
    return [torch.full((2, channels, size // s, size // s), float(k)) for k, s in enumerate(STRIDES)]


@pytest.mark.parametrize('shift', [1, 0])
def test_pooled_from_origin_minus_shift(shift):
    ext = make(level_shift=shift)
    origins = torch.tensor([1, 2, 3, 4, 1, 4])
    rois = torch.tensor([[0, 10., 10., 60., 60.], [1, 0., 0., 100., 80.],
                         [0, 30., 40., 200., 250.], [1, 5., 5., 20., 20.],
                         [1, 100., 100., 250., 250.], [0, 0., 0., 255., 255.]])
    out = ext(constant_pyramid(), rois, origins)
    expected = (origins - shift).float()[:, None, None, None].expand_as(out)
    torch.testing.assert_close(out, expected)


def test_not_scale_based_mapping():
    # mmdet's map_roi_levels sends a 224x224 box to level floor(log2(224 / 56)) = 2;
    # with origin level 1 it must come from level 0.
    ext = make()
    rois = torch.tensor([[0, 0., 0., 224., 224.]])
    assert int(ext.map_roi_levels(rois, 5)) == 2
    assert float(ext(constant_pyramid(), rois, torch.tensor([1])).mean()) == 0.


def test_t_head_roi_shape_is_7x7x256():
    ext = make(channels=256)
    feats = [torch.randn(1, 256, 128 // s, 128 // s) for s in STRIDES]
    out = ext(feats, torch.tensor([[0, 4., 4., 60., 70.]] * 3), torch.tensor([1, 2, 5]))
    assert out.shape == (3, 256, 7, 7)


def test_level_out_of_range_raises():
    with pytest.raises(ValueError, match='origin levels'):
        make()(constant_pyramid(), torch.tensor([[0, 0., 0., 9., 9.]]), torch.tensor([0]))


def test_negative_shift_raises():
    with pytest.raises(ValueError, match='level_shift'):
        make(level_shift=-1)
