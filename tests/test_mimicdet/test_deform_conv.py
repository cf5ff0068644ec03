"""deform_conv2d_grid_sample equals torchvision's deform_conv2d (float64)."""
import pytest
import torch

from projects.mimicdet.deform_conv import deform_conv2d_grid_sample

tv = pytest.importorskip('torchvision.ops')


@pytest.mark.parametrize('k,pad,size', [(3, 1, (6, 5)), (5, 2, (4, 7)), (3, 0, (5, 5)),
                                        (5, 2, (1, 1))])
def test_matches_torchvision(k, pad, size):
    g = torch.Generator().manual_seed(k + pad)
    h, w = size
    x = torch.randn(2, 3, h, w, generator=g, dtype=torch.float64)
    ho, wo = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    off = 2 * torch.randn(2, 2 * k * k, ho, wo, generator=g, dtype=torch.float64)
    wt = torch.randn(4, 3, k, k, generator=g, dtype=torch.float64)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    torch.testing.assert_close(deform_conv2d_grid_sample(x, off, wt, b, padding=pad),
                               tv.deform_conv2d(x, off, wt, b, padding=(pad, pad)))


def test_bad_offset_shape_raises():
    with pytest.raises(ValueError, match='offset'):
        deform_conv2d_grid_sample(torch.zeros(1, 2, 4, 4), torch.zeros(1, 9, 4, 4),
                                  torch.zeros(1, 2, 3, 3), padding=1)
