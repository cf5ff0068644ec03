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
    """mmdet ``FPN`` with ``forward(inputs, skip_first_level=False)``; same arguments as FPN.

    The modules, their names and the state_dict are FPN's. Without ``skip_first_level`` the
    forward is ``FPN.forward`` itself; with it, the same computation runs over the registered
    lateral/output convs of the kept levels only (nothing is swapped or mutated, so the call is
    re-entrant and thread-safe). Its outputs equal FPN's last ``num_outs - 1`` outputs (tested
    against mmdet's ``FPN`` for every ``add_extra_convs`` mode).
    """

    def forward(self, inputs: Tuple[Tensor], skip_first_level: bool = False) -> tuple:
        """Return ``num_outs`` maps, or the last ``num_outs - 1`` if ``skip_first_level``."""
        if not skip_first_level:
            return super().forward(inputs)
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'expected {len(self.in_channels)} inputs, got {len(inputs)}')
        num_levels = len(self.lateral_convs)  # backbone levels with a lateral conv
        if num_levels < 2:
            raise ValueError('skip_first_level needs at least two backbone levels, got '
                             f'{num_levels}')
        kept = range(1, num_levels)
        laterals = [self.lateral_convs[i](inputs[i + self.start_level]) for i in kept]
        # top-down path over the kept levels (the skipped finest level feeds none of them)
        for j in range(len(laterals) - 1, 0, -1):
            if 'scale_factor' in self.upsample_cfg:
                up = F.interpolate(laterals[j], **self.upsample_cfg)
            else:
                up = F.interpolate(laterals[j], size=laterals[j - 1].shape[2:],
                                   **self.upsample_cfg)
            laterals[j - 1] = laterals[j - 1] + up
        outs = [self.fpn_convs[i](laterals[j]) for j, i in enumerate(kept)]
        # extra levels, exactly as FPN builds them from the last backbone level
        if self.num_outs > num_levels:
            if not self.add_extra_convs:
                for _ in range(self.num_outs - num_levels):
                    outs.append(F.max_pool2d(outs[-1], 1, stride=2))
            else:
                if self.add_extra_convs == 'on_input':
                    source = inputs[self.backbone_end_level - 1]
                elif self.add_extra_convs == 'on_lateral':
                    source = laterals[-1]
                elif self.add_extra_convs == 'on_output':
                    source = outs[-1]
                else:
                    raise NotImplementedError(self.add_extra_convs)
                outs.append(self.fpn_convs[num_levels](source))
                for i in range(num_levels + 1, self.num_outs):
                    x = F.relu(outs[-1]) if self.relu_before_extra_convs else outs[-1]
                    outs.append(self.fpn_convs[i](x))
        return tuple(outs)
