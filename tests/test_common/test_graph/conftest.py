"""Small graph stages built from mmpretrain's own blocks, shared by the graph tests."""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones.mobilenet_v2 import InvertedResidual
from mmpretrain.models.backbones.resnet import Bottleneck, ResLayer

from projects.common.graph import GraphStage


def res_blocks(num_blocks: int = 3, in_ch: int = 8, out_ch: int = 16, stride: int = 2,
               seed: int = 0) -> List[nn.Module]:
    """Bottleneck blocks with random (non-trivial) BN statistics, as ResNet builds them."""
    torch.manual_seed(seed)
    layer = ResLayer(Bottleneck, num_blocks, in_ch, out_ch, stride=stride)
    for m in layer.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return list(layer)


def res_stage(num_blocks: int = 3, seed: int = 0, **kwargs) -> GraphStage:
    stage = GraphStage(res_blocks(num_blocks, seed=seed), node_type='residual', **kwargs)
    stage.eval()
    return stage


def bottleneck_body_reference(b: Bottleneck, x: torch.Tensor) -> torch.Tensor:
    """conv1-bn1-relu-conv2-bn2-relu-conv3-bn3, written out from the spec."""
    out = F.relu(b.norm1(b.conv1(x)))
    out = F.relu(b.norm2(b.conv2(out)))
    return b.norm3(b.conv3(out))


def residual_chain_reference(blocks, x: torch.Tensor) -> torch.Tensor:
    """The spec's all-ones stage: x_1 = in + y_0, x_k = x_{k-1} + F_k(relu(x_{k-1}))...,
    output relu(x_N)."""
    y_in = blocks[0].downsample(x) if blocks[0].downsample is not None else x
    acc = y_in + bottleneck_body_reference(blocks[0], x)
    for b in blocks[1:]:
        acc = acc + bottleneck_body_reference(b, F.relu(acc))
    return F.relu(acc)


def inverted_blocks(num_blocks: int = 3, in_ch: int = 8, out_ch: int = 16,
                    seed: int = 0) -> List[nn.Module]:
    torch.manual_seed(seed)
    blocks = [InvertedResidual(in_ch if i == 0 else out_ch, out_ch, 2 if i == 0 else 1,
                               expand_ratio=6) for i in range(num_blocks)]
    for b in blocks:
        for m in b.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return blocks
