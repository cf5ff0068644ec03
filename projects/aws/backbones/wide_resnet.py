"""Wide ResNet for CIFAR (WRN-d-k), pre-activation, as used by AWS's CIFAR search and final
training (the official ``models/wresnet.py`` builds WRN-28-10 with the same layout).

Paper: Zagoruyko & Komodakis, "Wide Residual Networks" (arXiv 1605.07146): a 3x3 stem of 16
channels, three groups of ``(depth - 4) / 6`` pre-activation basic blocks with ``16k, 32k, 64k``
channels (strides 1, 2, 2), then BN-ReLU. mmpretrain has no WRN, so it is registered here.
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


class _PreActBlock(nn.Module):

    def __init__(self, cin: int, cout: int, stride: int, drop_rate: float, norm_cfg: dict):
        super().__init__()
        self.bn1 = build_norm_layer(norm_cfg, cin)[1]
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = build_norm_layer(norm_cfg, cout)[1]
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.drop_rate = drop_rate
        self.shortcut = None if cin == cout and stride == 1 else \
            nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(self, x):
        o = F.relu(self.bn1(x))
        y = self.conv1(o)
        y = F.relu(self.bn2(y))
        if self.drop_rate > 0:
            y = F.dropout(y, p=self.drop_rate, training=self.training)
        y = self.conv2(y)
        return y + (x if self.shortcut is None else self.shortcut(o))


@MODELS.register_module()
class WideResNet_CIFAR(BaseModule):
    """WRN-depth-widen for 32x32 inputs.

    Args:
        depth: ``6n + 4`` (28 for WRN-28-10).
        widen_factor: ``k``.
        drop_rate: Dropout between the convs of a block.
        norm_cfg: Norm layer config (AWS search: ``momentum=0.5``).
        out_indices: Groups whose output is returned (the last, after BN-ReLU).
        init_cfg: mmengine init config.
    """

    def __init__(self, depth: int = 28, widen_factor: int = 10, drop_rate: float = 0.0,
                 norm_cfg: dict = dict(type='BN'), out_indices: Sequence[int] = (2, ),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg or [dict(type='Kaiming', layer='Conv2d'),
                                               dict(type='Constant', val=1, layer='_BatchNorm')])
        if (depth - 4) % 6 != 0 or depth < 10:
            raise ValueError(f'depth must be 6n + 4 (e.g. 28), got {depth}')
        n = (depth - 4) // 6
        widths = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.stem = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.groups = nn.ModuleList()
        cin = widths[0]
        for g, stride in enumerate((1, 2, 2)):
            blocks = []
            for b in range(n):
                blocks.append(_PreActBlock(cin, widths[g + 1], stride if b == 0 else 1,
                                           drop_rate, norm_cfg))
                cin = widths[g + 1]
            self.groups.append(nn.Sequential(*blocks))
        self.final_bn = build_norm_layer(norm_cfg, cin)[1]
        self.out_indices = tuple(out_indices)
        self.out_channels = cin

    def forward(self, x: torch.Tensor):
        x = self.stem(x)
        outs = []
        for g, group in enumerate(self.groups):
            x = group(x)
            if g == 2:
                x = F.relu(self.final_bn(x))
            if g in self.out_indices:
                outs.append(x)
        return tuple(outs)
