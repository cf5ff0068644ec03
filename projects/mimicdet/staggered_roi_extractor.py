"""Staggered RoI extractor of MimicDet.

Paper: MimicDet (arXiv 2009.11528), section "Staggered feature pyramid" and Fig. 1. A box that
the refinement module / S-head handled at pyramid level ``P_L`` is RoIAligned for the T-head from
``P_{L-1}``: a fixed one-level shift, not mmdet's scale-based ``map_roi_levels``. The shift is
the ``level_shift`` switch (1 = paper; 0 = the non-staggered ablation).
"""
from typing import Sequence

import torch
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from mmdet.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class StaggeredRoIExtractor(SingleRoIExtractor):
    """RoIAlign from the level given per RoI, shifted down by ``level_shift``.

    ``featmap_strides[i]`` is the stride of ``feats[i]``; level ids are indices into ``feats``.

    Args:
        roi_layer: RoI layer config, e.g. ``dict(type='RoIAlign', output_size=7, sampling_ratio=0)``.
        out_channels: Channels of the pooled features.
        featmap_strides: Strides of the input feature maps (MimicDet: P2-P6, ``[4, 8, 16, 32, 64]``).
        level_shift: Pool a RoI of origin level ``L`` from ``feats[L - level_shift]`` (paper: 1).
        init_cfg: Initialisation config.
    """

    def __init__(self, roi_layer: dict, out_channels: int, featmap_strides: Sequence[int],
                 level_shift: int = 1, init_cfg=None) -> None:
        super().__init__(roi_layer=roi_layer, out_channels=out_channels,
                         featmap_strides=list(featmap_strides), init_cfg=init_cfg)
        if level_shift < 0:
            raise ValueError(f'level_shift must be >= 0, got {level_shift!r}')
        self.level_shift = int(level_shift)

    def target_levels(self, origin_levels: Tensor) -> Tensor:
        """Feature index each RoI is pooled from: ``origin_levels - level_shift``."""
        return origin_levels.long() - self.level_shift

    def forward(self, feats: Sequence[Tensor], rois: Tensor, origin_levels: Tensor) -> Tensor:
        """Pool ``(n, out_channels, k, k)`` features of ``rois`` ``(n, 5)``.

        Args:
            feats: Feature maps indexed like ``featmap_strides``.
            rois: ``(batch_idx, x1, y1, x2, y2)`` rows in image coordinates.
            origin_levels: ``(n,)`` origin level of every RoI, same indexing as ``feats``.
        """
        if len(feats) != self.num_inputs:
            raise ValueError(f'expected {self.num_inputs} feature maps, got {len(feats)}')
        rois = rois.type_as(feats[0])
        target = self.target_levels(origin_levels)
        if target.numel() and (int(target.min()) < 0 or int(target.max()) >= len(feats)):
            raise ValueError(f'origin levels {origin_levels.unique().tolist()} shifted by '
                             f'{self.level_shift} fall outside the {len(feats)} feature maps')
        out_size = self.roi_layers[0].output_size
        roi_feats = feats[0].new_zeros(rois.size(0), self.out_channels, *out_size)
        for i in range(len(feats)):
            inds = torch.nonzero(target == i, as_tuple=False).squeeze(1)
            if inds.numel() > 0:
                roi_feats[inds] = self.roi_layers[i](feats[i], rois[inds])
            else:  # keep every level in the graph (DDP), as SingleRoIExtractor does
                roi_feats = roi_feats + feats[i].sum() * 0.
        return roi_feats
