"""Dynamic (elastic) quantized layers of the OQA supernet and the static blocks they export to.

Section 2 of the OQA spec [CODE/OFA]: channel slicing for the elastic expand ratio (leading
channels), OFA's elastic kernel (one 7x7 depthwise weight; smaller kernels take the centre
crop and multiply it by the learnable "7to5" (25x25) and "5to3" (9x9) matrices, shared over
channels, chained 7 -> 5 -> 3), dynamic BN that slices weights and running statistics, and a
dynamic SE whose hidden width follows the active mid channels. The quantized tensor is the
active one (sliced and transformed), as in the official ``DynamicLSQ`` layers.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .arch import se_channels
from .lsq import LSQConv2d, LSQQuantizer, act_quantizer


def build_act(name: Optional[str]) -> nn.Module:
    if name == 'relu':
        return nn.ReLU(inplace=False)
    if name == 'h_swish':
        return nn.Hardswish()
    if name is None:
        return nn.Identity()
    raise ValueError(f'unknown activation {name!r}, expected relu, h_swish or None')


class DynamicLSQConv2d(nn.Module):
    """Pointwise (1x1) conv sliced to the input's channels and ``out_channels``, LSQ quantized.

    Args:
        max_in, max_out: Supernet channels.
        bits, grad_scale: See :class:`LSQQuantizer`.
        signed_act: Signed input quantizer (ours; default unsigned, official).
    """

    def __init__(self, max_in: int, max_out: int, bits: Optional[int] = 4,
                 grad_scale: str = 'batch', signed_act: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(max_out, max_in, 1, 1))
        nn.init.kaiming_normal_(self.weight, mode='fan_out')
        self.weight_quantizer = LSQQuantizer(bits, True, grad_scale)
        self.act_quantizer = act_quantizer(bits, grad_scale, signed_act)

    def active_weight(self, in_channels: int, out_channels: int) -> torch.Tensor:
        return self.weight[:out_channels, :in_channels]

    def forward(self, x: torch.Tensor, out_channels: int) -> torch.Tensor:
        w = self.weight_quantizer(self.active_weight(x.shape[1], out_channels))
        return F.conv2d(self.act_quantizer(x), w)


class DynamicLSQDWConv2d(nn.Module):
    """Depthwise conv with OFA's elastic kernel (transform mode 1: chained, shared matrices).

    Args:
        max_channels: Supernet channels.
        ks_list: Allowed kernel sizes (odd); the weight has the largest.
        stride: Stride.
        bits, grad_scale: See :class:`LSQQuantizer`.
        signed_act: Signed input quantizer (ours; default unsigned, official).
    """

    def __init__(self, max_channels: int, ks_list: Sequence[int], stride: int = 1,
                 bits: Optional[int] = 4, grad_scale: str = 'batch',
                 signed_act: bool = False) -> None:
        super().__init__()
        self.ks_list = sorted(set(ks_list))
        self.max_ks = self.ks_list[-1]
        self.stride = stride
        self.weight = nn.Parameter(torch.empty(max_channels, 1, self.max_ks, self.max_ks))
        nn.init.kaiming_normal_(self.weight, mode='fan_out')
        for src, dst in zip(self.ks_list[::-1][:-1], self.ks_list[::-1][1:]):
            # identity init, as OFA's '%dto%d_matrix'
            self.register_parameter(f'{src}to{dst}_matrix', nn.Parameter(torch.eye(dst * dst)))
        self.weight_quantizer = LSQQuantizer(bits, True, grad_scale)
        self.act_quantizer = act_quantizer(bits, grad_scale, signed_act)

    def active_weight(self, channels: int, ks: int) -> torch.Tensor:
        """OFA ``get_active_filter``: centre crops chained through the transform matrices."""
        if ks not in self.ks_list:
            raise ValueError(f'kernel size {ks} is not one of {self.ks_list}')
        w = self.weight[:channels]
        src = self.max_ks
        for dst in self.ks_list[::-1][1:]:
            if dst < ks:
                break
            start = (src - dst) // 2
            crop = w[:, :, start:start + dst, start:start + dst].contiguous()
            crop = crop.view(crop.shape[0], crop.shape[1], dst * dst)
            crop = F.linear(crop, getattr(self, f'{src}to{dst}_matrix'))
            w = crop.view(crop.shape[0], crop.shape[1], dst, dst)
            src = dst
        return w

    def forward(self, x: torch.Tensor, ks: int) -> torch.Tensor:
        channels = x.shape[1]
        w = self.weight_quantizer(self.active_weight(channels, ks))
        return F.conv2d(self.act_quantizer(x), w, None, self.stride, ks // 2, 1, channels)


class DynamicBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d over the leading ``C`` channels of its parameters and running statistics.

    Sliced running statistics are updated in place (views), as in OFA.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        if c == self.num_features:
            return super().forward(x)
        factor = 0.0
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            factor = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                      else self.momentum)
        use_batch = self.training or self.running_mean is None
        return F.batch_norm(
            x, self.running_mean[:c] if not self.training or self.track_running_stats else None,
            self.running_var[:c] if not self.training or self.track_running_stats else None,
            self.weight[:c], self.bias[:c], use_batch, factor, self.eps)


class DynamicSE(nn.Module):
    """Squeeze-excitation (FP) whose hidden width is ``make_divisible(active_mid // 4, 8)``."""

    def __init__(self, max_channels: int) -> None:
        super().__init__()
        hidden = se_channels(max_channels)
        self.reduce = nn.Conv2d(max_channels, hidden, 1, bias=True)
        self.expand = nn.Conv2d(hidden, max_channels, 1, bias=True)

    def active_params(self, channels: int):
        se = se_channels(channels)
        return (self.reduce.weight[:se, :channels], self.reduce.bias[:se],
                self.expand.weight[:channels, :se], self.expand.bias[:channels])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rw, rb, ew, eb = self.active_params(x.shape[1])
        y = x.mean((2, 3), keepdim=True)
        y = F.relu(F.conv2d(y, rw, rb))
        y = F.hardsigmoid(F.conv2d(y, ew, eb))
        return x * y


class DynamicMBBlock(nn.Module):
    """Elastic MBConv block: 1x1 expand, kxk depthwise, optional SE, 1x1 linear project.

    Args:
        in_channels, out_channels: Fixed block channels.
        stride: Depthwise stride.
        act: ``'relu'`` or ``'h_swish'``.
        use_se: Squeeze-excitation after the depthwise conv.
        ks_list, expand_list: Elastic choices.
        bits, grad_scale: Quantizer settings.
        signed_act: Signed input quantizer for the 1x1 expand conv, whose input is the previous
            block's linear output (ours; default unsigned, official). The depthwise and project
            convs see activation outputs and stay unsigned.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, act: str,
                 use_se: bool, ks_list: Sequence[int], expand_list: Sequence[int],
                 bits: Optional[int] = 4, grad_scale: str = 'batch',
                 signed_act: bool = False) -> None:
        super().__init__()
        from .arch import mid_channels
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.act_name, self.use_se = act, use_se
        self.max_mid = mid_channels(in_channels, max(expand_list))
        self.expand_conv = DynamicLSQConv2d(in_channels, self.max_mid, bits, grad_scale,
                                            signed_act)
        self.expand_bn = DynamicBatchNorm2d(self.max_mid)
        self.dw_conv = DynamicLSQDWConv2d(self.max_mid, ks_list, stride, bits, grad_scale)
        self.dw_bn = DynamicBatchNorm2d(self.max_mid)
        self.act = build_act(act)
        self.se = DynamicSE(self.max_mid) if use_se else None
        self.project_conv = DynamicLSQConv2d(self.max_mid, out_channels, bits, grad_scale)
        self.project_bn = DynamicBatchNorm2d(out_channels)
        self.residual = stride == 1 and in_channels == out_channels
        self.active_ks = max(ks_list)
        self.active_expand = max(expand_list)

    @property
    def active_mid(self) -> int:
        from .arch import mid_channels
        return mid_channels(self.in_channels, self.active_expand)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.expand_bn(self.expand_conv(x, self.active_mid)))
        y = self.act(self.dw_bn(self.dw_conv(y, self.active_ks)))
        if self.se is not None:
            y = self.se(y)
        y = self.project_bn(self.project_conv(y, self.out_channels))
        return x + y if self.residual else y


class StaticSE(nn.Module):
    """Squeeze-excitation with fixed widths (exported from :class:`DynamicSE`)."""

    def __init__(self, channels: int, hidden: int) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, hidden, 1, bias=True)
        self.expand = nn.Conv2d(hidden, channels, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.reduce(x.mean((2, 3), keepdim=True)))
        return x * F.hardsigmoid(self.expand(y))


class StaticMBBlock(nn.Module):
    """MBConv block with fixed kernel and channels, LSQ-quantized convs.

    ``mid_channels == in_channels`` with ``expand=False`` gives OFA's first block (no 1x1
    expand conv). ``signed_act`` applies to the expand conv only (see
    :class:`DynamicMBBlock`).
    """

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int,
                 kernel_size: int, stride: int, act: str, se_channels: int = 0,
                 expand: bool = True, bits: Optional[int] = 4,
                 grad_scale: str = 'batch', signed_act: bool = False) -> None:
        super().__init__()
        q = dict(bits=bits, grad_scale=grad_scale)
        if expand:  # signed_act: only the expand conv sees a linear (block output) input
            self.expand_conv = LSQConv2d(in_channels, mid_channels, 1, bias=False,
                                         signed_act=signed_act, **q)
            self.expand_bn = nn.BatchNorm2d(mid_channels)
        else:
            self.expand_conv = self.expand_bn = None
        self.dw_conv = LSQConv2d(mid_channels, mid_channels, kernel_size, stride,
                                 kernel_size // 2, groups=mid_channels, bias=False, **q)
        self.dw_bn = nn.BatchNorm2d(mid_channels)
        self.act = build_act(act)
        self.se = StaticSE(mid_channels, se_channels) if se_channels else None
        self.project_conv = LSQConv2d(mid_channels, out_channels, 1, bias=False, **q)
        self.project_bn = nn.BatchNorm2d(out_channels)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.expand_conv is not None:
            y = self.act(self.expand_bn(self.expand_conv(y)))
        y = self.act(self.dw_bn(self.dw_conv(y)))
        if self.se is not None:
            y = self.se(y)
        y = self.project_bn(self.project_conv(y))
        return x + y if self.residual else y


def copy_bn(dst: nn.BatchNorm2d, src: nn.BatchNorm2d, c: int) -> None:
    """Copy the leading ``c`` channels of a (dynamic) BN into a static BN."""
    with torch.no_grad():
        dst.weight.copy_(src.weight[:c])
        dst.bias.copy_(src.bias[:c])
        dst.running_mean.copy_(src.running_mean[:c])
        dst.running_var.copy_(src.running_var[:c])
        dst.num_batches_tracked.copy_(src.num_batches_tracked)
    dst.eps, dst.momentum = src.eps, src.momentum


def copy_quantizers(dst: LSQConv2d, src: nn.Module) -> None:
    """Copy ``s_w``, ``s_a`` and their init flags (shared by all subnets)."""
    dst.weight_quantizer.load_state_dict(src.weight_quantizer.state_dict())
    dst.act_quantizer.load_state_dict(src.act_quantizer.state_dict())
