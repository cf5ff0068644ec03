"""PyramidNet with ShakeDrop for CIFAR, the model of AWS's best CIFAR-10 result (1.24 %).

Papers: Han et al., "Deep Pyramidal Residual Networks" (arXiv 1610.02915), bottleneck blocks
whose width grows linearly by ``alpha / N`` per block, zero-padded identity shortcuts
(average-pooled when downsampling); Yamada et al., "ShakeDrop Regularization" (arXiv
1802.02375): the residual branch is scaled by ``b + alpha - b * alpha`` in the forward pass and
``b + beta - b * beta`` in the backward pass, ``b ~ Bernoulli(p_l)``, ``alpha ~ U[-1, 1]``,
``beta ~ U[0, 1]``, with the linear decay ``p_l = 1 - (l / L) * (1 - p_L)``, ``p_L = 0.5``;
at test time the branch is scaled by ``E[b + alpha - b alpha] = p_l``. Per-sample draws, as in
the ShakeDrop paper's CIFAR code. mmpretrain has neither, so they are registered here.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


class _ShakeDropFn(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x, p_keep):
        n = x.size(0)
        b = torch.bernoulli(torch.full((n, 1, 1, 1), p_keep, device=x.device, dtype=x.dtype))
        alpha = torch.empty_like(b).uniform_(-1, 1)
        ctx.save_for_backward(b)
        return x * (b + alpha - b * alpha)

    @staticmethod
    def backward(ctx, grad):
        b, = ctx.saved_tensors
        beta = torch.empty_like(b).uniform_(0, 1)
        return grad * (b + beta - b * beta), None


def shake_drop(x: torch.Tensor, p_keep: float, training: bool) -> torch.Tensor:
    """ShakeDrop of a residual branch ``x`` with keep probability ``p_keep``."""
    if training:
        return _ShakeDropFn.apply(x, p_keep)
    return x * p_keep


class _PyramidBottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, mid: int, stride: int, p_keep: float, norm_cfg: dict):
        super().__init__()
        cout = mid * self.expansion
        self.bn1 = build_norm_layer(norm_cfg, cin)[1]
        self.conv1 = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn2 = build_norm_layer(norm_cfg, mid)[1]
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
        self.bn3 = build_norm_layer(norm_cfg, mid)[1]
        self.conv3 = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn4 = build_norm_layer(norm_cfg, cout)[1]
        self.stride, self.cin, self.cout, self.p_keep = stride, cin, cout, p_keep

    def forward(self, x):
        y = self.conv1(self.bn1(x))
        y = self.conv2(F.relu(self.bn2(y)))
        y = self.conv3(F.relu(self.bn3(y)))
        y = shake_drop(self.bn4(y), self.p_keep, self.training)
        s = F.avg_pool2d(x, 2, ceil_mode=True) if self.stride != 1 else x
        if self.cout > self.cin:
            s = F.pad(s, (0, 0, 0, 0, 0, self.cout - self.cin))
        return y + s


@MODELS.register_module()
class PyramidNet_CIFAR(BaseModule):
    """Bottleneck PyramidNet with ShakeDrop for 32x32 inputs.

    Args:
        depth: ``9N + 2`` (272 for PyramidNet-272, N = 30 blocks per stage).
        alpha: Total width increase (200).
        p_last: ShakeDrop keep probability of the last block (0.5); 1.0 turns it off.
        norm_cfg: Norm layer config.
        init_cfg: mmengine init config.
    """

    def __init__(self, depth: int = 272, alpha: int = 200, p_last: float = 0.5,
                 norm_cfg: dict = dict(type='BN'), init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg or [dict(type='Kaiming', layer='Conv2d'),
                                               dict(type='Constant', val=1, layer='_BatchNorm')])
        if (depth - 2) % 9 != 0:
            raise ValueError(f'depth must be 9N + 2 for bottleneck PyramidNet, got {depth}')
        if not 0 < p_last <= 1:
            raise ValueError(f'p_last must be in (0, 1], got {p_last}')
        n = (depth - 2) // 9
        total = 3 * n
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.stem_bn = build_norm_layer(norm_cfg, 16)[1]
        blocks, cin, width = [], 16, 16.0
        for k in range(total):
            width += alpha / total
            stride = 2 if k in (n, 2 * n) else 1
            p_keep = 1 - (k + 1) / total * (1 - p_last)
            blocks.append(_PyramidBottleneck(cin, int(round(width)), stride, p_keep, norm_cfg))
            cin = int(round(width)) * _PyramidBottleneck.expansion
        self.blocks = nn.Sequential(*blocks)
        self.final_bn = build_norm_layer(norm_cfg, cin)[1]
        self.out_channels = cin

    def forward(self, x: torch.Tensor):
        x = self.stem_bn(self.stem(x))
        x = self.blocks(x)
        return (F.relu(self.final_bn(x)), )
