"""OQA MobileNetV3: the elastic quantized supernet and the static subnet it exports.

Paper: OQA (arXiv 2010.04354); space and layers from OFA (arXiv 1908.09791), section 2-3 of
the OQA spec. The stem conv stays FP; every other conv (block convs, final expand, feature mix)
is LSQ-quantized with ``bits`` for weights and inputs; the SE convs, BN and the classifier
(the mmpretrain head) stay FP.

Both backbones return ``(feature_mix output,)`` of shape ``(N, feature_mix_channels, 1, 1)``;
the config adds ``GlobalAveragePooling`` and a ``LinearClsHead`` (OFA's classifier dropout of
0.1 is not in ``LinearClsHead``; our choice [D]).

The channel arguments default to ImageNet width 1.0; the tiny ``digits`` configs pass smaller
ones (a reduced-width supernet of the same structure).
"""
import random
from typing import List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from .arch import (DEPTH_LIST, EXPAND_LIST, KS_LIST, MAX_DEPTH, RESOLUTIONS, STAGE_ACTS,
                   STAGE_CHANNELS, STAGE_SE, STAGE_STRIDES, arch_to_str, block_specs,
                   parse_arch)
from .lsq import LSQConv2d
from .ops import (DynamicMBBlock, StaticMBBlock, copy_bn, copy_quantizers)


class _OQABase(BaseModule):
    """Stem (FP), first block, head convs: shared by the supernet and the static net."""

    def _build_common(self, stem_channels, first_channels, stage_channels,
                      final_expand_channels, feature_mix_channels, bits, grad_scale, in_channels,
                      signed_act=False):
        q = dict(bits=bits, grad_scale=grad_scale)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, stem_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(stem_channels), nn.Hardswish())
        self.first_block = StaticMBBlock(stem_channels, first_channels, stem_channels, 3, 1,
                                         'relu', 0, expand=False, **q)
        # signed_act: final_expand's input is the last block's linear output
        self.final_expand = LSQConv2d(stage_channels[-1], final_expand_channels, 1,
                                      bias=False, signed_act=signed_act, **q)
        self.final_expand_bn = nn.BatchNorm2d(final_expand_channels)
        self.feature_mix = LSQConv2d(final_expand_channels, feature_mix_channels, 1,
                                     bias=False, **q)
        self.act = nn.Hardswish()

    def _head(self, x: torch.Tensor) -> tuple:
        x = self.act(self.final_expand_bn(self.final_expand(x)))
        x = x.mean((2, 3), keepdim=True)  # flatten-safe at batch 1 (no squeeze)
        return (self.act(self.feature_mix(x)), )


def _check_bits(bits):
    if bits is not None and (not isinstance(bits, int) or bits < 1):
        raise ValueError(f'bits must be a positive int (4, 3, 2, ...) or None for FP, got '
                         f'{bits!r}')


@MODELS.register_module()
class OQAMobileNetV3Supernet(_OQABase):
    """Quantized once-for-all MobileNetV3 supernet (one uniform bit-width).

    Args:
        bits: Weight/activation bits of every quantized conv (4, 3, 2; ``None``: FP).
        ks_list, expand_list, depth_list: Elastic choices (OFA: 3/5/7, 3/4/6, 2/3/4).
        resolutions: Resolutions the sampler draws from (OFA: 128..224 step 4).
        stem_channels, first_channels, stage_channels, final_expand_channels,
            feature_mix_channels: Widths (ImageNet w1.0 by default).
        grad_scale: LSQ step-gradient convention (``'batch'`` official, ``'sample'``, ``'none'``).
        signed_act: Quantize the linear-bottleneck inputs (block outputs, the input of every
            block's 1x1 expand conv and of final_expand) with the signed range (ours, **not**
            the paper's; default ``False``: unsigned, as the official code, which clips their
            negative values to 0). The convs after an activation stay unsigned.
        in_channels: Image channels.
        init_cfg: mmengine init config.

    Example:
        >>> net = OQAMobileNetV3Supernet(bits=4)
        >>> arch = net.sample_subnet('random')   # also sets it
        >>> static = net.export_subnet()         # OQAMobileNetV3 with the same weights
    """

    def __init__(self, bits: Optional[int] = 4,
                 ks_list: Sequence[int] = KS_LIST,
                 expand_list: Sequence[int] = EXPAND_LIST,
                 depth_list: Sequence[int] = DEPTH_LIST,
                 resolutions: Sequence[int] = RESOLUTIONS,
                 stem_channels: int = 16,
                 first_channels: int = 16,
                 stage_channels: Sequence[int] = STAGE_CHANNELS,
                 final_expand_channels: int = 960,
                 feature_mix_channels: int = 1280,
                 grad_scale: str = 'batch',
                 signed_act: bool = False,
                 in_channels: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        _check_bits(bits)
        if len(stage_channels) != 5:
            raise ValueError(f'stage_channels needs 5 widths, got {list(stage_channels)}')
        for name, values in (('ks_list', ks_list), ('expand_list', expand_list),
                             ('depth_list', depth_list), ('resolutions', resolutions)):
            if not values or any(not isinstance(v, int) or v < 1 for v in values):
                raise ValueError(f'{name} must be a non-empty list of positive ints, got '
                                 f'{list(values)}')
        if any(k % 2 == 0 for k in ks_list):
            raise ValueError(f'ks_list must hold odd kernel sizes, got {list(ks_list)}')
        if max(depth_list) > MAX_DEPTH:
            raise ValueError(f'depth_list values must be <= {MAX_DEPTH}, got {list(depth_list)}')
        self.bits = bits
        self.ks_list, self.expand_list = sorted(ks_list), sorted(expand_list)
        self.depth_list, self.resolutions = sorted(depth_list), sorted(resolutions)
        self.grad_scale = grad_scale
        self.signed_act = signed_act
        self.widths = dict(stem_channels=stem_channels, first_channels=first_channels,
                           stage_channels=list(stage_channels),
                           final_expand_channels=final_expand_channels,
                           feature_mix_channels=feature_mix_channels, in_channels=in_channels)
        self._build_common(stem_channels, first_channels, stage_channels, final_expand_channels,
                           feature_mix_channels, bits, grad_scale, in_channels, signed_act)
        # only the slots a subnet can reach (j < max depth) get a block
        blocks, self.block_slots = [], []
        in_ch = first_channels
        for s, out_ch in enumerate(stage_channels):
            for j in range(self.depth_list[-1]):
                blocks.append(DynamicMBBlock(
                    in_ch, out_ch, STAGE_STRIDES[s] if j == 0 else 1, STAGE_ACTS[s],
                    STAGE_SE[s], self.ks_list, self.expand_list, bits, grad_scale, signed_act))
                self.block_slots.append(s * MAX_DEPTH + j)
                in_ch = out_ch
        self.blocks = nn.ModuleList(blocks)
        self.active_arch = None
        self.set_subnet(self.max_subnet())

    # ---------------------------------------------------------------- subnet API
    def arch_space(self) -> dict:
        """The choices: ``ks``/``e`` per slot, ``d`` per stage, ``resolution``."""
        return dict(ks=list(self.ks_list), e=list(self.expand_list), d=list(self.depth_list),
                    resolution=list(self.resolutions), slots=5 * MAX_DEPTH, stages=5)

    def max_subnet(self) -> dict:
        n = 5 * MAX_DEPTH
        return dict(ks=[self.ks_list[-1]] * n, e=[self.expand_list[-1]] * n,
                    d=[self.depth_list[-1]] * 5, resolution=self.resolutions[-1])

    def min_subnet(self) -> dict:
        n = 5 * MAX_DEPTH
        return dict(ks=[self.ks_list[0]] * n, e=[self.expand_list[0]] * n,
                    d=[self.depth_list[0]] * 5, resolution=self.resolutions[0])

    def random_subnet(self, rng: Optional[random.Random] = None) -> dict:
        """Uniform per-block ks/e, per-stage d and resolution (OFA ``sample_active_subnet``)."""
        rng = rng or random
        n = 5 * MAX_DEPTH
        return dict(ks=[rng.choice(self.ks_list) for _ in range(n)],
                    e=[rng.choice(self.expand_list) for _ in range(n)],
                    d=[rng.choice(self.depth_list) for _ in range(5)],
                    resolution=rng.choice(self.resolutions))

    def parse(self, arch: Union[str, dict]) -> dict:
        """Validate ``arch`` against this supernet's lists (one-line ValueError)."""
        arch = parse_arch(arch, self.ks_list, self.expand_list, self.depth_list,
                          self.resolutions)
        if arch['resolution'] is None:
            arch['resolution'] = self.resolutions[-1]
        return arch

    def set_subnet(self, arch: Union[str, dict]) -> dict:
        """Activate a subnet (dict or ``-ks -es -d -is`` string); returns the parsed dict."""
        arch = self.parse(arch)
        for slot, block in zip(self.block_slots, self.blocks):
            block.active_ks = arch['ks'][slot]
            block.active_expand = arch['e'][slot]
        self.active_arch = arch
        return arch

    def sample_subnet(self, mode: str = 'random', rng: Optional[random.Random] = None) -> dict:
        """Set and return a ``'max'``, ``'min'`` or ``'random'`` subnet."""
        if mode == 'max':
            arch = self.max_subnet()
        elif mode == 'min':
            arch = self.min_subnet()
        elif mode == 'random':
            arch = self.random_subnet(rng)
        else:
            raise ValueError(f"sample_subnet: mode must be 'max', 'min' or 'random', got "
                             f'{mode!r}')
        return self.set_subnet(arch)

    def active_blocks(self) -> List[DynamicMBBlock]:
        d = self.active_arch['d']
        return [b for slot, b in zip(self.block_slots, self.blocks)
                if slot % MAX_DEPTH < d[slot // MAX_DEPTH]]

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.first_block(self.stem(x))
        for block in self.active_blocks():
            x = block(x)
        return self._head(x)

    # ---------------------------------------------------------------- export
    @torch.no_grad()
    def export_subnet(self) -> 'OQAMobileNetV3':
        """The active subnet as a static :class:`OQAMobileNetV3` with the same weights.

        Uses the same ``active_weight`` logic as the forward (kernel transform, slicing),
        copies BN statistics and the LSQ steps. Same device and dtype as the supernet.
        """
        static = OQAMobileNetV3(self.active_arch, bits=self.bits, grad_scale=self.grad_scale,
                                signed_act=self.signed_act,
                                ks_list=self.ks_list, expand_list=self.expand_list,
                                depth_list=self.depth_list, **self.widths)
        p = next(self.parameters())
        static.to(device=p.device, dtype=p.dtype)
        static.stem.load_state_dict(self.stem.state_dict())
        static.first_block.load_state_dict(self.first_block.state_dict())
        for name in ('final_expand', 'final_expand_bn', 'feature_mix'):
            getattr(static, name).load_state_dict(getattr(self, name).state_dict())
        for dyn, st in zip(self.active_blocks(), static.blocks):
            mid = dyn.active_mid
            st.expand_conv.weight.copy_(dyn.expand_conv.active_weight(dyn.in_channels, mid))
            copy_quantizers(st.expand_conv, dyn.expand_conv)
            copy_bn(st.expand_bn, dyn.expand_bn, mid)
            st.dw_conv.weight.copy_(dyn.dw_conv.active_weight(mid, dyn.active_ks))
            copy_quantizers(st.dw_conv, dyn.dw_conv)
            copy_bn(st.dw_bn, dyn.dw_bn, mid)
            if dyn.se is not None:
                rw, rb, ew, eb = dyn.se.active_params(mid)
                st.se.reduce.weight.copy_(rw)
                st.se.reduce.bias.copy_(rb)
                st.se.expand.weight.copy_(ew)
                st.se.expand.bias.copy_(eb)
            st.project_conv.weight.copy_(dyn.project_conv.active_weight(mid, dyn.out_channels))
            copy_quantizers(st.project_conv, dyn.project_conv)
            copy_bn(st.project_bn, dyn.project_bn, dyn.out_channels)
        static.train(self.training)
        return static


@MODELS.register_module()
class OQAMobileNetV3(_OQABase):
    """Static quantized MobileNetV3 of one OQA subnet (deployment).

    Args:
        arch: Subnet as a dict or the official ``-ks ... -es ... -d ... -is N`` string; an
            invalid kernel, expand ratio or depth raises a one-line ``ValueError`` naming the
            slot, the value and the allowed values.
        bits, grad_scale, signed_act: Quantizer settings (as the supernet).
        ks_list, expand_list, depth_list: Allowed values for validating ``arch``.
        stem_channels ... in_channels: Widths, as the supernet.
        init_cfg: mmengine init config.
    """

    def __init__(self, arch: Union[str, dict],
                 bits: Optional[int] = 4,
                 ks_list: Sequence[int] = KS_LIST,
                 expand_list: Sequence[int] = EXPAND_LIST,
                 depth_list: Sequence[int] = DEPTH_LIST,
                 stem_channels: int = 16,
                 first_channels: int = 16,
                 stage_channels: Sequence[int] = STAGE_CHANNELS,
                 final_expand_channels: int = 960,
                 feature_mix_channels: int = 1280,
                 grad_scale: str = 'batch',
                 signed_act: bool = False,
                 in_channels: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        _check_bits(bits)
        self.arch = parse_arch(arch, ks_list, expand_list, depth_list)
        self.bits = bits
        self._build_common(stem_channels, first_channels, stage_channels, final_expand_channels,
                           feature_mix_channels, bits, grad_scale, in_channels, signed_act)
        specs = block_specs(self.arch, stem_channels, first_channels, stage_channels,
                            STAGE_STRIDES, STAGE_ACTS, STAGE_SE)
        self.blocks = nn.ModuleList(
            StaticMBBlock(s['in_channels'], s['out_channels'], s['mid_channels'],
                          s['kernel_size'], s['stride'], s['act'], s['se_channels'],
                          bits=bits, grad_scale=grad_scale, signed_act=signed_act)
            for s in specs)

    @property
    def arch_str(self) -> str:
        return arch_to_str(self.arch)

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.first_block(self.stem(x))
        for block in self.blocks:
            x = block(x)
        return self._head(x)
