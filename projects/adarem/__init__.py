"""AdaRem (arXiv 2010.11041): an SGD-scale optimizer that damps oscillating coordinates.

Importing this package registers ``AdaRem`` in mmengine's root ``OPTIMIZERS`` registry, so
mmpretrain, mmdet and mmaction2 configs all find ``type='AdaRem'``.
"""
from .adarem import AdaRem
from .functional import adarem_compiled, adarem_reference

__all__ = ['AdaRem', 'adarem_compiled', 'adarem_reference']
