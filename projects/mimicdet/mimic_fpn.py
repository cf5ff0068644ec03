"""FPN P2-P7 whose finest output can be skipped at prediction time.

Paper: MimicDet (arXiv 2009.11528), section "Staggered feature pyramid": training uses P2-P7
(the T-head pools from P2-P6), prediction only P3-P7. mmdet's ``FPN`` always computes every
output; ``MimicFPN(skip_first_level=True)`` returns the same P3-P7 without computing P2's lateral
and output convs (the top-down path runs coarse to fine, so P3-P7 do not depend on P2).
"""
from typing import Tuple

import torch.nn.functional as F
from mmdet.models.necks import FPN
from mmdet.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class MimicFPN(FPN):
    """mmdet ``FPN`` with ``forward(inputs, skip_first_level=False)``; same arguments as FPN."""

    def forward(self, inputs: Tuple[Tensor], skip_first_level: bool = False) -> tuple:
        """Return ``num_outs`` maps, or the last ``num_outs - 1`` if ``skip_first_level``."""
        if not skip_first_level:
            return super().forward(inputs)
        assert len(inputs) == len(self.in_channels)
        first = 1
        laterals = [None] + [
            self.lateral_convs[i](inputs[i + self.start_level])
            for i in range(first, len(self.lateral_convs))
        ]
        used_backbone_levels = len(laterals)
        for i in range(used_backbone_levels - 1, first, -1):
            if 'scale_factor' in self.upsample_cfg:
                laterals[i - 1] = laterals[i - 1] + F.interpolate(
                    laterals[i], **self.upsample_cfg)
            else:
                laterals[i - 1] = laterals[i - 1] + F.interpolate(
                    laterals[i], size=laterals[i - 1].shape[2:], **self.upsample_cfg)
        outs = [self.fpn_convs[i](laterals[i]) for i in range(first, used_backbone_levels)]
        if self.num_outs > used_backbone_levels:
            if not self.add_extra_convs:
                for _ in range(self.num_outs - used_backbone_levels):
                    outs.append(F.max_pool2d(outs[-1], 1, stride=2))
            else:
                if self.add_extra_convs == 'on_input':
                    extra_source = inputs[self.backbone_end_level - 1]
                elif self.add_extra_convs == 'on_lateral':
                    extra_source = laterals[-1]
                elif self.add_extra_convs == 'on_output':
                    extra_source = outs[-1]
                else:
                    raise NotImplementedError
                outs.append(self.fpn_convs[used_backbone_levels](extra_source))
                for i in range(used_backbone_levels + 1, self.num_outs):
                    if self.relu_before_extra_convs:
                        outs.append(self.fpn_convs[i](F.relu(outs[-1])))
                    else:
                        outs.append(self.fpn_convs[i](outs[-1]))
        return tuple(outs)
