"""AWS (arXiv 2009.14737): auto-augment search via augmentation-wise weight sharing.

Importing this package registers, in mmpretrain's registries: ``AWSPolicyAugment``
(``TRANSFORMS``), ``AWSSearchLoop`` (``LOOPS``), ``StratifiedSubset`` and ``AWSEnlargedBatch``
(``DATASETS``), ``aws_enlarged_collate`` (mmengine ``FUNCTIONS``) and the
``WideResNet_CIFAR`` / ``PyramidNet_CIFAR`` backbones (``MODELS``).
"""
from .backbones import PyramidNet_CIFAR, WideResNet_CIFAR
from .enlarged_batch import AWSEnlargedBatch, aws_enlarged_collate
from .op_space import OP_NAMES, build_op_space, op_magnitudes
from .policy import AWSPolicy, reward_topk
from .ppo import AWSPPOAgent
from .search_loop import AWSSearchLoop, state_hash
from .subset import StratifiedSubset
from .transform import AWSPolicyAugment

__all__ = ['OP_NAMES', 'build_op_space', 'op_magnitudes', 'AWSPolicy', 'reward_topk',
           'PyramidNet_CIFAR', 'WideResNet_CIFAR',
           'AWSPPOAgent', 'AWSSearchLoop', 'state_hash', 'StratifiedSubset', 'AWSPolicyAugment',
           'AWSEnlargedBatch', 'aws_enlarged_collate']
