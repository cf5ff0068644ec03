"""BSN++ localizer for mmaction2.

Paper: BSN++: Complementary Boundary Regressor with Scale-Balanced Relation Modeling for
Temporal Action Proposal Generation (Su et al., AAAI 2021, arXiv 2009.07641).

Built on mmaction2's ``BMN`` (its BM layer, masks, labels, map layout ``[duration, start]`` and
``forward(inputs, data_samples, mode)`` contract are reused as they are):

* complementary boundary generator (``cbg``): :class:`~.unet1d.UNetPP1d` on BMN's base features
  (dense node convolutions, so every nested node mixes its skip and upsampled inputs);
  ``cbg=None`` keeps BMN's TEM heads;
* bi-directional boundary matching (``bidirectional``): the same boundary network runs on the
  features and on their time flip; ``p_s = g(s_f, flip(e_b))``, ``p_e = g(e_f, flip(s_b))``
  with ``g`` = ``boundary_fusion`` (geometric mean by default, recalled with low confidence);
* proposal relation block (``prb``): :class:`~.relation_block.ProposalRelationBlock` between
  BMN's 1x1 reduction and its 3x3 convolutions of the BM map; ``prb=None`` skips it;
* ``bm_input``: BM-layer features from BMN's base (default) or base + CBG top decoder features
  (our choice);
* ``score_fusion``: proposal score ``p_s p_e p_cls p_reg`` (BMN, default) or
  ``p_s p_e sqrt(p_cls p_reg)`` (recalled, low confidence);
* post-processing: BMN's candidates and mmaction2's Soft-NMS / ``post_processing``
  (``soft_nms_impl='numpy'`` is the same function vectorized).

With ``cbg=None, bidirectional=False, prb=None`` and ``BSNPPLoss(sbr=False)`` the module has
BMN's parameters (same state-dict keys) and computes BMN's outputs, loss and proposals.
"""
from typing import Dict, List, Optional

import torch
import torch.nn as nn

from mmaction.models.localizers import BMN
from mmaction.registry import MODELS
from projects.common.localization.errors import LocalizationInputError
from projects.common.localization.postprocess import bm_candidates, proposals_to_list
from .relation_block import ProposalRelationBlock
from .unet1d import UNetPP1d

BOUNDARY_FUSIONS = ('geometric', 'product', 'mean')


def fuse_boundaries(a: torch.Tensor, b: torch.Tensor, mode: str) -> torch.Tensor:
    """Symmetric fusion ``g(a, b)`` of complementary boundary probabilities."""
    if mode == 'geometric':
        return torch.sqrt(a * b)
    if mode == 'product':
        return a * b
    if mode == 'mean':
        return 0.5 * (a + b)
    raise ValueError(f'boundary_fusion must be one of {BOUNDARY_FUSIONS}, got {mode!r}')


@MODELS.register_module()
class BSNPP(BMN):
    """BSN++ temporal proposal generator (see the module docstring).

    Args:
        temporal_dim, boundary_ratio, num_samples, num_samples_per_bin, feat_dim,
        soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold, post_process_top_k,
        feature_extraction_interval, hidden_dim_1d, hidden_dim_2d, hidden_dim_3d: as mmaction2
            ``BMN``.
        loss_cls: Loss config (default ``BSNPPLoss``; ``BMNLoss`` also works when the
            boundary is not bi-directional and there is no deep supervision).
        cbg: ``UNetPP1d`` options (``depth``, ``groups``, ``deep_supervision``) or ``None`` for
            BMN's TEM.
        bidirectional: Run the boundary network on the flipped features too.
        boundary_fusion: ``'geometric'`` | ``'product'`` | ``'mean'``.
        prb: ``ProposalRelationBlock`` options or ``None``.
        bm_input: ``'base'`` or ``'base+cbg'`` (needs ``cbg``).
        score_fusion: ``'bmn'`` or ``'sqrt'``.
        soft_nms_impl: ``'mmaction'`` or ``'numpy'``.
    """

    def __init__(self, temporal_dim: int, boundary_ratio: float, num_samples: int,
                 num_samples_per_bin: int, feat_dim: int, soft_nms_alpha: float,
                 soft_nms_low_threshold: float, soft_nms_high_threshold: float,
                 post_process_top_k: int, feature_extraction_interval: int = 16,
                 loss_cls: dict = dict(type='BSNPPLoss'), hidden_dim_1d: int = 256,
                 hidden_dim_2d: int = 128, hidden_dim_3d: int = 512,
                 cbg: Optional[dict] = dict(depth=2, deep_supervision=False),
                 bidirectional: bool = True, boundary_fusion: str = 'geometric',
                 prb: Optional[dict] = dict(qk_channels=16), bm_input: str = 'base',
                 score_fusion: str = 'bmn', soft_nms_impl: str = 'mmaction') -> None:
        if boundary_fusion not in BOUNDARY_FUSIONS:
            raise ValueError(f'boundary_fusion must be one of {BOUNDARY_FUSIONS}, '
                             f'got {boundary_fusion!r}')
        if bm_input not in ('base', 'base+cbg'):
            raise ValueError(f"bm_input must be 'base' or 'base+cbg', got {bm_input!r}")
        if bm_input == 'base+cbg' and cbg is None:
            raise ValueError("bm_input='base+cbg' needs a cbg")
        if score_fusion not in ('bmn', 'sqrt'):
            raise ValueError(f"score_fusion must be 'bmn' or 'sqrt', got {score_fusion!r}")
        if soft_nms_impl not in ('mmaction', 'numpy'):
            raise ValueError(f"soft_nms_impl must be 'mmaction' or 'numpy', got {soft_nms_impl!r}")
        super().__init__(temporal_dim, boundary_ratio, num_samples, num_samples_per_bin, feat_dim,
                         soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold,
                         post_process_top_k, feature_extraction_interval, loss_cls,
                         hidden_dim_1d, hidden_dim_2d, hidden_dim_3d)
        self.bidirectional = bidirectional
        self.boundary_fusion = boundary_fusion
        self.bm_input = bm_input
        self.score_fusion = score_fusion
        self.soft_nms_impl = soft_nms_impl
        self.cbg = None
        if cbg is not None:
            del self.x_1d_s, self.x_1d_e  # replaced by the CBG
            self.cbg = UNetPP1d(hidden_dim_1d, channels=hidden_dim_1d, **cbg)
        if bm_input == 'base+cbg':
            self.x_1d_p = nn.Sequential(
                nn.Conv1d(2 * hidden_dim_1d, hidden_dim_1d, kernel_size=3, padding=1),
                nn.ReLU(inplace=True))
        self.prb = ProposalRelationBlock(hidden_dim_2d, **prb) if prb is not None else None

    def _boundary(self, base: torch.Tensor):
        """(start, end, top decoder features or None, [(start, end)] per supervised depth)."""
        if self.cbg is None:
            start, end = self.x_1d_s(base).squeeze(1), self.x_1d_e(base).squeeze(1)
            return start, end, None, [(start, end)]
        prob, top, aux = self.cbg(base)
        heads = [(p[:, 0], p[:, 1]) for p in aux] + [(prob[:, 0], prob[:, 1])]
        return prob[:, 0], prob[:, 1], top, heads

    def forward_all(self, x: torch.Tensor) -> Dict[str, object]:
        """Every output: ``confidence_map`` (B, 2, T, T), fused ``start``/``end`` (B, T) and
        the per-direction heads ``boundary = {'fwd': [...], 'bwd': [...]}``."""
        expected = (self.feat_dim, self.tscale)
        if x.dim() != 3 or tuple(x.shape[1:]) != expected:
            raise LocalizationInputError(
                f'BSNPP: input features of shape {tuple(x.shape)}, expected (batch, feat_dim, '
                f'temporal_dim) = (batch, {expected[0]}, {expected[1]}) of the config')
        batch = x.shape[0]
        inputs = torch.cat([x, x.flip(-1)]) if self.bidirectional else x
        base_all = self.x_1d_b(inputs)
        start_all, end_all, top_all, heads_all = self._boundary(base_all)
        base = base_all[:batch]
        boundary = dict(fwd=[(s[:batch], e[:batch]) for s, e in heads_all], bwd=[])
        start, end = start_all[:batch], end_all[:batch]
        if self.bidirectional:
            boundary['bwd'] = [(s[batch:], e[batch:]) for s, e in heads_all]
            start = fuse_boundaries(start, end_all[batch:].flip(-1), self.boundary_fusion)
            end = fuse_boundaries(end, start_all[batch:].flip(-1), self.boundary_fusion)
        feat = base if self.bm_input == 'base' else torch.cat([base, top_all[:batch]], dim=1)
        cmap = self._boundary_matching_layer(self.x_1d_p(feat))
        cmap = self.x_3d_p(cmap).squeeze(2)
        cmap = self.x_2d_p[:2](cmap)
        if self.prb is not None:
            cmap = self.prb(cmap, self.bm_mask)
        cmap = self.x_2d_p[2:](cmap)
        return dict(confidence_map=cmap, start=start, end=end, boundary=boundary)

    def _forward(self, x: torch.Tensor):
        out = self.forward_all(x)
        return out['confidence_map'], out['start'], out['end']

    def loss(self, batch_inputs: torch.Tensor, batch_data_samples: list, **kwargs) -> dict:
        gt_bbox = [sample.gt_instances['gt_bbox'] for sample in batch_data_samples]
        gt_iou_map, gt_start, gt_end = (t.to(batch_inputs.device)
                                        for t in self.generate_labels(gt_bbox))
        out = self.forward_all(batch_inputs)
        if not hasattr(self.loss_cls, 'boundary_loss'):  # plain BMNLoss
            if out['boundary']['bwd'] or len(out['boundary']['fwd']) > 1:
                raise ValueError('BMNLoss supports neither bidirectional nor deep supervision; '
                                 'use BSNPPLoss')
            return dict(loss=self.loss_cls(out['confidence_map'], out['start'], out['end'],
                                           gt_iou_map, gt_start, gt_end, self.bm_mask)[0])
        parts = self.loss_cls(out['confidence_map'], out['boundary'], gt_iou_map, gt_start,
                              gt_end, self.bm_mask)
        logs = {k.replace('loss_', ''): v.detach() for k, v in parts.items() if k != 'loss'}
        return dict(loss=parts['loss'], **logs)

    def predict(self, batch_inputs: torch.Tensor, batch_data_samples: list,
                **kwargs) -> List[dict]:
        """Proposals of every video of the batch (BMN only handles the first)."""
        cmap, start, end = self._forward(batch_inputs)
        cmap, start, end = (t.detach().float().cpu().numpy() for t in (cmap, start, end))
        outputs = []
        for i, sample in enumerate(batch_data_samples):
            candidates = bm_candidates(start[i], end[i], cmap[i, 1], cmap[i, 0],
                                       self.score_fusion)
            video_info = sample.metainfo
            proposals = proposals_to_list(
                candidates, video_info, self.soft_nms_alpha, self.soft_nms_low_threshold,
                self.soft_nms_high_threshold, self.post_process_top_k,
                self.feature_extraction_interval, self.soft_nms_impl)
            outputs.append(dict(video_name=video_info['video_name'], proposal_list=proposals))
        return outputs


__all__ = ['BSNPP', 'fuse_boundaries', 'BOUNDARY_FUSIONS']
