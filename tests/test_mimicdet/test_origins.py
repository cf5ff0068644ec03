"""Invariant 3 (helper level): gathering returns the (level, y, x) origin of every box."""
import torch

from projects.mimicdet.origins import flatten_levels, gather_at_origins, level_origins

SIZES = [(4, 5), (2, 3), (1, 1)]


def encoded_maps(num_images=2):
    """Channel 0..3 of image b at level l, row y, col x hold (b, l, y, x)."""
    maps = []
    for lvl, (h, w) in enumerate(SIZES):
        m = torch.zeros(num_images, 4, h, w)
        m[:, 0] = torch.arange(num_images)[:, None, None].float()
        m[:, 1] = lvl
        m[:, 2] = torch.arange(h)[None, :, None].float()
        m[:, 3] = torch.arange(w)[None, None, :].float()
        maps.append(m)
    return maps


def test_level_origins_hand_computed():
    o = level_origins(SIZES)
    assert o.shape == (20 + 6 + 1, 3)
    assert o[0].tolist() == [0, 0, 0]
    assert o[6].tolist() == [0, 1, 1]  # row-major: 6 = 1 * 5 + 1
    assert o[20].tolist() == [1, 0, 0]
    assert o[25].tolist() == [1, 1, 2]
    assert o[26].tolist() == [2, 0, 0]


def test_gather_returns_origin_of_every_box():
    maps = encoded_maps()
    g = torch.Generator().manual_seed(0)
    flat_idx = torch.randint(0, 27, (40,), generator=g)
    batch_idx = torch.randint(0, 2, (40,), generator=g)
    out = gather_at_origins(maps, batch_idx, flat_idx)
    expected = torch.cat([batch_idx[:, None], level_origins(SIZES)[flat_idx]], 1).float()
    torch.testing.assert_close(out, expected)


def test_flatten_levels_shape():
    assert flatten_levels(encoded_maps(3)).shape == (3, 27, 4)
