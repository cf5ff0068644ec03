"""BSN++ complementary boundary generator: a nested (UNet++-style) 1-D encoder-decoder.

Paper: BSN++ (arXiv 2009.07641), "Complementary Boundary Generator". That the CBG is a U-shaped
1-D encoder-decoder with nested skip connections is from the paper; the internals below are our
choices (spec [D]): levels T, T/2, T/4 by ``MaxPool1d(2, ceil_mode=True)``; node
``X[i,j] = Block(concat(X[i,0..j-1], Up(X[i+1,j-1])))`` with ``Block = Conv1d k3 + ReLU`` and
``Up`` a linear interpolation to the exact skip length (100 -> 50 -> 25 has odd sizes, so no
fixed scale factor); a 1x1 head to (start, end) with a sigmoid. Deep supervision on
``X[0,1..L]`` (recalled, [R]) adds one head per ``j``.

The node convolutions are dense (``groups=1``) by default, so every output channel of a nested
node mixes its skip inputs and the upsampled deeper node (the point of the nested skips). With
``groups > 1`` the concatenated input is channel-shuffled before the grouped convolution
(ShuffleNet's shuffle), so each group still sees channels of every concatenated path: a grouped
convolution over ``concat(skip, up)`` without it keeps the paths in separate groups and no
output channel depends on both. The shuffle has one group per concatenated path, i.e. it
interleaves the paths channel by channel, so every convolution group sees every path for any
number of paths (a shuffle with ``groups`` groups does not once there are more paths than
groups). ``benchmark/bsnpp_bench.json`` (``cbg_groups``) times both.
"""
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmaction.registry import MODELS


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet's channel shuffle: channel ``g * n + i`` moves to ``i * groups + g``."""
    batch, channels, length = x.shape
    return x.view(batch, groups, channels // groups, length).transpose(1, 2).reshape(
        batch, channels, length)


class UNetNode(nn.Module):
    """``[path shuffle] -> Conv1d k3 (groups) -> ReLU``.

    Args:
        in_channels: Channels of the input, ``num_paths`` equal-width paths concatenated.
        channels: Output channels.
        groups: Groups of the convolution.
        num_paths: Paths in the input; with ``groups > 1`` and several paths they are
            interleaved channel by channel (``channel_shuffle(x, num_paths)``) first.
    """

    def __init__(self, in_channels: int, channels: int, groups: int, num_paths: int = 1) -> None:
        super().__init__()
        self.num_paths = num_paths
        self.shuffle = groups > 1 and num_paths > 1
        self.conv = nn.Conv1d(in_channels, channels, kernel_size=3, padding=1, groups=groups)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.shuffle:
            x = channel_shuffle(x, self.num_paths)
        return self.relu(self.conv(x))


@MODELS.register_module()
class UNetPP1d(nn.Module):
    """Nested U-Net over a 1-D feature sequence, predicting start/end probabilities.

    Args:
        in_channels: Channels of the input (BMN's base features, ``hidden_dim_1d``).
        channels: Channels of every node.
        depth: Number of down-sampling levels L (2 gives T, T/2, T/4).
        groups: Groups of the node convolutions. 1 (default) = dense; with more, the paths
            concatenated at every nested node are interleaved first (module docstring).
        deep_supervision: Also return (start, end) from ``X[0,1..L-1]``.

    Example:
        >>> net = UNetPP1d(16, channels=16, depth=2)
        >>> prob, top, aux = net(torch.randn(2, 16, 25))
        >>> prob.shape, top.shape, len(aux)
        (torch.Size([2, 2, 25]), torch.Size([2, 16, 25]), 0)
    """

    def __init__(self, in_channels: int, channels: int = 256, depth: int = 2, groups: int = 1,
                 deep_supervision: bool = False) -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(f'depth must be >= 1, got {depth}')
        if groups < 1 or in_channels % groups or channels % groups:
            raise ValueError(f'in_channels ({in_channels}) and channels ({channels}) must be '
                             f'divisible by groups ({groups})')
        self.depth = depth
        self.groups = groups
        self.deep_supervision = deep_supervision
        self.pool = nn.MaxPool1d(2, ceil_mode=True)
        self.nodes = nn.ModuleDict()
        self.nodes['0_0'] = UNetNode(in_channels, channels, groups)
        for i in range(1, depth + 1):
            self.nodes[f'{i}_0'] = UNetNode(channels, channels, groups)
        for j in range(1, depth + 1):
            for i in range(0, depth + 1 - j):
                self.nodes[f'{i}_{j}'] = UNetNode(channels * (j + 1), channels, groups,
                                                  num_paths=j + 1)
        num_heads = depth if deep_supervision else 1
        self.heads = nn.ModuleList(nn.Conv1d(channels, 2, kernel_size=1) for _ in range(num_heads))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, List[torch.Tensor]]:
        """``x`` (B, C, T) -> (prob (B, 2, T) of the top node, top node features, aux probs)."""
        nodes = {(0, 0): self.nodes['0_0'](x)}
        for i in range(1, self.depth + 1):
            nodes[(i, 0)] = self.nodes[f'{i}_0'](self.pool(nodes[(i - 1, 0)]))
        for j in range(1, self.depth + 1):
            for i in range(0, self.depth + 1 - j):
                skip = [nodes[(i, k)] for k in range(j)]
                up = F.interpolate(nodes[(i + 1, j - 1)], size=skip[0].shape[-1],
                                   mode='linear', align_corners=False)
                nodes[(i, j)] = self.nodes[f'{i}_{j}'](torch.cat(skip + [up], dim=1))
        top = nodes[(0, self.depth)]
        prob = torch.sigmoid(self.heads[-1](top))
        aux = [torch.sigmoid(self.heads[j - 1](nodes[(0, j)]))
               for j in range(1, self.depth)] if self.deep_supervision else []
        return prob, top, aux
