"""OQA (arXiv 2010.04354): quantized once-for-all MobileNetV3 supernets, 4 -> 3 -> 2 bit.

Importing this package registers in mmpretrain's registries: ``LSQConv2d``,
``OQAMobileNetV3Supernet``, ``OQAMobileNetV3``, ``OQASupernetClassifier``,
``OQAImageClassifier``, ``LSQQuantizedModel`` (``MODELS``), ``LSQStepReinitHook`` and
``OQABNRecalibHook`` (mmengine ``HOOKS``) and ``OQAEvolutionSearchLoop`` (``LOOPS``).
"""
from .arch import arch_to_str, block_specs, make_divisible, parse_arch
from .bn_calib import OQABNRecalibHook, recalibrate_bn
from .classifier import OQAImageClassifier, OQASupernetClassifier
from .counter import count_macs_bitops, count_subnet
from .inherit import LSQStepReinitHook, reinit_steps
from .lsq import LSQConv2d, LSQQuantizer, lsq_quantize, lsq_quantizers
from .mobilenet_v3 import OQAMobileNetV3, OQAMobileNetV3Supernet
from .search import EvolutionSearcher, OQAEvolutionSearchLoop, plot_pareto
from .transform import LSQQuantizedModel, quantize_convs

__all__ = [
    'arch_to_str', 'block_specs', 'make_divisible', 'parse_arch', 'count_macs_bitops',
    'count_subnet', 'LSQConv2d', 'LSQQuantizer', 'lsq_quantize', 'lsq_quantizers',
    'OQAMobileNetV3', 'OQAMobileNetV3Supernet', 'OQAImageClassifier', 'OQASupernetClassifier',
    'OQABNRecalibHook', 'recalibrate_bn', 'LSQStepReinitHook', 'reinit_steps',
    'EvolutionSearcher', 'OQAEvolutionSearchLoop', 'plot_pareto', 'LSQQuantizedModel',
    'quantize_convs'
]
