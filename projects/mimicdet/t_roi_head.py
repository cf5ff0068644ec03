"""T-head RoI head of MimicDet (training only).

Paper: MimicDet (arXiv 2009.11528), section "Detection heads" / Fig. 1 ([N] notes): proposals are
the refined boxes (NMS 0.8, top 2000, done by the detector), 128 samples per image at pos:neg
1:3 (``MaxIoUAssigner`` + ``RandomSampler`` from ``train_cfg``), 7x7 RoIAlign from the staggered
level P_{L-1} (``StaggeredRoIExtractor``). A ``StandardRoIHead`` subclass whose ``loss`` also
returns, per sampled box, its origin and the T-head logits / reg feature for mimicking.
``add_gt_as_proposals`` must be False: GT boxes have no S-head origin.
"""
from typing import Dict, List, Sequence, Tuple

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox2roi
from mmengine.structures import InstanceData
from torch import Tensor


@MODELS.register_module()
class MimicTRoIHead(StandardRoIHead):
    """Sample refined proposals, pool them staggered, run the T-head, return mimic targets.

    Args: as ``StandardRoIHead`` (``bbox_roi_extractor`` must be a ``StaggeredRoIExtractor``,
        ``bbox_head`` a ``MimicTBBoxHead``; no mask head).
    """

    def init_assigner_sampler(self) -> None:
        super().init_assigner_sampler()
        if self.train_cfg is not None:
            sampler = self.train_cfg.get('sampler', {})
            if sampler.get('add_gt_as_proposals', True):
                raise ValueError('train_cfg.sampler.add_gt_as_proposals must be False for '
                                 'MimicDet: GT proposals have no S-head origin')

    def _bbox_forward(self, x: Sequence[Tensor], rois: Tensor,
                      origin_levels: Tensor) -> Dict[str, Tensor]:
        bbox_feats = self.bbox_roi_extractor(x[:self.bbox_roi_extractor.num_inputs], rois,
                                             origin_levels)
        cls_score, bbox_pred, cls_feat, reg_feat = self.bbox_head(bbox_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, cls_feat=cls_feat,
                    reg_feat=reg_feat, bbox_feats=bbox_feats)

    def loss(self, x: Sequence[Tensor], rpn_results_list: List[InstanceData],
             batch_data_samples) -> Tuple[dict, Dict[str, Tensor]]:
        """T-head losses and mimic targets.

        Args:
            x: Feature maps the extractor indexes (P2-P6).
            rpn_results_list: Per image, refined proposals with ``bboxes`` and ``levels``
                (origin level, indexed like ``x``).
            batch_data_samples: Data samples with ``gt_instances``.

        Returns:
            ``(losses, mimic)``; ``mimic`` holds, per sampled box, ``batch_idx``, ``cand_idx``
            (index into that image's proposals), ``is_pos``, ``cls_score`` and ``reg_feat``.
        """
        batch_gt_instances, batch_gt_instances_ignore, _ = unpack_gt_instances(
            batch_data_samples)
        sampling_results, levels, batch_idx, cand_idx, is_pos = [], [], [], [], []
        for i, props in enumerate(rpn_results_list):
            props = InstanceData(priors=props.bboxes, levels=props.levels)
            assign_result = self.bbox_assigner.assign(props, batch_gt_instances[i],
                                                      batch_gt_instances_ignore[i])
            res = self.bbox_sampler.sample(assign_result, props, batch_gt_instances[i])
            sampling_results.append(res)
            inds = torch.cat([res.pos_inds, res.neg_inds])
            levels.append(props.levels[inds])
            cand_idx.append(inds)
            batch_idx.append(torch.full_like(inds, i))
            is_pos.append(torch.cat([torch.ones_like(res.pos_inds, dtype=torch.bool),
                                     torch.zeros_like(res.neg_inds, dtype=torch.bool)]))
        rois = bbox2roi([res.priors for res in sampling_results])
        results = self._bbox_forward(x, rois, torch.cat(levels))
        loss = self.bbox_head.loss_and_target(
            cls_score=results['cls_score'], bbox_pred=results['bbox_pred'], rois=rois,
            sampling_results=sampling_results, rcnn_train_cfg=self.train_cfg)['loss_bbox']
        losses = {f't_{k}': v for k, v in loss.items()}
        mimic = dict(batch_idx=torch.cat(batch_idx), cand_idx=torch.cat(cand_idx),
                     is_pos=torch.cat(is_pos), cls_score=results['cls_score'],
                     reg_feat=results['reg_feat'], rois=rois)
        return losses, mimic

    def predict(self, *args, **kwargs):
        raise NotImplementedError('the MimicDet T-head is training-only; prediction runs the '
                                  'one-stage path of MimicDet.predict')
