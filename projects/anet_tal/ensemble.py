"""Test-time ensemble of boundary-matching localizers (BMN, BSN++, any BMN-like model).

Report: ActivityNet Challenge 2020 Task 1 submission (arXiv 2007.09883) ensembles proposal
generators trained on different feature encoders; the fusion rule is not given there. Two
rules, both our design (``anet2020_tal.md``, stage 2):

* ``rule='map_mean'`` (default): the weighted mean of every member's ``p_s``, ``p_e``,
  ``p_cls`` and ``p_reg`` (weights sum to 1; default equal), then BMN's candidate rule,
  scoring and Soft-NMS once. All maps must share T: members on features of different T fail
  with one line naming them, unless ``temporal_dim`` is set, which resamples every member's
  curves (linear) and BM maps (bilinear in normalised start/end) to that T
  (:func:`~projects.common.localization.postprocess.resample_bm_map`). The products
  ``w_m * map_m`` are summed in float64 in sorted order, so the mean does not depend on the
  order of the members, and M copies of one model give that model's maps bit for bit.
* ``rule='proposal_union'``: each member's BMN candidates (scored, before Soft-NMS; their times
  are normalised, so T may differ), concatenated and sorted (order-free), then one joint
  Soft-NMS.

Members are built from ``(config, checkpoint)`` pairs; each takes its own input tensor (its own
feature set), in ``forward(inputs=[x_1, ..., x_M])``. Training through the ensemble is not
supported (``mode='loss'`` raises).
"""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.runner import load_checkpoint

from mmaction.registry import MODELS
from projects.common.localization.errors import LocalizationInputError
from projects.common.localization.postprocess import (SCORE_FUSIONS, bm_candidates,
                                                      proposals_to_list, resample_bm_map,
                                                      resample_boundary)

RULES = ('map_mean', 'proposal_union')
MAP_KEYS = ('start', 'end', 'cls', 'reg')


def weighted_map_mean(maps: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """``sum_m w_m * maps[m]`` in float64, summed in sorted order (independent of the order of
    the members), cast back to the dtype of the first map."""
    prods = np.stack([np.asarray(m, dtype=np.float64) * w for m, w in zip(maps, weights)])
    return np.sort(prods, axis=0).sum(axis=0).astype(np.asarray(maps[0]).dtype)


def check_common_t(dims: Sequence[int], names: Sequence[str]) -> None:
    """One-line :class:`LocalizationInputError` naming the first member whose T differs."""
    for i, t in enumerate(dims[1:], 1):
        if t != dims[0]:
            raise LocalizationInputError(
                f"EnsembleLocalizer: rule='map_mean' needs one temporal_dim, but {names[i]} "
                f"has T={t} and {names[0]} has T={dims[0]}; set the ensemble's temporal_dim "
                f'to resample every member to one T')


def fuse_member_maps(member_maps: Sequence[Dict[str, np.ndarray]], weights: Sequence[float],
                     temporal_dim: Optional[int] = None,
                     names: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
    """``map_mean`` of per-member ``{'start', 'end' (..., T), 'cls', 'reg' (..., T, T)}``.

    Raises a one-line :class:`LocalizationInputError` when the members' T differ and
    ``temporal_dim`` is ``None``.
    """
    names = list(names) if names is not None else [f'member {i}' for i in
                                                   range(len(member_maps))]
    if temporal_dim is None:
        check_common_t([m['start'].shape[-1] for m in member_maps], names)
        resampled = member_maps
    else:
        resampled = [dict(start=resample_boundary(m['start'], temporal_dim),
                          end=resample_boundary(m['end'], temporal_dim),
                          cls=resample_bm_map(m['cls'], temporal_dim),
                          reg=resample_bm_map(m['reg'], temporal_dim)) for m in member_maps]
    return {k: weighted_map_mean([m[k] for m in resampled], weights) for k in MAP_KEYS}


REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _model_cfg(config) -> dict:
    if isinstance(config, str):
        if not osp.isfile(config) and osp.isfile(osp.join(REPO_ROOT, config)):
            config = osp.join(REPO_ROOT, config)  # repo-relative paths from any directory
        if not osp.isfile(config):
            raise LocalizationInputError(f'{config}: member config file not found')
        config = Config.fromfile(config)
    config = copy.deepcopy(dict(config))
    model = config.get('model', config)
    if 'type' not in model:
        raise ValueError("a member config must be a config file, a config with a 'model' key, "
                         "or a model dict with a 'type'")
    return model


@MODELS.register_module()
class EnsembleLocalizer(BaseModel):
    """Fuse M boundary-matching localizers at test time (see the module docstring).

    Args:
        members: ``[dict(config=<file | config dict | model dict>, checkpoint=<file | None>,
            name=<optional>)]``; ``checkpoint=None`` keeps the initial weights (tests only).
        rule: ``'map_mean'`` or ``'proposal_union'``.
        weights: ``map_mean`` weights (non-negative, summing to 1); default equal.
        temporal_dim: Common T to resample every member to (``map_mean``); ``None`` = the
            members must share T.
        soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold, post_process_top_k,
        feature_extraction_interval: As mmaction2 ``BMN`` (0.4 / 0.5 / 0.9 / 100 / 16).
        score_fusion: Proposal score ``'bmn'`` (``p_s p_e p_cls p_reg``) or ``'sqrt'``.
        soft_nms_impl: ``'numpy'`` (vectorized, same output) or ``'mmaction'``.
    """

    def __init__(self, members: Sequence[dict], rule: str = 'map_mean',
                 weights: Optional[Sequence[float]] = None, temporal_dim: Optional[int] = None,
                 soft_nms_alpha: float = 0.4, soft_nms_low_threshold: float = 0.5,
                 soft_nms_high_threshold: float = 0.9, post_process_top_k: int = 100,
                 feature_extraction_interval: int = 16, score_fusion: str = 'bmn',
                 soft_nms_impl: str = 'numpy', data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if rule not in RULES:
            raise ValueError(f'rule must be one of {RULES}, got {rule!r}')
        if not members:
            raise ValueError('EnsembleLocalizer needs at least one member')
        if score_fusion not in SCORE_FUSIONS:
            raise ValueError(f'score_fusion must be one of {SCORE_FUSIONS}, got {score_fusion!r}')
        if weights is not None:
            if rule != 'map_mean':
                raise ValueError("weights are used by rule='map_mean' only")
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (len(members), ) or (w < 0).any() or abs(w.sum() - 1.0) > 1e-6:
                raise ValueError(f'weights must be {len(members)} non-negative numbers summing '
                                 f'to 1, got {list(weights)}')
            self.weights = w
        else:
            self.weights = np.full(len(members), 1.0 / len(members))
        if temporal_dim is not None and (not isinstance(temporal_dim, int) or temporal_dim < 2):
            raise ValueError(f'temporal_dim must be an int >= 2 or None, got {temporal_dim!r}')
        self.rule = rule
        self.temporal_dim = temporal_dim
        self.soft_nms = (soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold)
        self.top_k = post_process_top_k
        self.feature_extraction_interval = feature_extraction_interval
        self.score_fusion = score_fusion
        self.soft_nms_impl = soft_nms_impl
        self.member_names: List[str] = []
        models = []
        for i, member in enumerate(members):
            if not isinstance(member, dict) or 'config' not in member:
                raise ValueError(f'members[{i}] must be a dict with "config" (and "checkpoint"),'
                                 f' got {member!r}')
            config, ckpt = member['config'], member.get('checkpoint')
            name = member.get('name') or (f'member {i} ({config})' if isinstance(config, str)
                                         else f'member {i}')
            model = MODELS.build(_model_cfg(config))
            if ckpt is not None:
                load_checkpoint(model, ckpt, map_location='cpu', logger='current')
            else:
                print_log(f'EnsembleLocalizer: {name} has no checkpoint (initial weights)',
                          logger='current')
            if not hasattr(model, '_forward'):
                raise ValueError(f'{name}: {type(model).__name__} has no _forward returning '
                                 f'(confidence_map, start, end) (BMN-like localizers only)')
            models.append(model.eval())
            self.member_names.append(name)
        self.members = torch.nn.ModuleList(models)

    def _split_inputs(self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
                      ) -> List[torch.Tensor]:
        if isinstance(inputs, torch.Tensor):
            return [inputs] * len(self.members)
        inputs = list(inputs)
        if len(inputs) != len(self.members):
            raise LocalizationInputError(f'EnsembleLocalizer: {len(inputs)} input tensors for '
                                         f'{len(self.members)} members (one feature set each)')
        return inputs

    @torch.no_grad()
    def member_maps(self, inputs) -> List[Dict[str, np.ndarray]]:
        """Every member's ``start``/``end`` ``(B, T_m)`` and ``cls``/``reg``
        ``(B, T_m, T_m)`` maps (numpy, the members' dtype)."""
        out = []
        for model, x in zip(self.members, self._split_inputs(inputs)):
            cmap, start, end = model._forward(x)
            cmap, start, end = (t.detach().cpu().numpy() for t in (cmap, start, end))
            out.append(dict(start=start, end=end, cls=cmap[:, 1], reg=cmap[:, 0]))
        return out

    def candidates(self, inputs) -> List[np.ndarray]:
        """Per video of the batch, the fused candidates ``(N, 7)`` before Soft-NMS."""
        maps = self.member_maps(inputs)
        batch = maps[0]['start'].shape[0]
        if self.rule == 'map_mean':
            fused = fuse_member_maps(maps, self.weights, self.temporal_dim, self.member_names)
            return [bm_candidates(fused['start'][i], fused['end'][i], fused['cls'][i],
                                  fused['reg'][i], self.score_fusion) for i in range(batch)]
        out = []
        for i in range(batch):
            cand = np.concatenate([
                bm_candidates(m['start'][i], m['end'][i], m['cls'][i], m['reg'][i],
                              self.score_fusion).astype(np.float64) for m in maps])
            out.append(cand[np.lexsort(cand.T[::-1])])  # member order does not matter
        return out

    def forward(self, inputs, data_samples: Optional[list] = None, mode: str = 'predict'):
        """``mode='predict'``: ``[{'video_name', 'proposal_list'}]`` per video;
        ``'tensor'``: the fused candidates; ``'loss'`` is not supported."""
        if mode == 'loss':
            raise ValueError('EnsembleLocalizer is test-time only: train each member with its '
                             'own config')
        if mode == 'tensor':
            return self.candidates(inputs)
        if mode != 'predict':
            raise ValueError(f"mode must be 'predict' or 'tensor', got {mode!r}")
        outputs = []
        for cand, sample in zip(self.candidates(inputs), data_samples):
            info = sample.metainfo if hasattr(sample, 'metainfo') else sample
            proposals = proposals_to_list(cand, info, *self.soft_nms, self.top_k,
                                          self.feature_extraction_interval, self.soft_nms_impl)
            outputs.append(dict(video_name=info['video_name'], proposal_list=proposals))
        return outputs


__all__ = ['EnsembleLocalizer', 'fuse_member_maps', 'check_common_t', 'weighted_map_mean', 'RULES']
