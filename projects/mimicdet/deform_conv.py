"""Deformable convolution (DCNv1) in plain PyTorch via ``grid_sample``.

Same function as mmcv ``DeformConv2d`` / ``torchvision.ops.deform_conv2d`` (stride 1, dilation
1, one offset group; offsets laid out as ``(dy, dx)`` per kernel position, row-major; bilinear
sampling with zeros outside the map). It exists because the CPU kernels of mmcv and torchvision
are ~50x slower than a plain conv on small maps; MimicDet's S-head selects it with
``dcn_impl='grid_sample'`` (our engineering choice, not the paper's; tested against torchvision).
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor


def deform_conv2d_grid_sample(x: Tensor, offset: Tensor, weight: Tensor,
                              bias: Optional[Tensor] = None, padding: int = 0) -> Tensor:
    """``(N, Cin, H, W)`` x, ``(N, 2*k*k, H', W')`` offset, ``(Cout, Cin, k, k)`` weight."""
    n, cin, h, w = x.shape
    cout, _, kh, kw = weight.shape
    ho, wo = h + 2 * padding - kh + 1, w + 2 * padding - kw + 1
    if offset.shape != (n, 2 * kh * kw, ho, wo):
        raise ValueError(f'offset must have shape {(n, 2 * kh * kw, ho, wo)}, '
                         f'got {tuple(offset.shape)}')
    dev, dt = x.device, x.dtype
    ky, kx = torch.meshgrid(torch.arange(kh, device=dev, dtype=dt),
                            torch.arange(kw, device=dev, dtype=dt), indexing='ij')
    oy, ox = torch.meshgrid(torch.arange(ho, device=dev, dtype=dt),
                            torch.arange(wo, device=dev, dtype=dt), indexing='ij')
    # base sampling positions (K, Ho, Wo), K = kh * kw
    base_y = oy[None] - padding + ky.reshape(-1, 1, 1)
    base_x = ox[None] - padding + kx.reshape(-1, 1, 1)
    off = offset.reshape(n, kh * kw, 2, ho, wo)
    py = base_y[None] + off[:, :, 0]
    px = base_x[None] + off[:, :, 1]
    # normalised coordinates for align_corners=False: pixel i has center (2i + 1) / size - 1
    grid = torch.stack([(2 * px + 1) / w - 1, (2 * py + 1) / h - 1], dim=-1)  # (N,K,Ho,Wo,2)
    sampled = F.grid_sample(x, grid.reshape(n, kh * kw * ho, wo, 2), mode='bilinear',
                            padding_mode='zeros', align_corners=False)  # (N, Cin, K*Ho, Wo)
    cols = sampled.reshape(n, cin, kh * kw, ho * wo).reshape(n, cin * kh * kw, ho * wo)
    out = torch.matmul(weight.reshape(cout, -1), cols).reshape(n, cout, ho, wo)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out
