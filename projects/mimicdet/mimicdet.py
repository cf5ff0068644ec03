"""MimicDet detector: a one-stage detector trained to mimic a jointly trained two-stage head.

Paper: Lu, Li, Li, Yan, "MimicDet: Bridging the Gap Between One-Stage and Two-Stage Object
Detection", ECCV 2020 (arXiv 2009.11528), Fig. 1 and sections "Overall pipeline",
"Dual-path head mimicking", "Inference". Training: backbone -> FPN P2-P7 -> refinement module on
P3-P7 -> refined proposals (NMS 0.8, top 2000) -> T-head on the staggered level P_{L-1} and S-head
(deformably aligned) at the proposals' origins -> L_R + L_S (OHEM top 128) + L_T + L_mimic.
Prediction: backbone -> FPN P3-P7 -> refinement -> top 1000 by objectness -> S-head at those
locations -> decode on the refined boxes -> class-wise NMS 0.6, score 0.005, top 100.

Our choices ([D], switches): ``mimic_reg_pos_only=True`` (reg path mimics positives only, cls
path all samples), ``CosineMimicLoss(detach_teacher=True)``, final score = S-head softmax
(``test_cfg.score_mode='s_head'``; ``'product'`` multiplies the refinement objectness), S-head
targets from a ``MaxIoUAssigner(0.5, 0.5)`` on the refined boxes, ``train_cfg.proposal.nms_pre=-1``
(NMS over all locations). ``t_head=None`` builds the deploy (prediction-only) graph.
"""
import copy
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmcv.ops import batched_nms
from mmdet.models.detectors import BaseDetector
from mmdet.models.layers import multiclass_nms
from mmdet.registry import MODELS, TASK_UTILS
from mmengine.config import ConfigDict
from mmengine.logging import print_log
from mmengine.structures import InstanceData
from torch import Tensor

from .mimic_fpn import MimicFPN
from .origins import gather_at_origins

SCORE_MODES = ('s_head', 'product')

DEFAULT_TRAIN_CFG = dict(
    proposal=dict(nms_pre=-1, iou_threshold=0.8, max_per_img=2000),
    s_head=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                              min_pos_iou=0.5, match_low_quality=False, ignore_iof_thr=-1),
                ohem_num=128))
DEFAULT_TEST_CFG = dict(nms_pre=1000, score_thr=0.005, iou_threshold=0.6, max_per_img=100,
                        score_mode='s_head')


@MODELS.register_module()
class MimicDet(BaseDetector):
    """MimicDet: refinement + S-head at test time, plus a T-head to mimic during training.

    Args:
        backbone: Backbone config.
        neck: Neck config producing P2-P7 (``MimicFPN`` lets prediction skip P2).
        refine_head: ``MimicRefineHead`` config (runs on P3-P7).
        s_head: ``MimicSHead`` config (runs on P3-P7).
        t_head: ``MimicTRoIHead`` config, or None for the deploy graph (prediction only).
        mimic_loss: Mimic loss config (``CosineMimicLoss``), or None to train without mimicking.
        mimic_reg_pos_only: Mimic the regression path on positive samples only ([D] True).
        train_cfg: ``proposal`` (nms_pre, iou_threshold [N] 0.8, max_per_img [N] 2000),
            ``s_head`` (assigner, ohem_num [N] 128) and ``t_head`` (assigner, sampler, pos_weight).
        test_cfg: nms_pre ([N] 1000), score_thr ([N] 0.005), iou_threshold ([N] 0.6),
            max_per_img ([N] 100), score_mode ([D] ``'s_head'`` or ``'product'``).
        data_preprocessor: ``DetDataPreprocessor`` config.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 refine_head: dict,
                 s_head: dict,
                 t_head: Optional[dict] = None,
                 mimic_loss: Optional[dict] = dict(type='CosineMimicLoss'),
                 mimic_reg_pos_only: bool = True,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        self.refine_head = MODELS.build(refine_head)
        self.s_head = MODELS.build(s_head)
        if self.refine_head.num_levels != self.s_head.num_levels:
            raise ValueError(f'refine_head ({self.refine_head.num_levels} levels) and s_head '
                             f'({self.s_head.num_levels} levels) must use the same levels')
        train_cfg, test_cfg = _with_defaults(DEFAULT_TRAIN_CFG, train_cfg), _with_defaults(
            DEFAULT_TEST_CFG, test_cfg)
        if test_cfg.score_mode not in SCORE_MODES:
            raise ValueError(f'test_cfg.score_mode must be one of {SCORE_MODES}, '
                             f'got {test_cfg.score_mode!r}')
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        if t_head is not None:
            t_head = dict(t_head)
            t_head.setdefault('train_cfg', train_cfg.get('t_head'))
            self.t_head = MODELS.build(t_head)
        else:
            self.t_head = None
        self.mimic_loss = MODELS.build(mimic_loss) if mimic_loss is not None else None
        self.mimic_reg_pos_only = bool(mimic_reg_pos_only)
        self.s_assigner = TASK_UTILS.build(train_cfg.s_head.assigner)
        if not isinstance(self.neck, MimicFPN):
            print_log('MimicDet: the neck is not a MimicFPN, prediction computes P2 and drops it',
                      logger='current')

    # ------------------------------------------------------------------ features
    def extract_feat(self, batch_inputs: Tensor) -> Tuple[Tensor, ...]:
        """Training features: all neck outputs P2-P7."""
        return self.neck(self.backbone(batch_inputs))

    def extract_predict_feat(self, batch_inputs: Tensor) -> Tuple[Tensor, ...]:
        """Prediction features: P3-P7 only (P2 is not computed with a ``MimicFPN``)."""
        x = self.backbone(batch_inputs)
        if isinstance(self.neck, MimicFPN):
            return self.neck(x, skip_first_level=True)
        return self.neck(x)[1:]

    # ------------------------------------------------------------------ training
    def _proposals(self, obj_maps: List[Tensor], reg_maps: List[Tensor],
                   img_shape, img_id: int) -> InstanceData:
        """Refined boxes of one image after NMS, with their flat origin index and level."""
        cfg = self.train_cfg.proposal
        boxes = self.refine_head.refined_boxes(reg_maps, img_shape, img_id)
        scores = torch.cat([o[img_id].reshape(-1) for o in obj_maps]).detach().sigmoid()
        levels = torch.cat([torch.full((o.shape[-2] * o.shape[-1],), lvl, dtype=torch.long,
                                       device=scores.device) for lvl, o in enumerate(obj_maps)])
        idx = torch.arange(scores.numel(), device=scores.device)
        if 0 < cfg.nms_pre < scores.numel():
            idx = scores.topk(cfg.nms_pre).indices
        _, keep = batched_nms(boxes[idx], scores[idx], torch.zeros_like(idx),
                              dict(type='nms', iou_threshold=cfg.iou_threshold))
        idx = idx[keep[:cfg.max_per_img]]
        return InstanceData(bboxes=boxes[idx], scores=scores[idx], flat_idx=idx,
                            levels=levels[idx])

    def loss(self, batch_inputs: Tensor, batch_data_samples) -> Dict[str, Tensor]:
        """L_R (refine), L_S (S-head, OHEM), L_T (T-head) and the two mimic paths."""
        feats = self.extract_feat(batch_inputs)
        s_feats = feats[1:1 + self.refine_head.num_levels]
        obj_maps, reg_maps = self.refine_head(s_feats)
        batch_gts = [ds.gt_instances for ds in batch_data_samples]
        losses = self.refine_head.loss(obj_maps, reg_maps, batch_gts)
        aligned = self.s_head.align(s_feats, reg_maps)

        proposals = [self._proposals(obj_maps, reg_maps, ds.metainfo['img_shape'], i)
                     for i, ds in enumerate(batch_data_samples)]
        # S-head at every proposal's origin, OHEM per image.
        batch_idx = torch.cat([torch.full_like(p.flat_idx, i) for i, p in enumerate(proposals)])
        flat_idx = torch.cat([p.flat_idx for p in proposals])
        s_out = self.s_head.forward_points(gather_at_origins(aligned, batch_idx, flat_idx))
        sizes = [len(p) for p in proposals]
        s_cls, s_reg = s_out['cls_score'].split(sizes), s_out['bbox_pred'].split(sizes)
        cls_sum, bbox_sum, n_keep, n_pos = 0., 0., 0, 0
        for i, (p, gts) in enumerate(zip(proposals, batch_gts)):
            labels, targets = self._s_targets(p.bboxes, gts)
            lc, lb, npos = self.s_head.loss_ohem(s_cls[i], s_reg[i], labels, targets,
                                                 self.train_cfg.s_head.ohem_num)
            cls_sum, bbox_sum = cls_sum + lc, bbox_sum + lb
            n_keep += min(self.train_cfg.s_head.ohem_num, len(p))
            n_pos += int(npos)
        losses['s_loss_cls'] = cls_sum / max(n_keep, 1)
        # normalised by all kept boxes, as mmdet's BBoxHead does for R-CNN ([D])
        losses['s_loss_bbox'] = bbox_sum / max(n_keep, 1)

        if self.t_head is not None:
            t_props = [InstanceData(bboxes=p.bboxes, levels=p.levels + 1) for p in proposals]
            t_losses, mimic = self.t_head.loss(feats, t_props, batch_data_samples)
            losses.update(t_losses)
            if self.mimic_loss is not None:
                losses.update(self._mimic_losses(s_out, sizes, mimic))
        elif self.mimic_loss is not None:
            raise RuntimeError('training MimicDet with a mimic loss needs a t_head')
        return losses

    def _mimic_losses(self, s_out: Dict[str, Tensor], sizes: List[int],
                      mimic: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Dual-path mimic losses of the T-sampled boxes.

        Args:
            s_out: S-head outputs of all images' candidates, concatenated image by image.
            sizes: Number of candidates per image (the split of ``s_out``).
            mimic: Per sampled box: ``batch_idx``, ``cand_idx`` (index into its image's
                candidates), ``is_pos``, and the T-head ``cls_score`` / ``reg_feat``.

        Returns:
            ``loss_mimic_cls`` over all samples and ``loss_mimic_reg`` over the positives only
            if ``mimic_reg_pos_only`` (else over all samples).
        """
        offsets = torch.tensor([0] + list(sizes[:-1]), device=mimic['cand_idx'].device)
        rows = offsets.cumsum(0)[mimic['batch_idx']] + mimic['cand_idx']
        loss_cls = self.mimic_loss(s_out['cls_score'][rows], mimic['cls_score'])
        reg_rows, t_reg = rows, mimic['reg_feat']
        if self.mimic_reg_pos_only:
            reg_rows, t_reg = rows[mimic['is_pos']], t_reg[mimic['is_pos']]
        loss_reg = self.mimic_loss(s_out['reg_feat'][reg_rows], t_reg)
        return dict(loss_mimic_cls=loss_cls, loss_mimic_reg=loss_reg)

    def _s_targets(self, boxes: Tensor, gts: InstanceData) -> Tuple[Tensor, Tensor]:
        """S-head labels (C = background) and deltas of the refined boxes w.r.t. their GT."""
        num_classes = self.s_head.num_classes
        labels = boxes.new_full((len(boxes),), num_classes, dtype=torch.long)
        targets = boxes.new_zeros(len(boxes), 4)
        if len(gts) == 0 or len(boxes) == 0:
            return labels, targets
        res = self.s_assigner.assign(InstanceData(priors=boxes), gts)
        pos = res.gt_inds > 0
        gt_idx = res.gt_inds[pos] - 1
        labels[pos] = gts.labels[gt_idx]
        targets[pos] = self.s_head.bbox_coder.encode(boxes[pos], gts.bboxes[gt_idx].float())
        return labels, targets

    # ------------------------------------------------------------------ prediction
    def predict(self, batch_inputs: Tensor, batch_data_samples, rescale: bool = True):
        """One-stage prediction: P3-P7, refinement, S-head at the top refined anchors, NMS."""
        feats = self.extract_predict_feat(batch_inputs)
        obj_maps, reg_maps = self.refine_head(feats)
        aligned = self.s_head.align(feats, reg_maps)
        cfg = self.test_cfg
        results = []
        for i, ds in enumerate(batch_data_samples):
            img_shape = ds.metainfo['img_shape']
            scores = torch.cat([o[i].reshape(-1) for o in obj_maps]).sigmoid()
            k = min(cfg.nms_pre, scores.numel()) if cfg.nms_pre > 0 else scores.numel()
            obj, idx = scores.topk(k)
            featmap_sizes = [r.shape[-2:] for r in reg_maps]
            anchors = self.refine_head.anchors(featmap_sizes, scores.device, scores.dtype)[idx]
            deltas = torch.cat([r[i].flatten(1) for r in reg_maps], 1).t()[idx]
            refined = self.refine_head.bbox_coder.decode(anchors, deltas, max_shape=img_shape)
            out = self.s_head.forward_points(
                gather_at_origins(aligned, torch.full_like(idx, i), idx))
            boxes = self.s_head.bbox_coder.decode(refined, out['bbox_pred'],
                                                  max_shape=img_shape)
            probs = F.softmax(out['cls_score'], dim=-1)
            if cfg.score_mode == 'product':
                probs = torch.cat([probs[:, :-1] * obj[:, None], probs[:, -1:]], 1)
            dets, labels = multiclass_nms(boxes, probs, cfg.score_thr,
                                          dict(type='nms', iou_threshold=cfg.iou_threshold),
                                          cfg.max_per_img)
            bboxes = dets[:, :4]
            if rescale and 'scale_factor' in ds.metainfo:
                bboxes = bboxes / bboxes.new_tensor(ds.metainfo['scale_factor']).repeat(2)
            results.append(InstanceData(bboxes=bboxes, scores=dets[:, 4], labels=labels))
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _forward(self, batch_inputs: Tensor, batch_data_samples=None):
        """Dense outputs of the prediction graph: objectness, deltas and aligned S features."""
        feats = self.extract_predict_feat(batch_inputs)
        obj_maps, reg_maps = self.refine_head(feats)
        return tuple(obj_maps), tuple(reg_maps), tuple(self.s_head.align(feats, reg_maps))


def _with_defaults(default: dict, override: Optional[dict]) -> ConfigDict:
    """``default`` recursively updated by ``override`` (may be None), via ``ConfigDict.merge``."""
    cfg = ConfigDict(copy.deepcopy(default))
    if override is not None:
        if not isinstance(override, dict):
            raise TypeError(f'train_cfg/test_cfg must be a dict or None, got {override!r}')
        cfg.merge(override)
    return cfg
