"""How a graph stage runs a base network's block as a node: its body and its shortcut.

The bodies call the block's own layers (mmpretrain ``BasicBlock``/``Bottleneck``, the ResNeXt
and RegNet ``Bottleneck``, ``InvertedResidual``), so the submodule names, and therefore
standard checkpoints, are unchanged. A body is the block's residual branch without the
shortcut add and without the post-add activation (see docs of :class:`GraphStage`).
"""
from typing import Callable, Optional

import torch.nn as nn
import torch.utils.checkpoint as cp
from mmpretrain.models.backbones.mobilenet_v2 import InvertedResidual
from mmpretrain.models.backbones.resnet import BasicBlock, Bottleneck
from torch import Tensor

NODE_TYPES = ('residual', 'inverted_residual')


def _bottleneck_body(block: Bottleneck, x: Tensor) -> Tensor:
    out = block.relu(block.norm1(block.conv1(x)))
    out = block.relu(block.norm2(block.conv2(out)))
    out = block.norm3(block.conv3(out))
    return block.drop_path(out)


def _basic_body(block: BasicBlock, x: Tensor) -> Tensor:
    out = block.relu(block.norm1(block.conv1(x)))
    out = block.norm2(block.conv2(out))
    return block.drop_path(out)


def _inverted_body(block: InvertedResidual, x: Tensor) -> Tensor:
    return block.conv(x)


def block_body(block: nn.Module) -> Callable[[Tensor], Tensor]:
    """The residual branch of ``block`` as a function of its input (gradient checkpointed
    when the block was built with ``with_cp``)."""
    if isinstance(block, Bottleneck):
        fn = _bottleneck_body
    elif isinstance(block, BasicBlock):
        fn = _basic_body
    elif isinstance(block, InvertedResidual):
        fn = _inverted_body
    else:
        raise TypeError(f'no graph-node body for {type(block).__name__}; supported: '
                        'mmpretrain BasicBlock, Bottleneck (ResNet/ResNeXt/RegNet), '
                        'InvertedResidual')

    def body(x: Tensor) -> Tensor:
        if getattr(block, 'with_cp', False) and x.requires_grad:
            return cp.checkpoint(fn, block, x, use_reentrant=False)
        return fn(block, x)

    return body


def block_shortcut(block: nn.Module) -> Optional[nn.Module]:
    """The projection on the shortcut of a residual block (None for the identity)."""
    return getattr(block, 'downsample', None)


def check_node_type(node_type: str) -> None:
    if node_type not in NODE_TYPES:
        raise ValueError(f'node_type must be one of {NODE_TYPES}, got {node_type!r}')
