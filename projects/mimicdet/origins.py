"""Origin bookkeeping of MimicDet: every refined box remembers its anchor location.

Paper: MimicDet (arXiv 2009.11528), "Dual-path head mimicking": the S-head feature of a box is
read at the box's ORIGINAL anchor location (level L, y, x), where the refinement module started,
not at the refined box center. With one anchor per location, the flat index of a location over
all levels (level-major, then row-major) identifies the origin uniquely.
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor


def level_origins(featmap_sizes: Sequence[Tuple[int, int]], device=None) -> Tensor:
    """``(sum H*W, 3)`` long tensor of ``(level, y, x)`` in flat (level-major) order."""
    rows = []
    for lvl, (h, w) in enumerate(featmap_sizes):
        ys, xs = torch.meshgrid(torch.arange(h, device=device), torch.arange(w, device=device),
                                indexing='ij')
        rows.append(torch.stack([torch.full_like(ys, lvl), ys, xs], -1).reshape(-1, 3))
    return torch.cat(rows)


def flatten_levels(maps: Sequence[Tensor]) -> Tensor:
    """Concatenate ``(N, C, H_l, W_l)`` maps into ``(N, sum H*W, C)`` in flat order."""
    return torch.cat([m.flatten(2) for m in maps], dim=2).transpose(1, 2)


def gather_at_origins(maps: Sequence[Tensor], batch_idx: Tensor, flat_idx: Tensor) -> Tensor:
    """Read ``(K, C)`` vectors of the maps at image ``batch_idx[k]``, flat location ``flat_idx[k]``."""
    if batch_idx.shape != flat_idx.shape:
        raise ValueError('batch_idx and flat_idx must have the same shape')
    flat = flatten_levels(maps)
    return flat[batch_idx.long(), flat_idx.long()]


def split_origins(featmap_sizes: Sequence[Tuple[int, int]], flat_idx: Tensor) -> Tensor:
    """Inverse of the flat index: ``(level, y, x)`` rows for ``flat_idx``."""
    return level_origins(featmap_sizes, flat_idx.device)[flat_idx.long()]
