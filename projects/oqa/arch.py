"""OQA search space: the OFA MobileNetV3 space (d234 e346 k357, width 1.0) and its subnet configs.

Paper: OQA, "Once Quantized for All" (arXiv 2010.04354), built on OFA's MobileNetV3
space (arXiv 1908.09791). Section 2 of ``/work/shared/methods/oqa.md``:

* stem 3x3/2 (FP), a first MBConv block with expand 1 (3x3 depthwise), five searchable stages
  of up to 4 blocks each (20 slots, slot index ``4 * stage + j``), final expand 1x1 and feature
  mix 1x1, FP linear classifier;
* per block a kernel size from ``ks_list`` and an expand ratio from ``expand_list``, per stage a
  depth from ``depth_list`` (depth d keeps the first d blocks), a resolution per subnet.

A subnet is a dict ``dict(ks=[20 ints], e=[20 ints], d=[5 ints], resolution=int)`` or a string
in the official README's notation ``-ks 3 5 ... -es 3 4 ... -d 2 3 ... -is 128`` (``-e`` and
``-r`` are accepted as aliases), or that string's tokens as a list (commas instead of spaces,
which is what ``--cfg-options model.subnet=-ks,3,5,...`` gives). Bad entries raise a one-line ``ValueError`` naming the slot,
the value and the allowed values.
"""
import math
from typing import Dict, List, Optional, Sequence, Union

#: OFA MobileNetV3 w1.0 search space [CODE]
KS_LIST = (3, 5, 7)
EXPAND_LIST = (3, 4, 6)
DEPTH_LIST = (2, 3, 4)
RESOLUTIONS = tuple(range(128, 225, 4))
STAGE_CHANNELS = (24, 40, 80, 112, 160)
STAGE_STRIDES = (2, 2, 2, 1, 2)
STAGE_ACTS = ('relu', 'relu', 'h_swish', 'h_swish', 'h_swish')
STAGE_SE = (False, True, False, True, True)
NUM_STAGES = 5
MAX_DEPTH = 4


def make_divisible(v: float, divisor: int = 8, min_val: Optional[int] = None) -> int:
    """OFA/TF rounding: nearest multiple of ``divisor`` that is not below 90 % of ``v``."""
    if min_val is None:
        min_val = divisor
    new_v = max(min_val, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def mid_channels(in_channels: int, expand: int) -> int:
    """Active hidden channels of an MBConv block: make_divisible(round(in * e), 8)."""
    return make_divisible(round(in_channels * expand), 8)


def se_channels(mid: int) -> int:
    """SE hidden channels of the *active* mid channels: make_divisible(mid // 4, 8)."""
    return make_divisible(mid // 4, 8)


_FLAG_KEYS = {'-ks': 'ks', '-es': 'e', '-e': 'e', '-d': 'd', '-is': 'resolution',
              '-r': 'resolution'}


def _parse_string(arch: str) -> dict:
    out: Dict[str, list] = {}
    key = None
    for token in arch.replace(',', ' ').split():
        if token.startswith('-') and not token.lstrip('-').isdigit():
            if token not in _FLAG_KEYS:
                raise ValueError(f'architecture string: unknown flag {token!r}, expected one '
                                 f'of {sorted(set(_FLAG_KEYS))}')
            key = _FLAG_KEYS[token]
            out[key] = []
            continue
        if key is None:
            raise ValueError(f'architecture string: value {token!r} before any flag '
                             "(expected '-ks ... -es ... -d ... -is N')")
        try:
            out[key].append(int(token))
        except ValueError:
            raise ValueError(f'architecture string: {key} value {token!r} is not an integer') \
                from None
    if 'resolution' in out:
        if len(out['resolution']) != 1:
            raise ValueError(f"architecture string: '-is' takes one value, got "
                             f"{out['resolution']}")
        out['resolution'] = out['resolution'][0]
    return out


def parse_arch(arch: Union[str, dict],
               ks_list: Sequence[int] = KS_LIST,
               expand_list: Sequence[int] = EXPAND_LIST,
               depth_list: Sequence[int] = DEPTH_LIST,
               resolutions: Optional[Sequence[int]] = None,
               num_stages: int = NUM_STAGES,
               max_depth: int = MAX_DEPTH) -> dict:
    """Validate a subnet and return ``dict(ks, e, d, resolution)`` with plain int lists.

    Args:
        arch: A dict with keys ``ks``, ``e`` (or ``es``), ``d`` and optionally ``resolution``
            (or ``is``), or a string in the official ``-ks -es -d -is`` notation.
        ks_list, expand_list, depth_list: Allowed values.
        resolutions: Allowed resolutions; ``None`` accepts any positive int.
        num_stages, max_depth: Shape of the space (20 slots by default).

    Raises:
        ValueError: one line naming the slot, the value and the allowed values.
    """
    if isinstance(arch, (list, tuple)) and arch and str(arch[0]).startswith('-'):
        # ['-ks', 3, 5, ...]: what ``--cfg-options model.subnet=-ks,3,5,...`` gives
        arch = ' '.join(str(t) for t in arch)
    if isinstance(arch, str):
        arch = _parse_string(arch)
    if not isinstance(arch, dict):
        raise TypeError(f'architecture must be a dict or a string, got {type(arch).__name__}')
    arch = dict(arch)
    if 'es' in arch:
        arch['e'] = arch.pop('es')
    if 'is' in arch:
        arch['resolution'] = arch.pop('is')
    n_slots = num_stages * max_depth
    out = {}
    for key, n, allowed, what in (('ks', n_slots, ks_list, 'kernel'),
                                  ('e', n_slots, expand_list, 'expand ratio'),
                                  ('d', num_stages, depth_list, 'depth')):
        if key not in arch:
            raise ValueError(f'architecture: missing {key!r} ({n} values from {list(allowed)})')
        values = arch[key]
        if isinstance(values, int):
            values = [values] * n
        values = list(values)
        if len(values) != n:
            raise ValueError(f'architecture: {key!r} needs {n} values, got {len(values)}')
        for i, v in enumerate(values):
            if v not in allowed:
                slot = f'stage {i}' if key == 'd' else f'slot {i} (stage {i // max_depth}, ' \
                    f'block {i % max_depth})'
                raise ValueError(f'architecture: {key} {slot}: {what} {v!r} is not one of '
                                 f'{list(allowed)}')
        out[key] = [int(v) for v in values]
    res = arch.get('resolution')
    if res is not None:
        if not isinstance(res, int) or res <= 0 or (resolutions is not None
                                                    and res not in resolutions):
            allowed = list(resolutions) if resolutions is not None else 'a positive int'
            raise ValueError(f'architecture: resolution {res!r} is not one of {allowed}')
    out['resolution'] = res
    return out


def arch_to_str(arch: dict) -> str:
    """The official ``-ks -es -d -is`` string of a subnet dict."""
    parts = ['-ks', *map(str, arch['ks']), '-es', *map(str, arch['e']), '-d',
             *map(str, arch['d'])]
    if arch.get('resolution') is not None:
        parts += ['-is', str(arch['resolution'])]
    return ' '.join(parts)


def out_size(size: int, stride: int) -> int:
    """Spatial size after a 'same'-padded conv with odd kernel: ceil(size / stride)."""
    return int(math.ceil(size / stride))


def block_specs(arch: dict,
                stem_channels: int = 16,
                first_channels: int = 16,
                stage_channels: Sequence[int] = STAGE_CHANNELS,
                stage_strides: Sequence[int] = STAGE_STRIDES,
                stage_acts: Sequence[str] = STAGE_ACTS,
                stage_se: Sequence[bool] = STAGE_SE,
                max_depth: int = MAX_DEPTH) -> List[dict]:
    """The active searchable blocks of a subnet, in order.

    Each entry: ``slot, stage, in_channels, out_channels, mid_channels, kernel_size, stride,
    act, se_channels (0 without SE), expand``.
    """
    specs = []
    in_ch = first_channels
    for s, (out_ch, stride, act, se) in enumerate(
            zip(stage_channels, stage_strides, stage_acts, stage_se)):
        for j in range(arch['d'][s]):
            slot = s * max_depth + j
            mid = mid_channels(in_ch, arch['e'][slot])
            specs.append(dict(slot=slot, stage=s, in_channels=in_ch, out_channels=out_ch,
                              mid_channels=mid, kernel_size=arch['ks'][slot],
                              stride=stride if j == 0 else 1, act=act,
                              se_channels=se_channels(mid) if se else 0,
                              expand=arch['e'][slot]))
            in_ch = out_ch
    return specs
