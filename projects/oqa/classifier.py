"""OQA classifiers: the supernet trainer (sampler, in-place KD, random resolution) and a
static classifier that resizes to its subnet's resolution.

Section 4 of the OQA spec. The training code of OQA was never released [CODE]; the rule here is
our default [D]: the sandwich rule with ``num_subnets`` subnets per step (max, min and random
ones), in-place distillation (the max subnet learns from the labels, every other subnet from
the max subnet's detached soft logits through KL divergence), one random resolution per step
from ``resolutions``. ``sampler='uniform'`` draws ``num_subnets`` random subnets instead (with
``teacher='max_subnet'`` the max subnet then runs without gradient, as a teacher only).
``teacher='fp_ofa'`` distils every subnet from a separate frozen full-precision network (the
FP OFA supernet OQA starts from [R]) as OFA's knowledge distillation does [OFA]: each subnet's
loss is ``CE(labels) + kd_weight * KD(teacher)``; the teacher (``teacher_model``, default the
same supernet with ``bits=None``, its max subnet) is loaded from ``teacher_checkpoint``, kept in
eval mode, not trained, not saved in the checkpoints.

All subnets of a step run inside ``loss()`` and their losses are summed (one backward), so the
stock ``train_step`` and mmengine's DDP wrapper work unchanged (set
``model_wrapper_cfg=dict(type='MMDistributedDataParallel', find_unused_parameters=True)``,
the transform matrices of unused kernels get no gradient). This costs the activations of all
subnets at once; OFA instead calls backward per subnet. The sampling RNG is seeded by
``(seed, iteration)``, so every rank draws the same subnets and a resumed run the same ones.
"""
import copy
import os.path as osp
import random
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .lsq import lsq_quantizers

SAMPLERS = ('sandwich', 'uniform')
TEACHERS = ('max_subnet', 'fp_ofa', None)


def resize_to(inputs: torch.Tensor, resolution: Optional[int]) -> torch.Tensor:
    """Bilinear resize of a batch to ``resolution`` (no-op when it already has that size)."""
    if resolution is None or tuple(inputs.shape[-2:]) == (resolution, resolution):
        return inputs
    return F.interpolate(inputs, size=(resolution, resolution), mode='bilinear',
                         align_corners=False)


@MODELS.register_module()
class OQAImageClassifier(ImageClassifier):
    """``ImageClassifier`` that first resizes the batch to ``resolution`` (if given).

    Used for exported static subnets so that they see exactly the supernet's input.
    """

    def __init__(self, *args, resolution: Optional[int] = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.resolution = resolution

    def current_resolution(self) -> Optional[int]:
        return self.resolution

    def extract_feat(self, inputs, stage='neck'):
        return super().extract_feat(resize_to(inputs, self.current_resolution()), stage)


@MODELS.register_module()
class OQASupernetClassifier(OQAImageClassifier):
    """Classifier around :class:`OQAMobileNetV3Supernet` that trains many subnets per step.

    Args:
        backbone, neck, head, data_preprocessor, init_cfg: As ``ImageClassifier``.
        sampler: ``'sandwich'`` (max, min, ``num_subnets - 2`` random) or ``'uniform'``.
        num_subnets: Subnets per training step.
        resolutions: Training resolutions; default: the backbone's list.
        teacher: ``'max_subnet'`` (in-place distillation), ``'fp_ofa'`` (a frozen FP teacher,
            OFA-style CE + KD for every subnet) or ``None`` (labels for all).
        teacher_model: Model config of the ``'fp_ofa'`` teacher; default: this classifier with
            ``backbone.bits=None`` (FP) and its max subnet.
        teacher_checkpoint: Checkpoint of the ``'fp_ofa'`` teacher (required for it).
        kd_temperature: Softmax temperature of the KD loss (loss scaled by T^2).
        kd_weight: Weight of each KD term.
        subnet: The subnet used outside training (eval/test): dict or ``-ks -es -d -is``
            string; ``None`` = the max subnet.
        seed: Seed of the subnet/resolution sampler.
    """

    def __init__(self, backbone: dict, *args, sampler: str = 'sandwich', num_subnets: int = 4,
                 resolutions: Optional[Sequence[int]] = None,
                 teacher: Optional[str] = 'max_subnet', kd_temperature: float = 1.0,
                 kd_weight: float = 1.0, subnet: Union[None, str, dict] = None,
                 seed: int = 0, teacher_model: Optional[dict] = None,
                 teacher_checkpoint: Optional[str] = None, **kwargs) -> None:
        own_cfg = dict(type='OQASupernetClassifier', backbone=copy.deepcopy(backbone),
                       neck=copy.deepcopy(kwargs.get('neck')),
                       head=copy.deepcopy(kwargs.get('head')),
                       data_preprocessor=copy.deepcopy(kwargs.get('data_preprocessor')),
                       teacher=None)
        super().__init__(backbone, *args, **kwargs)
        if sampler not in SAMPLERS:
            raise ValueError(f'sampler must be one of {SAMPLERS}, got {sampler!r}')
        if teacher not in TEACHERS:
            raise ValueError(f"teacher must be 'max_subnet', 'fp_ofa' or None, got {teacher!r}")
        if not isinstance(num_subnets, int) or num_subnets < (2 if sampler == 'sandwich' else 1):
            raise ValueError(f'num_subnets must be an int >= 2 for sandwich (>= 1 for uniform), '
                             f'got {num_subnets!r}')
        if not hasattr(self.backbone, 'set_subnet'):
            raise TypeError(f'OQASupernetClassifier needs a supernet backbone with set_subnet(), '
                            f'got {type(self.backbone).__name__}')
        self.sampler, self.num_subnets, self.teacher = sampler, num_subnets, teacher
        self.train_resolutions = list(resolutions or self.backbone.resolutions)
        self.kd_temperature, self.kd_weight, self.seed = kd_temperature, kd_weight, seed
        self._calls = 0
        self.set_eval_subnet(subnet)
        self._fp_teacher = []  # a list: not a submodule (no optimizer, no state dict)
        if teacher == 'fp_ofa':
            self._fp_teacher.append(self._build_fp_teacher(own_cfg, teacher_model,
                                                           teacher_checkpoint))

    @staticmethod
    def _build_fp_teacher(own_cfg: dict, teacher_model: Optional[dict],
                          checkpoint: Optional[str]):
        from mmengine.runner import load_checkpoint
        if not isinstance(checkpoint, str) or not checkpoint:
            raise ValueError("teacher='fp_ofa' needs teacher_checkpoint (the FP supernet's "
                             f'checkpoint), got {checkpoint!r}')
        if not osp.isfile(checkpoint):
            raise ValueError(f'teacher_checkpoint {checkpoint}: no such file')
        if teacher_model is None:
            teacher_model = own_cfg
            teacher_model['backbone']['bits'] = None
        model = MODELS.build(copy.deepcopy(teacher_model))
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True, logger='current')
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        return model

    @torch.no_grad()
    def fp_teacher_logits(self, inputs: torch.Tensor, resolution: int) -> torch.Tensor:
        """Logits of the frozen FP teacher (its eval subnet) at ``resolution``."""
        teacher = self._fp_teacher[0]
        p = next(teacher.parameters())
        if p.device != inputs.device:
            teacher.to(inputs.device)
        teacher.eval()
        feats = ImageClassifier.extract_feat(teacher, resize_to(inputs, resolution))
        return teacher.head(feats).to(inputs.dtype)

    def set_eval_subnet(self, subnet: Union[None, str, dict]) -> dict:
        """Set (and keep) the subnet used outside training."""
        arch = self.backbone.max_subnet() if subnet is None else subnet
        self.eval_arch = self.backbone.set_subnet(arch)
        return self.eval_arch

    def current_resolution(self) -> Optional[int]:
        return self.backbone.active_arch['resolution']

    def _rng(self) -> random.Random:
        it = MessageHub.get_current_instance().get_info('iter')
        step = self._calls if it is None else it
        self._calls += 1
        return random.Random(self.seed * 1_000_003 + step)

    def sample_step(self, rng: random.Random) -> List[dict]:
        """The subnets of one step, each with the step's resolution."""
        bb = self.backbone
        if self.sampler == 'sandwich':
            archs = [bb.max_subnet(), bb.min_subnet()]
            archs += [bb.random_subnet(rng) for _ in range(self.num_subnets - 2)]
        else:
            archs = [bb.random_subnet(rng) for _ in range(self.num_subnets)]
        res = rng.choice(self.train_resolutions)
        return [dict(a, resolution=res) for a in archs]

    def _logits(self, inputs, arch):
        self.backbone.set_subnet(arch)
        feats = super().extract_feat(resize_to(inputs, arch['resolution']))
        return self.head(feats)

    def kd_loss(self, logits: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
        t = self.kd_temperature
        return F.kl_div(F.log_softmax(logits / t, 1), F.softmax(teacher / t, 1),
                        reduction='batchmean') * (t * t) * self.kd_weight

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample]) -> dict:
        archs = self.sample_step(self._rng())
        losses = self._losses(inputs, data_samples, archs)
        bad = [k for k, v in losses.items() if not bool(torch.isfinite(v.detach()).all())]
        if bad:
            i = int(bad[0].rsplit('_', 1)[1])
            from .arch import arch_to_str
            steps = [abs(float(q.step)) for q in lsq_quantizers(self.backbone)
                     if q.bits is not None]
            raise ValueError(f'OQASupernetClassifier: non-finite {bad} for subnet '
                             f'{arch_to_str(archs[i])} (smallest LSQ |step| '
                             f'{min(steps) if steps else None}); lower the learning rate')
        return losses

    def _losses(self, inputs, data_samples, archs) -> dict:
        labels = torch.cat([s.gt_label for s in data_samples]).to(inputs.device)
        losses = {}
        teacher_logits = None
        try:
            if self.teacher == 'fp_ofa':
                teacher_logits = self.fp_teacher_logits(inputs, archs[0]['resolution'])
                for i, arch in enumerate(archs):
                    logits = self._logits(inputs, arch)
                    losses[f'loss_ce_{i}'] = F.cross_entropy(logits, labels)
                    losses[f'loss_kd_{i}'] = self.kd_loss(logits, teacher_logits)
                return losses
            if self.teacher == 'max_subnet' and self.sampler == 'uniform':
                with torch.no_grad():
                    teacher_logits = self._logits(inputs, dict(
                        self.backbone.max_subnet(), resolution=archs[0]['resolution']))
            for i, arch in enumerate(archs):
                logits = self._logits(inputs, arch)
                if teacher_logits is None:
                    losses[f'loss_ce_{i}'] = F.cross_entropy(logits, labels)
                    if self.teacher == 'max_subnet' and i == 0:  # sandwich: max is first
                        teacher_logits = logits.detach()
                else:
                    losses[f'loss_kd_{i}'] = self.kd_loss(logits, teacher_logits)
        finally:
            self.backbone.set_subnet(self.eval_arch)
        return losses
