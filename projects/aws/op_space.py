"""The 36-operation AWS augmentation space, built on mmpretrain's auto-augment ops.

Paper: AWS, "Improving Auto-Augment via Augmentation-Wise Weight Sharing" (arXiv 2009.14737),
section 3; the space is the official pre-release's (``aug_op/ops.py``, ``agent/base.py``).

14 op types; the 11 with a magnitude use levels 3, 6 and 9 of a 10-level range (36 ops in all).
Names are ``f'{type}_mag{m:.3g}'`` (``AutoContrast``, ``Equalize``, ``Invert`` have none) and the
op index is the position in the lexicographically sorted names, the order of the official agent,
so official agent parameters load index for index.

Every op is one of mmpretrain's own transforms with ``prob=1.0``; the semantics match the
official PIL ops as follows (each type checked in ``tests/test_aws/test_op_space.py``):

* ``Shear`` (bicubic, fill 128), ``Translate`` (offset ``m * width``/``height``, nearest, fill
  128), ``Rotate`` (nearest, fill 0, PIL's default), ``ColorTransform``/``Contrast``/
  ``Sharpness``/``Brightness`` (enhance factor ``1 +- m``): random sign with probability 0.5,
  as the official ops;
* ``Posterize`` (bits), ``Solarize`` (threshold; ``thr=0`` inverts every pixel, i.e. equals
  ``Invert``), ``AutoContrast``, ``Equalize``, ``Invert``: no sign.

Differences that remain: mmcv implements the enhance ops on ndarrays (BGR) rather than PIL RGB
images, and an mmcv shear/rotation of positive magnitude goes the other way than PIL's; the sign
is random, so the distribution of each op is the same.
"""
from typing import Dict, List, Tuple

import numpy as np

#: Official level ranges (10 levels; index 3, 6 and 9 are used).
RANGES: Dict[str, np.ndarray] = {
    'ShearX': np.linspace(0, 0.3, 10),
    'ShearY': np.linspace(0, 0.3, 10),
    'TranslateX': np.linspace(0, 150 / 331, 10),
    'TranslateY': np.linspace(0, 150 / 331, 10),
    'Rotate': np.linspace(0, 30, 10),
    'Color': np.linspace(0.0, 0.9, 10),
    'Posterize': np.round(np.linspace(8, 4, 10), 0).astype(int),
    'Solarize': np.linspace(256, 0, 10),
    'Contrast': np.linspace(0.0, 0.9, 10),
    'Sharpness': np.linspace(0.0, 0.9, 10),
    'Brightness': np.linspace(0.0, 0.9, 10),
}
NO_MAGNITUDE = ('AutoContrast', 'Equalize', 'Invert')
LEVELS = (3, 6, 9)
#: Fills: 128 for shear/translate, PIL's default 0 for rotate.
PAD_VAL = 128
ROTATE_PAD_VAL = 0


def _op_name(op_type: str, magnitude=None) -> str:
    return op_type if magnitude is None else f'{op_type}_mag{magnitude:.3g}'


def _entries() -> List[Tuple[str, str, object]]:
    entries = [(_op_name(t), t, None) for t in NO_MAGNITUDE]
    for op_type, values in RANGES.items():
        for level in LEVELS:
            mag = values[level].item()
            entries.append((_op_name(op_type, mag), op_type, mag))
    return sorted(entries, key=lambda e: e[0])


_ENTRIES = _entries()
#: The 36 op names in index order (sorted, as the official agent).
OP_NAMES: Tuple[str, ...] = tuple(e[0] for e in _ENTRIES)
NUM_OPS = len(OP_NAMES)
assert NUM_OPS == 36


def op_magnitudes() -> Dict[str, Tuple[str, object]]:
    """``name -> (op type, magnitude or None)`` of the 36 ops."""
    return {name: (op_type, mag) for name, op_type, mag in _ENTRIES}


def op_config(op_type: str, magnitude=None) -> dict:
    """The mmpretrain transform config that implements one op (``prob=1.0``)."""
    signed = dict(prob=1.0, random_negative_prob=0.5)
    if op_type in ('ShearX', 'ShearY'):
        return dict(type='Shear', magnitude=magnitude, pad_val=PAD_VAL, interpolation='bicubic',
                    direction='horizontal' if op_type == 'ShearX' else 'vertical', **signed)
    if op_type in ('TranslateX', 'TranslateY'):
        return dict(type='Translate', magnitude=magnitude, pad_val=PAD_VAL,
                    interpolation='nearest',
                    direction='horizontal' if op_type == 'TranslateX' else 'vertical', **signed)
    if op_type == 'Rotate':
        return dict(type='Rotate', angle=magnitude, pad_val=ROTATE_PAD_VAL,
                    interpolation='nearest', **signed)
    if op_type == 'Color':
        return dict(type='ColorTransform', magnitude=magnitude, **signed)
    if op_type in ('Contrast', 'Sharpness', 'Brightness'):
        return dict(type=op_type, magnitude=magnitude, **signed)
    if op_type == 'Posterize':
        return dict(type='Posterize', bits=int(magnitude), prob=1.0)
    if op_type == 'Solarize':
        return dict(type='Solarize', thr=magnitude, prob=1.0)
    if op_type in NO_MAGNITUDE:
        return dict(type=op_type, prob=1.0)
    raise ValueError(f'unknown AWS op type {op_type!r}')


def op_space_configs(op_space: str = 'aws36') -> List[dict]:
    """mmpretrain transform configs of the ops, in index order.

    Args:
        op_space: Name of the space; only ``'aws36'`` (the official one) exists.
    """
    if op_space != 'aws36':
        raise ValueError(f"op_space must be 'aws36', got {op_space!r}")
    return [op_config(op_type, mag) for _, op_type, mag in _ENTRIES]


def build_op_space(op_space: str = 'aws36') -> list:
    """The 36 ops as built mmpretrain transforms, in index order."""
    from mmpretrain.registry import TRANSFORMS
    return [TRANSFORMS.build(cfg) for cfg in op_space_configs(op_space)]
