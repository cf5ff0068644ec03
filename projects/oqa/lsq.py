"""LSQ quantizers (per-tensor, uniform bit-width) and a static LSQ conv.

Paper: OQA (arXiv 2010.04354) quantizes with LSQ (Esser et al., arXiv 1902.08153). Section 3
of the OQA spec [CODE]:

* weights signed, ``Qn = -2^(b-1)``, ``Qp = 2^(b-1) - 1`` (b = 1: ``sign()``, Qp = 1);
  activations (the conv *input*) unsigned, ``Qn = 0``, ``Qp = 2^b - 1``, so negative inputs
  become 0;
* forward ``round(clip(x / |s|, Qn, Qp)) * |s|``; straight-through round; the step gradient is
  scaled by ``g = 1 / sqrt(numel * Qp)`` with the "(s - s g).detach() + s g" trick;
* data-driven init on the first training forward: ``s = 2 mean|x| / sqrt(Qp)``, all-reduced
  (mean) over ranks in distributed runs (a TODO in the official code; done here).

``grad_scale`` selects ``numel``: ``'batch'`` = the whole active tensor (official code),
``'sample'`` = per-sample feature count for activations (LSQ paper), ``'none'`` = g = 1.

``signed_act`` (ours, **not** the paper's; default ``False`` = the official unsigned inputs):
quantize a conv input with the signed range ``[-2^(b-1), 2^(b-1) - 1]`` like the weights, so
negative inputs are kept instead of clipped to 0 (the OQA backbones use it only for the
linear-bottleneck inputs; the generic transform for every quantized conv).

Numerical guard (ours): the step used is ``max(|s|, 1e-8)``, so a step driven to 0 by the
optimizer cannot divide by zero.
"""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce
from mmpretrain.registry import MODELS
from torch import nn

GRAD_SCALES = ('batch', 'sample', 'none')
MIN_STEP = 1e-8  # numerical guard: |s| below this is used as this


def grad_scale(x: torch.Tensor, scale: float) -> torch.Tensor:
    """Identity forward, gradient multiplied by ``scale``."""
    y = x * scale
    return (x - y).detach() + y


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """Round forward, identity gradient (straight-through)."""
    return (x.round() - x).detach() + x


def lsq_quantize(x: torch.Tensor, step: torch.Tensor, qn: int, qp: int,
                 g: float) -> torch.Tensor:
    """``round(clip(x / |s|, qn, qp)) * |s|`` with STE round and step gradient scaled by g."""
    s = grad_scale(step.abs().clamp_min(MIN_STEP), g)
    return round_ste(torch.clamp(x / s, qn, qp)) * s


def quant_range(bits: int, signed: bool):
    """``(Qn, Qp)`` of a b-bit signed (weights) or unsigned (activations) quantizer."""
    if signed:
        if bits == 1:
            return -1, 1
        return -2 ** (bits - 1), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1


class LSQQuantizer(nn.Module):
    """One learnable per-tensor step ``s`` (``step``) and the data-init flag (``initialized``).

    Args:
        bits: Bit-width; ``None`` disables quantization (identity), which keeps the state-dict
            keys so a FP model loads into a quantized one.
        signed: Signed range ``[-2^(b-1), 2^(b-1) - 1]`` (weights) or unsigned ``[0, 2^b - 1]``
            (the official activations).
        grad_scale: ``'batch'`` (official), ``'sample'`` (LSQ paper) or ``'none'``.
        act: Whether it quantizes activations (``'sample'`` then divides ``numel`` by the batch
            size); default ``not signed``. A signed activation quantizer (``signed_act``,
            ours) passes ``signed=True, act=True``.
    """

    def __init__(self, bits: Optional[int] = 4, signed: bool = True,
                 grad_scale: str = 'batch', act: Optional[bool] = None) -> None:
        super().__init__()
        if bits is not None and (not isinstance(bits, int) or bits < 1):
            raise ValueError(f'LSQQuantizer: bits must be a positive int or None, got {bits!r}')
        if grad_scale not in GRAD_SCALES:
            raise ValueError(f'LSQQuantizer: grad_scale must be one of {GRAD_SCALES}, '
                             f'got {grad_scale!r}')
        self.bits = bits
        self.signed = signed
        self.act = (not signed) if act is None else bool(act)
        self.grad_scale = grad_scale
        self.step = nn.Parameter(torch.tensor(1.0))
        self.register_buffer('initialized', torch.tensor(0, dtype=torch.uint8))

    @property
    def qn(self) -> int:
        return quant_range(self.bits, self.signed)[0]

    @property
    def qp(self) -> int:
        return quant_range(self.bits, self.signed)[1]

    def extra_repr(self) -> str:
        return (f'bits={self.bits}, signed={self.signed}, act={self.act}, '
                f'grad_scale={self.grad_scale!r}')

    @torch.no_grad()
    def init_from(self, x: torch.Tensor) -> None:
        """Data init ``s = 2 mean|x| / sqrt(Qp)``, mean over ranks, and set the flag."""
        value = (2 * x.detach().abs().mean() / math.sqrt(self.qp)).to(self.step.dtype)
        value = value.reshape(()).clone()
        all_reduce(value, op='mean')
        self.step.copy_(value)
        self.initialized.fill_(1)

    def scale_for(self, x: torch.Tensor) -> float:
        if self.grad_scale == 'none':
            return 1.0
        numel = x.numel()
        if self.grad_scale == 'sample' and self.act and x.dim() > 1:
            numel = numel // x.shape[0]
        return 1.0 / math.sqrt(numel * self.qp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bits is None:
            return x
        if self.training and not bool(self.initialized):
            self.init_from(x)
        g = self.scale_for(x)
        if self.signed and self.bits == 1:
            # b = 1: sign() with a straight-through gradient inside [-1, 1]
            s = grad_scale(self.step.abs().clamp_min(MIN_STEP), g)
            xs = torch.clamp(x / s, -1, 1)
            return ((torch.sign(xs) - xs).detach() + xs) * s
        return lsq_quantize(x, self.step, self.qn, self.qp, g)


def act_quantizer(bits: Optional[int], grad_scale: str = 'batch',
                  signed_act: bool = False) -> LSQQuantizer:
    """The input quantizer of a conv: unsigned (official) or signed (``signed_act``, ours)."""
    if not isinstance(signed_act, bool):
        raise TypeError(f'signed_act must be a bool, got {signed_act!r}')
    return LSQQuantizer(bits, signed=signed_act, grad_scale=grad_scale, act=True)


@MODELS.register_module()
class LSQConv2d(nn.Conv2d):
    """``nn.Conv2d`` whose weight and input go through LSQ quantizers of the same ``bits``.

    Args:
        *args, **kwargs: As ``nn.Conv2d``.
        bits: Bits of weights and input activations (``None``: full precision).
        grad_scale: See :class:`LSQQuantizer`.
        signed_act: Signed input quantizer (ours; default ``False``: unsigned, official).
    """

    def __init__(self, *args, bits: Optional[int] = 4, grad_scale: str = 'batch',
                 signed_act: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.bits = bits
        self.weight_quantizer = LSQQuantizer(bits, signed=True, grad_scale=grad_scale)
        self.act_quantizer = act_quantizer(bits, grad_scale, signed_act)

    def set_bits(self, bits: Optional[int]) -> None:
        self.bits = self.weight_quantizer.bits = self.act_quantizer.bits = bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight_quantizer(self.weight)
        x = self.act_quantizer(x)
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)

    @classmethod
    def from_conv(cls, conv: nn.Conv2d, bits: Optional[int] = 4,
                  grad_scale: str = 'batch', signed_act: bool = False) -> 'LSQConv2d':
        """A quantized copy of ``conv`` (same weights, same device and dtype)."""
        if conv.padding_mode != 'zeros':
            raise ValueError(f'LSQConv2d.from_conv: padding_mode {conv.padding_mode!r} is not '
                             "supported (only 'zeros')")
        new = cls(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                  conv.padding, conv.dilation, conv.groups, conv.bias is not None,
                  bits=bits, grad_scale=grad_scale, signed_act=signed_act)
        new.to(device=conv.weight.device, dtype=conv.weight.dtype)
        with torch.no_grad():
            new.weight.copy_(conv.weight)
            if conv.bias is not None:
                new.bias.copy_(conv.bias)
        return new


def lsq_quantizers(model: nn.Module):
    """All :class:`LSQQuantizer` modules of ``model``."""
    return [m for m in model.modules() if isinstance(m, LSQQuantizer)]
