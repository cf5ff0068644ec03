"""S-head of MimicDet: a light dense head with deformable feature alignment.

Paper: MimicDet (arXiv 2009.11528), Fig. 2(b) and section "Detection heads" ([V] figure, [N]
notes): the refinement regression map (4 channels) goes through three 1x1 convs (64, 128,
2*k*k channels) to deformable offsets; a deformable conv (3x3 on P3, 5x5 on P4-P7) realigns the
FPN feature to the refined box; two sibling 1x1 convs of 1024 channels feed a 1x1 cls conv
(C+1 softmax logits, to match the T-head) and a 1x1 reg conv (deltas w.r.t. the refined box).
Our choices ([D]): ReLU after the offset convs, the DCN and the 1024 convs; one DCN + offset net
per distinct kernel size, shared across the levels using it; the offset input is detached (as
in mmdet's guided-anchoring ``FeatureAdaption``); the offset net's last conv is zero-initialised.
``dcn_impl='grid_sample'`` runs the same deformable conv through :mod:`.deform_conv` (plain
PyTorch, ~10x faster on CPU); the weights are the same ``DeformConv2d`` parameters either way.
The 1x1 convs after the DCN act per location, so they are applied as ``nn.Linear`` on the
gathered locations only (the refined candidates), which is the same function.
"""
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.ops import DeformConv2d
from mmdet.registry import MODELS, TASK_UTILS
from mmengine.model import BaseModule, normal_init
from torch import Tensor

from .deform_conv import deform_conv2d_grid_sample

DCN_IMPLS = ('mmcv', 'grid_sample')


class OffsetNet(nn.Module):
    """Three 1x1 convs ``4 -> c1 -> c2 -> 2*k*k`` with ReLU between; last conv zero-init."""

    def __init__(self, kernel_size: int, channels: Sequence[int] = (64, 128)) -> None:
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(4, c1, 1)
        self.conv2 = nn.Conv2d(c1, c2, 1)
        self.conv3 = nn.Conv2d(c2, 2 * kernel_size * kernel_size, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv3(self.relu(self.conv2(self.relu(self.conv1(x)))))


@MODELS.register_module()
class MimicSHead(BaseModule):
    """Deformably aligned one-stage head evaluated at refined-anchor locations.

    Args:
        num_classes: Foreground classes C (logits are C+1, background last).
        in_channels: Channels of the FPN maps.
        feat_channels: Output channels of the deformable conv ([N] 256).
        branch_channels: Channels of the cls/reg 1x1 convs ([N] 1024).
        offset_channels: Hidden channels of the offset net ([N] (64, 128)).
        dcn_kernel_sizes: Deformable kernel per level ([N] 3 on P3, 5 on P4-P7).
        detach_offset_input: Detach the refinement map fed to the offset net ([D] True).
        dcn_impl: ``'mmcv'`` (mmcv ``DeformConv2d``) or ``'grid_sample'`` (same function in
            plain PyTorch, faster on CPU).
        bbox_coder: Coder of the S-head deltas w.r.t. the refined boxes ([D] R-CNN stds).
        loss_cls: Classification loss (softmax CE).
        loss_bbox: Delta loss (L1).
        init_cfg: Initialisation config (the default init is in ``init_weights``).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 256,
                 feat_channels: int = 256,
                 branch_channels: int = 1024,
                 offset_channels: Sequence[int] = (64, 128),
                 dcn_kernel_sizes: Sequence[int] = (3, 5, 5, 5, 5),
                 detach_offset_input: bool = True,
                 dcn_impl: str = 'mmcv',
                 bbox_coder: dict = dict(type='DeltaXYWHBBoxCoder',
                                         target_means=(0., 0., 0., 0.),
                                         target_stds=(0.1, 0.1, 0.2, 0.2)),
                 loss_cls: dict = dict(type='CrossEntropyLoss', use_sigmoid=False,
                                       loss_weight=1.0),
                 loss_bbox: dict = dict(type='L1Loss', loss_weight=1.0),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes!r}')
        if len(offset_channels) != 2:
            raise ValueError(f'offset_channels must have 2 entries, got {offset_channels!r}')
        for k in dcn_kernel_sizes:
            if k < 1 or k % 2 == 0:
                raise ValueError(f'dcn_kernel_sizes must be odd and >= 1, got {dcn_kernel_sizes!r}')
        if dcn_impl not in DCN_IMPLS:
            raise ValueError(f'dcn_impl must be one of {DCN_IMPLS}, got {dcn_impl!r}')
        self.dcn_impl = dcn_impl
        self.num_classes = int(num_classes)
        self.feat_channels = int(feat_channels)
        self.branch_channels = int(branch_channels)
        self.dcn_kernel_sizes = tuple(int(k) for k in dcn_kernel_sizes)
        self.detach_offset_input = bool(detach_offset_input)
        kernels = sorted(set(self.dcn_kernel_sizes), key=self.dcn_kernel_sizes.index)
        self.offset_nets = nn.ModuleDict(
            {str(k): OffsetNet(k, offset_channels) for k in kernels})
        self.dcns = nn.ModuleDict({
            str(k): DeformConv2d(in_channels, feat_channels, k, padding=k // 2)
            for k in kernels})
        self.relu = nn.ReLU(inplace=True)
        self.cls_branch = nn.Linear(feat_channels, branch_channels)
        self.reg_branch = nn.Linear(feat_channels, branch_channels)
        self.cls_out = nn.Linear(branch_channels, num_classes + 1)
        self.reg_out = nn.Linear(branch_channels, 4)
        self.bbox_coder = TASK_UTILS.build(bbox_coder)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(loss_bbox)

    @property
    def num_levels(self) -> int:
        return len(self.dcn_kernel_sizes)

    def init_weights(self) -> None:
        super().init_weights()
        for net in self.offset_nets.values():
            normal_init(net.conv1, std=0.01)
            normal_init(net.conv2, std=0.01)
            nn.init.zeros_(net.conv3.weight)
            nn.init.zeros_(net.conv3.bias)
        for dcn in self.dcns.values():
            normal_init(dcn, std=0.01)
        for fc in (self.cls_branch, self.reg_branch):
            nn.init.kaiming_uniform_(fc.weight, a=1)
            nn.init.zeros_(fc.bias)
        normal_init(self.cls_out, std=0.01)
        normal_init(self.reg_out, std=0.001)

    def align(self, feats: Sequence[Tensor], reg_maps: Sequence[Tensor]) -> List[Tensor]:
        """Deformably aligned maps ``(N, feat_channels, H, W)`` per level."""
        if len(feats) != self.num_levels or len(reg_maps) != self.num_levels:
            raise ValueError(f'expected {self.num_levels} levels, got {len(feats)} feature '
                             f'and {len(reg_maps)} regression maps')
        out = []
        for x, reg, k in zip(feats, reg_maps, self.dcn_kernel_sizes):
            if self.detach_offset_input:
                reg = reg.detach()
            offset = self.offset_nets[str(k)](reg)
            dcn = self.dcns[str(k)]
            if self.dcn_impl == 'mmcv':
                y = dcn(x, offset)
            else:
                y = deform_conv2d_grid_sample(x, offset, dcn.weight, padding=k // 2)
            out.append(self.relu(y))
        return out

    def forward_points(self, point_feats: Tensor) -> Dict[str, Tensor]:
        """Branches at gathered locations ``(K, feat_channels)``.

        Returns ``cls_score`` (K, C+1), ``bbox_pred`` (K, 4) and the mimicked features
        ``cls_feat``/``reg_feat`` (K, branch_channels).
        """
        cls_feat = self.relu(self.cls_branch(point_feats))
        reg_feat = self.relu(self.reg_branch(point_feats))
        return dict(cls_score=self.cls_out(cls_feat), bbox_pred=self.reg_out(reg_feat),
                    cls_feat=cls_feat, reg_feat=reg_feat)

    def forward(self, feats: Sequence[Tensor], reg_maps: Sequence[Tensor]) -> List[Tensor]:
        """Same as :meth:`align`."""
        return self.align(feats, reg_maps)

    def loss_ohem(self, cls_score: Tensor, bbox_pred: Tensor, labels: Tensor,
                  bbox_targets: Tensor, num_keep: int) -> Tuple[Tensor, Tensor, Tensor]:
        """Per-box CE + L1 of one image's candidates; keep the ``num_keep`` hardest ([N] OHEM).

        Returns the summed cls and bbox losses of the kept boxes and their number of
        positives (the caller normalises).
        """
        pos = labels < self.num_classes
        loss_cls = self.loss_cls(cls_score, labels, reduction_override='none')
        loss_bbox = self.loss_bbox(bbox_pred, bbox_targets, reduction_override='none').sum(-1)
        loss_bbox = loss_bbox * pos.float()
        with torch.no_grad():
            keep = torch.topk(loss_cls + loss_bbox, min(num_keep, labels.numel())).indices
        return loss_cls[keep].sum(), loss_bbox[keep].sum(), pos[keep].sum()
