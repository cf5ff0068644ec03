"""T-head box head of MimicDet: mmdet ``ConvFCBBoxHead`` that also returns the mimic features.

Paper: MimicDet (arXiv 2009.11528), Fig. 2(a) ([V] figure, [N] notes): cls branch 2x FC-1024 ->
FC (C+1) softmax; reg branch 4x conv3x3-256 -> flatten -> FC-1024 (the mimicked feature) -> FC-4.
That is ``ConvFCBBoxHead(num_shared_convs=0, num_shared_fcs=0, num_cls_fcs=2, num_reg_convs=4,
num_reg_fcs=1, reg_class_agnostic=True)``; this subclass only changes ``forward`` to also return
the last reg FC feature (and the last cls FC feature).
"""
from typing import Tuple

from mmdet.models.roi_heads.bbox_heads import ConvFCBBoxHead
from mmdet.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class MimicTBBoxHead(ConvFCBBoxHead):
    """``ConvFCBBoxHead`` whose forward returns ``(cls_score, bbox_pred, cls_feat, reg_feat)``.

    Args: as ``ConvFCBBoxHead``; the defaults are the paper's decoupled T-head.
    """

    def __init__(self, num_shared_convs: int = 0, num_shared_fcs: int = 0,
                 num_cls_convs: int = 0, num_cls_fcs: int = 2, num_reg_convs: int = 4,
                 num_reg_fcs: int = 1, conv_out_channels: int = 256,
                 fc_out_channels: int = 1024, **kwargs) -> None:
        if num_shared_convs or num_shared_fcs:
            raise ValueError('MimicTBBoxHead needs decoupled branches: num_shared_convs and '
                             f'num_shared_fcs must be 0, got {num_shared_convs}, {num_shared_fcs}')
        if num_reg_fcs < 1:
            raise ValueError(f'num_reg_fcs must be >= 1 (the mimic feature), got {num_reg_fcs}')
        super().__init__(num_shared_convs=0, num_shared_fcs=0, num_cls_convs=num_cls_convs,
                         num_cls_fcs=num_cls_fcs, num_reg_convs=num_reg_convs,
                         num_reg_fcs=num_reg_fcs, conv_out_channels=conv_out_channels,
                         fc_out_channels=fc_out_channels, **kwargs)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """RoI features ``(n, C, k, k)`` -> logits, deltas, cls feature, reg feature."""
        x_cls, x_reg = x, x
        for conv in self.cls_convs:
            x_cls = conv(x_cls)
        if x_cls.dim() > 2:
            if self.with_avg_pool:
                x_cls = self.avg_pool(x_cls)
            x_cls = x_cls.flatten(1)
        for fc in self.cls_fcs:
            x_cls = self.relu(fc(x_cls))
        for conv in self.reg_convs:
            x_reg = conv(x_reg)
        if x_reg.dim() > 2:
            if self.with_avg_pool:
                x_reg = self.avg_pool(x_reg)
            x_reg = x_reg.flatten(1)
        for fc in self.reg_fcs:
            x_reg = self.relu(fc(x_reg))
        return self.fc_cls(x_cls), self.fc_reg(x_reg), x_cls, x_reg
