"""How a graph stage runs a base network's block as a node: its body and its shortcut.

The bodies call the block's own layers (mmpretrain ``BasicBlock``/``Bottleneck``, the ResNeXt
and RegNet ``Bottleneck``, ``InvertedResidual``), so the submodule names, and therefore
standard checkpoints, are unchanged. A body is the block's residual branch without the
shortcut add and without the post-add activation (see docs of :class:`GraphStage`).

Two extension points, so that a new node kind (e.g. TopoNet's RandWire-style
ReLU-conv-BN triplet) needs no edit here:

* :func:`register_node_body` maps a block class to its body function (looked up along the
  block's MRO, so subclasses such as ResNeXt's ``Bottleneck`` reuse their base's body). A
  block class may instead define a ``graph_body(x)`` method.
* :func:`register_node_type` names a stage layout: whether the stage has an ``in`` node
  (block 0's shortcut) and whether a ReLU is applied to each node input and to the stage
  output (:class:`NodeType`).
"""
from typing import Callable, Dict, NamedTuple, Optional

import torch.nn as nn
import torch.utils.checkpoint as cp
from mmpretrain.models.backbones.mobilenet_v2 import InvertedResidual
from mmpretrain.models.backbones.resnet import BasicBlock, Bottleneck
from torch import Tensor


class NodeType(NamedTuple):
    """The layout of a stage's nodes.

    Attributes:
        has_in_node: The stage has an ``in`` node, block 0's shortcut of the stage input.
        relu_act: ReLU at every node input and at the stage output (else the identity).
    """
    has_in_node: bool
    relu_act: bool


#: name -> :class:`NodeType`; extend with :func:`register_node_type`.
NODE_TYPE_REGISTRY: Dict[str, NodeType] = {
    'residual': NodeType(has_in_node=True, relu_act=True),
    'inverted_residual': NodeType(has_in_node=False, relu_act=False),
}
#: block class -> ``body(block, x)``; extend with :func:`register_node_body`.
NODE_BODIES: Dict[type, Callable[[nn.Module, Tensor], Tensor]] = {}


def __getattr__(name: str):
    # ``NODE_TYPES`` stays the tuple of known names, now including registered ones
    if name == 'NODE_TYPES':
        return tuple(NODE_TYPE_REGISTRY)
    raise AttributeError(name)


def register_node_type(name: str, has_in_node: bool, relu_act: bool) -> None:
    """Add a stage layout usable as ``GraphStage(node_type=name)``."""
    if name in NODE_TYPE_REGISTRY and NODE_TYPE_REGISTRY[name] != NodeType(has_in_node,
                                                                           relu_act):
        raise ValueError(f'node_type {name!r} is already registered differently')
    NODE_TYPE_REGISTRY[name] = NodeType(bool(has_in_node), bool(relu_act))


def register_node_body(block_cls: type):
    """Decorator: ``fn(block, x)`` is the graph-node body of ``block_cls`` (and subclasses)."""

    def wrap(fn: Callable[[nn.Module, Tensor], Tensor]):
        NODE_BODIES[block_cls] = fn
        return fn

    return wrap


@register_node_body(Bottleneck)
def _bottleneck_body(block: Bottleneck, x: Tensor) -> Tensor:
    out = block.relu(block.norm1(block.conv1(x)))
    out = block.relu(block.norm2(block.conv2(out)))
    out = block.norm3(block.conv3(out))
    return block.drop_path(out)


@register_node_body(BasicBlock)
def _basic_body(block: BasicBlock, x: Tensor) -> Tensor:
    out = block.relu(block.norm1(block.conv1(x)))
    out = block.norm2(block.conv2(out))
    return block.drop_path(out)


@register_node_body(InvertedResidual)
def _inverted_body(block: InvertedResidual, x: Tensor) -> Tensor:
    return block.conv(x)


def _graph_body_method(block: nn.Module, x: Tensor) -> Tensor:
    return block.graph_body(x)


def body_function(block: nn.Module) -> Callable[[nn.Module, Tensor], Tensor]:
    """The registered ``fn(block, x)`` of ``block``'s class (nearest along its MRO)."""
    if callable(getattr(block, 'graph_body', None)):
        return _graph_body_method
    for cls in type(block).__mro__:
        fn = NODE_BODIES.get(cls)
        if fn is not None:
            return fn
    names = ', '.join(c.__name__ for c in NODE_BODIES)
    raise TypeError(f'no graph-node body for {type(block).__name__}; supported: {names} '
                    '(add one with register_node_body or a graph_body method)')


def block_body(block: nn.Module) -> Callable[[Tensor], Tensor]:
    """The residual branch of ``block`` as a function of its input (gradient checkpointed
    when the block was built with ``with_cp``)."""
    fn = body_function(block)

    def body(x: Tensor) -> Tensor:
        if getattr(block, 'with_cp', False) and x.requires_grad:
            return cp.checkpoint(fn, block, x, use_reentrant=False)
        return fn(block, x)

    return body


def block_shortcut(block: nn.Module) -> Optional[nn.Module]:
    """The projection on the shortcut of a residual block (None for the identity)."""
    return getattr(block, 'downsample', None)


def check_node_type(node_type: str) -> NodeType:
    """The registered :class:`NodeType` of ``node_type`` (ValueError naming the known ones)."""
    if node_type not in NODE_TYPE_REGISTRY:
        raise ValueError(f'node_type must be one of {tuple(NODE_TYPE_REGISTRY)}, '
                         f'got {node_type!r}')
    return NODE_TYPE_REGISTRY[node_type]
