"""FP MACs, parameters, BitOPs and equivalent FLOPs of OQA subnets (official counting rules).

Section 6 of the OQA spec [CODE ``profile_quant`` + CALC against the official README]:

* MACs = Cin/groups * k^2 * Cout * Hout * Wout per conv, in * out per Linear; BN, activations,
  pooling and the SE multiply are not counted; the SE 1x1 convs count (at 1x1) as FP;
* "FLOPs" in the README are full-precision MACs of the whole subnet (quantized convs at full
  MACs); "Params" are FP parameter counts including BN affine parameters, biases and the two
  LSQ scalars (``s_w``, ``s_a``) of every quantized conv;
* BitOPs = sum over quantized convs of MACs * b_w * b_a; equivalent FLOPs = FP-layer MACs +
  quantized MACs * b_w * b_a / 64.

:func:`count_subnet` counts analytically from an architecture; :func:`count_macs_bitops`
counts any ``nn.Module`` with forward hooks (quantized convs are the :class:`LSQConv2d`
modules), so the two can be checked against each other.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from .arch import (DEPTH_LIST, EXPAND_LIST, KS_LIST, STAGE_ACTS, STAGE_CHANNELS, STAGE_SE, STAGE_STRIDES, block_specs,
                   out_size, parse_arch)


def _conv(cin: int, cout: int, k: int, groups: int, h: int, w: int, bias: bool) -> Tuple[int,
                                                                                          int]:
    macs = cin // groups * k * k * cout * h * w
    params = cin // groups * k * k * cout + (cout if bias else 0)
    return macs, params


def count_subnet(arch: Union[str, dict],
                 bits: Optional[int] = 4,
                 resolution: Optional[int] = None,
                 stem_channels: int = 16,
                 first_channels: int = 16,
                 stage_channels: Sequence[int] = STAGE_CHANNELS,
                 stage_strides: Sequence[int] = STAGE_STRIDES,
                 stage_se: Sequence[bool] = STAGE_SE,
                 final_expand_channels: int = 960,
                 feature_mix_channels: int = 1280,
                 num_classes: int = 1000,
                 in_channels: int = 3,
                 ks_list: Sequence[int] = KS_LIST,
                 expand_list: Sequence[int] = EXPAND_LIST,
                 depth_list: Sequence[int] = DEPTH_LIST) -> Dict[str, float]:
    """Count one subnet analytically.

    Args:
        arch: Subnet dict or ``-ks -es -d -is`` string (see :func:`parse_arch`).
        bits: Weight and activation bits of the quantized convs (``None``: full precision,
            no LSQ scalars, BitOPs at 32x32).
        resolution: Input side; defaults to the arch's ``resolution``.
        stem_channels ... in_channels: Shape of the network (defaults: OFA MobileNetV3 w1.0,
            ImageNet).
        ks_list, expand_list, depth_list: Allowed values when validating ``arch``.

    Returns:
        ``dict(fp_macs, params, bitops, eq_flops, q_macs, fp_layer_macs)`` as plain numbers
        (not millions).
    """
    arch = parse_arch(arch, ks_list, expand_list, depth_list, num_stages=len(stage_channels))
    res = resolution if resolution is not None else arch['resolution']
    if res is None:
        raise ValueError('count_subnet: no resolution given and none in the architecture')
    qb = 32 if bits is None else bits
    lsq = 0 if bits is None else 2
    fp_macs = fp_params = q_macs = q_params = 0

    def add(m_p, quant, bn_channels=0):
        nonlocal fp_macs, fp_params, q_macs, q_params
        macs, params = m_p
        if quant:
            q_macs += macs
            q_params += params + lsq
        else:
            fp_macs += macs
            fp_params += params
        fp_params += 2 * bn_channels

    h = out_size(res, 2)
    add(_conv(in_channels, stem_channels, 3, 1, h, h, False), False, stem_channels)
    # first block: depthwise 3x3 (expand 1) + pointwise linear, both quantized
    add(_conv(stem_channels, stem_channels, 3, stem_channels, h, h, False), True, stem_channels)
    add(_conv(stem_channels, first_channels, 1, 1, h, h, False), True, first_channels)
    for spec in block_specs(arch, stem_channels, first_channels, stage_channels, stage_strides,
                            STAGE_ACTS[:len(stage_channels)], stage_se):
        cin, mid, cout, k = (spec['in_channels'], spec['mid_channels'], spec['out_channels'],
                             spec['kernel_size'])
        add(_conv(cin, mid, 1, 1, h, h, False), True, mid)
        h = out_size(h, spec['stride'])
        add(_conv(mid, mid, k, mid, h, h, False), True, mid)
        if spec['se_channels']:
            se = spec['se_channels']
            add(_conv(mid, se, 1, 1, 1, 1, True), False)
            add(_conv(se, mid, 1, 1, 1, 1, True), False)
        add(_conv(mid, cout, 1, 1, h, h, False), True, cout)
    add(_conv(stage_channels[-1], final_expand_channels, 1, 1, h, h, False), True,
        final_expand_channels)
    add(_conv(final_expand_channels, feature_mix_channels, 1, 1, 1, 1, False), True)
    add((feature_mix_channels * num_classes, feature_mix_channels * num_classes + num_classes),
        False)
    return dict(fp_macs=fp_macs + q_macs, params=fp_params + q_params,
                bitops=q_macs * qb * qb, eq_flops=fp_macs + q_macs * qb * qb / 64,
                q_macs=q_macs, fp_layer_macs=fp_macs)


def count_macs_bitops(model: nn.Module, input_shape: Sequence[int]) -> Dict[str, float]:
    """Count a module by running it once on zeros of ``input_shape`` (batch 1 recommended).

    Convs that are :class:`~projects.oqa.lsq.LSQConv2d` with bits set count as quantized;
    every other ``nn.Conv2d`` and every ``nn.Linear`` as FP. Parameters are all the module's
    parameters (``model.parameters()``), which for a static OQA net matches the README rule.
    """
    from .lsq import LSQConv2d
    totals = dict(fp=0, q=0, bitops=0.0)
    hooks = []

    def conv_hook(mod, inp, out):
        macs = mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1] * \
            out.shape[1] * out.shape[2] * out.shape[3] * out.shape[0]
        if isinstance(mod, LSQConv2d) and mod.bits is not None:
            totals['q'] += macs
            totals['bitops'] += macs * mod.bits * mod.bits
        else:
            totals['fp'] += macs

    def linear_hook(mod, inp, out):
        totals['fp'] += mod.in_features * mod.out_features * out.numel() // out.shape[-1]

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    try:
        p = next(model.parameters())
        with torch.no_grad():
            model(torch.zeros(*input_shape, dtype=p.dtype))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return dict(fp_macs=totals['fp'] + totals['q'],
                params=sum(p.numel() for p in model.parameters()),
                bitops=totals['bitops'], q_macs=totals['q'], fp_layer_macs=totals['fp'],
                eq_flops=totals['fp'] + totals['bitops'] / 64)
