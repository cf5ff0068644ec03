"""FPN P2-P7 whose finest output can be skipped at prediction time.

Paper: MimicDet (arXiv 2009.11528), section "Staggered feature pyramid": training uses P2-P7
(the T-head pools from P2-P6), prediction only P3-P7. mmdet's ``FPN`` always computes every
output; ``MimicFPN(skip_first_level=True)`` returns the same P3-P7 without computing P2's lateral
and output convs (the top-down path runs coarse to fine, so P3-P7 do not depend on P2).
"""
from typing import Tuple

from mmdet.models.necks import FPN
from mmdet.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class MimicFPN(FPN):
    """mmdet ``FPN`` with ``forward(inputs, skip_first_level=False)``; same arguments as FPN."""

    def forward(self, inputs: Tuple[Tensor], skip_first_level: bool = False) -> tuple:
        """Return ``num_outs`` maps, or the last ``num_outs - 1`` if ``skip_first_level``.

        With ``skip_first_level`` mmdet's own ``FPN.forward`` runs on a view of this neck that
        lacks the finest level: the first lateral and output convs are hidden (shadowed by
        sliced ``ModuleList`` views in the instance dict, so registration and state_dict are
        untouched) and ``start_level``/``num_outs`` move by one.
        """
        if not skip_first_level:
            return super().forward(inputs)
        saved = dict(start_level=self.start_level, num_outs=self.num_outs)
        object.__setattr__(self, 'lateral_convs', self._modules['lateral_convs'][1:])
        object.__setattr__(self, 'fpn_convs', self._modules['fpn_convs'][1:])
        self.start_level, self.num_outs = self.start_level + 1, self.num_outs - 1
        try:
            return super().forward(inputs)
        finally:
            del self.__dict__['lateral_convs'], self.__dict__['fpn_convs']
            self.start_level, self.num_outs = saved['start_level'], saved['num_outs']
