"""CIFAR backbones that mmpretrain lacks: WRN and PyramidNet + ShakeDrop."""
from .pyramidnet import PyramidNet_CIFAR, shake_drop
from .wide_resnet import WideResNet_CIFAR

__all__ = ['PyramidNet_CIFAR', 'WideResNet_CIFAR', 'shake_drop']
