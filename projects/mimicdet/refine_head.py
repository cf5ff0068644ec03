"""Refinement module of MimicDet (shared over P3-P7).

Paper: MimicDet (arXiv 2009.11528), section "Refinement module" (Fig. 1; details from third-party
notes [N]): a 3x3 conv, then sibling 1x1 convs for binary objectness (BCE) and Faster R-CNN box
deltas (L1), ONE anchor per location, FoveaBox-style scale-based assignment with the GT shrunk by
sigma=0.3 about its center. The assignment is mmdet ``FoveaHead``'s public ``get_targets`` and
the anchors come from mmdet's ``AnchorGenerator`` (one square per location, centered on it).
Our choices ([D], all constructor switches): square anchors of ``anchor_scale * stride``
(default 4), FoveaBox's ``scale_ranges``, RPN delta stds (1, 1, 1, 1), objectness prior 0.01 and
BCE normalised by the number of positives.
"""
from functools import lru_cache
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.models.dense_heads import FoveaHead
from mmdet.registry import MODELS, TASK_UTILS
from mmengine.model import BaseModule, bias_init_with_prob, normal_init
from mmengine.structures import InstanceData
from torch import Tensor


@MODELS.register_module()
class MimicRefineHead(BaseModule):
    """Objectness + box refinement of one anchor per location.

    Args:
        in_channels: Channels of the FPN maps.
        feat_channels: Channels of the 3x3 conv.
        strides: Strides of the levels it runs on (P3-P7).
        scale_ranges: ``sqrt(area)`` range of GTs assigned to each level (FoveaBox default, [D]).
        anchor_scale: Anchor side in strides (one square anchor per location, [D] 4).
        sigma: Shrink factor of the positive area about the GT center ([N] 0.3).
        bbox_coder: Coder of the refinement deltas ([D] stds 1).
        loss_obj: Objectness loss (BCE, ``use_sigmoid=True``).
        loss_bbox: Delta loss (L1).
        obj_prior_prob: Initial objectness probability ([D] 0.01).
        init_cfg: Initialisation config (the default init is in ``init_weights``).
    """

    def __init__(self,
                 in_channels: int = 256,
                 feat_channels: int = 256,
                 strides: Sequence[int] = (8, 16, 32, 64, 128),
                 scale_ranges: Sequence[Tuple[float, float]] = (
                     (1, 64), (32, 128), (64, 256), (128, 512), (256, 2048)),
                 anchor_scale: float = 4.0,
                 sigma: float = 0.3,
                 bbox_coder: dict = dict(type='DeltaXYWHBBoxCoder',
                                         target_means=(0., 0., 0., 0.),
                                         target_stds=(1., 1., 1., 1.)),
                 loss_obj: dict = dict(type='CrossEntropyLoss', use_sigmoid=True,
                                       loss_weight=1.0),
                 loss_bbox: dict = dict(type='L1Loss', loss_weight=1.0),
                 obj_prior_prob: float = 0.01,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(scale_ranges) != len(strides):
            raise ValueError(f'scale_ranges ({len(scale_ranges)}) and strides '
                             f'({len(strides)}) must have the same length')
        if not 0 < sigma <= 1:
            raise ValueError(f'sigma must be in (0, 1], got {sigma!r}')
        if anchor_scale <= 0:
            raise ValueError(f'anchor_scale must be > 0, got {anchor_scale!r}')
        if not 0 < obj_prior_prob < 1:
            raise ValueError(f'obj_prior_prob must be in (0, 1), got {obj_prior_prob!r}')
        self.strides = tuple(int(s) for s in strides)
        self.scale_ranges = tuple(tuple(r) for r in scale_ranges)
        self.anchor_scale = float(anchor_scale)
        self.sigma = float(sigma)
        self.obj_prior_prob = float(obj_prior_prob)
        self.conv = nn.Conv2d(in_channels, feat_channels, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.conv_obj = nn.Conv2d(feat_channels, 1, 1)
        self.conv_reg = nn.Conv2d(feat_channels, 4, 1)
        # one square anchor of side anchor_scale * stride, centered on each location
        self.prior_generator = TASK_UTILS.build(dict(
            type='AnchorGenerator', strides=self.strides, ratios=[1.0],
            scales=[self.anchor_scale], center_offset=0.5))
        self.bbox_coder = TASK_UTILS.build(bbox_coder)
        self.loss_obj = MODELS.build(loss_obj)
        self.loss_bbox = MODELS.build(loss_bbox)

    @property
    def num_levels(self) -> int:
        return len(self.strides)

    def init_weights(self) -> None:
        super().init_weights()
        normal_init(self.conv, std=0.01)
        normal_init(self.conv_obj, std=0.01, bias=bias_init_with_prob(self.obj_prior_prob))
        normal_init(self.conv_reg, std=0.01)

    def forward(self, feats: Sequence[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """Per level: objectness logits ``(N, 1, H, W)`` and deltas ``(N, 4, H, W)``."""
        if len(feats) != self.num_levels:
            raise ValueError(f'expected {self.num_levels} levels, got {len(feats)}')
        objs, regs = [], []
        for x in feats:
            x = self.relu(self.conv(x))
            objs.append(self.conv_obj(x))
            regs.append(self.conv_reg(x))
        return objs, regs

    def anchors(self, featmap_sizes: Sequence[Tuple[int, int]], device=None,
                dtype=torch.float32) -> Tensor:
        """``(sum H*W, 4)`` square anchors centered at ``((x + .5) * s, (y + .5) * s)``.

        mmdet's ``AnchorGenerator(strides, ratios=[1], scales=[anchor_scale],
        center_offset=0.5)``; level-major, then row-major order (the flat origin index).
        """
        device = 'cpu' if device is None else device
        sizes = [tuple(int(v) for v in s) for s in featmap_sizes]
        return torch.cat(self.prior_generator.grid_priors(sizes, dtype=dtype, device=device))

    def assign(self, gt_instances: InstanceData,
               featmap_sizes: Sequence[Tuple[int, int]]) -> Tensor:
        """Index of the GT each location is positive for (``-1`` = negative), flat order.

        mmdet's FoveaBox rule through the public ``FoveaHead.get_targets`` (``sigma``, the
        levels' ``scale_ranges``; smaller GTs win overlaps), with the GT index as the label.
        """
        num_gts = len(gt_instances)
        device = gt_instances.bboxes.device
        sizes = [torch.Size((int(h), int(w))) for h, w in featmap_sizes]
        if num_gts == 0:
            total = sum(h * w for h, w in sizes)
            return torch.full((total,), -1, dtype=torch.long, device=device)
        fovea = _fovea_target_head(self.strides, self.scale_ranges, self.sigma, num_gts)
        points = fovea.prior_generator.grid_priors(sizes, dtype=torch.float32, device=device)
        gts = InstanceData(bboxes=gt_instances.bboxes.float(),
                           labels=torch.arange(num_gts, device=device))
        labels, _ = fovea.get_targets([gts], sizes, points)
        return torch.where(labels == num_gts, torch.full_like(labels, -1), labels)

    def loss(self, objs: List[Tensor], regs: List[Tensor],
             batch_gt_instances: List[InstanceData]) -> dict:
        """BCE objectness over all locations and L1 deltas at positives, per positive."""
        featmap_sizes = [o.shape[-2:] for o in objs]
        anchors = self.anchors(featmap_sizes, objs[0].device)
        obj_flat = torch.cat([o.flatten(1) for o in objs], 1)  # (N, total)
        reg_flat = torch.cat([r.flatten(2) for r in regs], 2).transpose(1, 2)  # (N, total, 4)
        obj_t, reg_t, pos_mask = [], [], []
        for gts in batch_gt_instances:
            idx = self.assign(gts, featmap_sizes)
            pos = idx >= 0
            target = torch.zeros_like(anchors)
            if pos.any():
                target[pos] = self.bbox_coder.encode(anchors[pos], gts.bboxes[idx[pos]].float())
            obj_t.append(pos.float())
            reg_t.append(target)
            pos_mask.append(pos)
        obj_t, reg_t, pos_mask = torch.stack(obj_t), torch.stack(reg_t), torch.stack(pos_mask)
        num_pos = max(float(pos_mask.sum()), 1.0)
        loss_obj = self.loss_obj(obj_flat.reshape(-1, 1), obj_t.reshape(-1, 1),
                                 avg_factor=num_pos)
        if pos_mask.any():
            loss_bbox = self.loss_bbox(reg_flat[pos_mask], reg_t[pos_mask], avg_factor=num_pos)
        else:
            loss_bbox = reg_flat.sum() * 0.
        return dict(refine_loss_obj=loss_obj, refine_loss_bbox=loss_bbox)

    def refined_boxes(self, regs: List[Tensor], img_shape: Tuple[int, int],
                      img_id: int) -> Tensor:
        """``(sum H*W, 4)`` decoded (detached) refined boxes of image ``img_id``, clipped."""
        featmap_sizes = [r.shape[-2:] for r in regs]
        anchors = self.anchors(featmap_sizes, regs[0].device, regs[0].dtype)
        deltas = torch.cat([r[img_id].flatten(1) for r in regs], 1).t().detach()
        return self.bbox_coder.decode(anchors, deltas, max_shape=img_shape)


@lru_cache(maxsize=64)
def _fovea_target_head(strides: Tuple[int, ...], scale_ranges: Tuple[Tuple[float, float], ...],
                       sigma: float, num_classes: int) -> FoveaHead:
    """A minimal mmdet ``FoveaHead`` used only for its target assignment (no conv stacks).

    Kept outside the module tree (its few parameters are never used nor saved); one per
    number of GTs, since the GT index serves as the class label.
    """
    return FoveaHead(num_classes=num_classes, in_channels=1, feat_channels=1, stacked_convs=0,
                     strides=strides, base_edge_list=strides, scale_ranges=scale_ranges,
                     sigma=sigma)
