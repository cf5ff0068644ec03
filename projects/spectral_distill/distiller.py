"""Collaborative spectral/parameter distiller for any two mmaction2 recognizers.

Paper: "Collaborative Distillation in the Parameter and Spectrum Domains for Video Action
Recognition" (arXiv 2009.06902). The three ideas (feature spectrum distillation, parameter
distribution distillation, collaborative training) come from the abstract; the taps,
adapters, loss forms, weights and the three training modes are our reconstruction and are
all configurable (projects/spectral_distill/README.md lists which).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.runner import load_checkpoint

from mmaction.registry import MODELS

MODES = ('offline', 'mutual', 'uncertainty')
LAYOUTS = ('auto', '2d', '3d')
SPATIAL = ('gap', 'none')
#: prefixes of the distiller's state dict that are not the student's
NON_STUDENT_PREFIXES = ('teacher.', 'adapters.', 'log_vars.', 'data_preprocessor.')


def _module_at(model: nn.Module, path: str, key: str, who: str) -> nn.Module:
    """``model.get_submodule(path)`` with a one-line error naming the config key."""
    if not isinstance(path, str):
        raise TypeError(f'{key}: the {who} module path must be a str, got {path!r}')
    if path in ('', '.'):
        return model
    try:
        return model.get_submodule(path)
    except AttributeError:
        top = sorted(n for n, _ in model.named_children())
        raise ValueError(f'{key}: the {who} has no module {path!r} '
                         f'(its top-level modules: {top})') from None


def _layout_of(model: nn.Module, layout: str, who: str) -> str:
    from mmaction.models import Recognizer2D, Recognizer3D
    if layout not in LAYOUTS:
        raise ValueError(f'feature_layout.{who} must be one of {LAYOUTS}, got {layout!r}')
    if layout != 'auto':
        return layout
    if isinstance(model, Recognizer2D):
        return '2d'
    if isinstance(model, Recognizer3D):
        return '3d'
    raise ValueError(f"feature_layout.{who}: cannot infer the feature layout of "
                     f"{type(model).__name__}; set it to '2d' or '3d'")


def to_ntc(feat: torch.Tensor, layout: str, num_segs: int) -> torch.Tensor:
    """Features of one tap in ``[N, T, C, ...]``.

    ``'2d'``: ``[N*T, C, ...]`` from a 2D recognizer (segments of one clip are contiguous);
    ``'3d'``: ``[N, C, T, ...]`` from a 3D recognizer.
    """
    if layout == '2d':
        if feat.shape[0] % num_segs:
            raise ValueError(f'a 2D feature of batch {feat.shape[0]} is not a multiple of '
                             f'num_segs={num_segs}')
        return feat.reshape((feat.shape[0] // num_segs, num_segs) + feat.shape[1:])
    if feat.dim() < 3:
        raise ValueError(f'a 3D feature must be [N, C, T, ...], got {tuple(feat.shape)}')
    return feat.transpose(1, 2)


class TapAdapter(nn.Module):
    """Student adapter of one tap: 1x1 conv + BN (``C_s -> C_t``), dropped on export."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, C_s, H, W] -> [B, C_t, H, W]``."""
        return self.bn(self.conv(x))


def _first(out):
    if isinstance(out, (tuple, list)):
        return out[-1] if len(out) else out
    return out


@MODELS.register_module()
class SpectralCollabDistiller(BaseModel):
    """Distil a teacher recognizer into a student in the spectrum and parameter domains.

    Both recognizers see the same preprocessed clips (one preprocessing pass; the teacher's
    inputs are re-normalised when its ``data_preprocessor`` uses another mean/std).
    Validation, test and ``predict`` run the student alone.

    Args:
        student: Config of the student recognizer (any mmaction2 recognizer).
        teacher: Config of the teacher recognizer.
        teacher_ckpt: Teacher checkpoint, loaded by :meth:`init_weights` (so a runner that
            resumes or loads ``load_from`` does not fetch it twice). ``None`` keeps the
            teacher's own initialisation (with a warning in ``offline`` mode).
        mode: ``'offline'`` (teacher frozen in eval mode, no grad), ``'mutual'`` (both trained
            in one ``train_step`` through an ``OptimWrapperDict(student=..., teacher=...)``) or
            ``'uncertainty'`` (frozen teacher; the loss terms weighted by learned
            log-variances ``s_i``: ``sum_i exp(-s_i) L_i + s_i``).
        taps: Feature pairs of the spectrum loss: dicts with ``student`` and ``teacher``
            module paths (``'backbone'``, ``'backbone.layer4'``, ...) and ``channels=(C_s,
            C_t)``; a 1x1 conv + BN adapter maps ``C_s`` to ``C_t`` (``channels=None``: no
            adapter, the channels must already agree).
        feature_layout: ``dict(student=..., teacher=...)`` of ``'auto'``, ``'2d'`` or ``'3d'``.
        spatial: ``'gap'`` averages the taps over H, W before the DFT; ``'none'`` keeps one
            spectrum per position.
        spectrum_loss: Config of the spectrum loss (``TemporalSpectrumLoss``).
        alpha_spec: Weight of the spectrum loss (0 turns it off).
        param_pairs: ``(student_path, teacher_path)`` stage pairs of the parameter loss.
        param_loss: Config of the parameter loss (``ParamFreqDistLoss``).
        beta_param: Weight of the parameter loss (0 turns it off).
        tau: Temperature of the logits KD and of the mutual term.
        lam_kd: Weight of the logits KD term (0 turns it off).
        lam_mutual: Weight of the teacher's KL term in ``mutual`` mode.
        data_preprocessor: Ignored when ``None``: the student's preprocessor is used.
        init_cfg: mmengine init config (unused by default).
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 teacher_ckpt: Optional[str] = None,
                 mode: str = 'offline',
                 taps: Sequence[dict] = (dict(student='backbone', teacher='backbone',
                                              channels=None), ),
                 feature_layout: Optional[dict] = None,
                 spatial: str = 'gap',
                 spectrum_loss: dict = dict(type='TemporalSpectrumLoss'),
                 alpha_spec: float = 1.0,
                 param_pairs: Sequence[Tuple[str, str]] = (),
                 param_loss: dict = dict(type='ParamFreqDistLoss'),
                 beta_param: float = 0.1,
                 tau: float = 4.0,
                 lam_kd: float = 1.0,
                 lam_mutual: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        for key, cfg in (('student', student), ('teacher', teacher)):
            if not isinstance(cfg, dict) or 'type' not in cfg:
                raise TypeError(f'model.{key} must be a recognizer config dict with a type, '
                                f'got {type(cfg).__name__}')
        if mode not in MODES:
            raise ValueError(f'model.mode must be one of {MODES}, got {mode!r}')
        if spatial not in SPATIAL:
            raise ValueError(f'model.spatial must be one of {SPATIAL}, got {spatial!r}')
        if tau <= 0:
            raise ValueError(f'model.tau must be > 0, got {tau}')
        for key, value in (('alpha_spec', alpha_spec), ('beta_param', beta_param),
                           ('lam_kd', lam_kd), ('lam_mutual', lam_mutual)):
            if value < 0:
                raise ValueError(f'model.{key} must be >= 0, got {value}')
        student_model = MODELS.build(student)
        teacher_model = MODELS.build(teacher)
        if data_preprocessor is not None:
            print_log('SpectralCollabDistiller: model.data_preprocessor is ignored; the '
                      "student's own preprocessor is used", logger='current', level=30)
        super().__init__(data_preprocessor=student_model.data_preprocessor, init_cfg=init_cfg)
        self.student = student_model
        self.teacher = teacher_model
        self.teacher_ckpt = teacher_ckpt
        self.mode = mode
        self.spatial = spatial
        self.alpha_spec, self.beta_param = float(alpha_spec), float(beta_param)
        self.tau, self.lam_kd, self.lam_mutual = float(tau), float(lam_kd), float(lam_mutual)
        #: factor of the distillation terms, ramped by DistillLossWarmupHook
        self.distill_factor = 1.0

        layouts = dict(student='auto', teacher='auto', **(feature_layout or {}))
        self.layouts = {who: _layout_of(getattr(self, who), layouts[who], who)
                        for who in ('student', 'teacher')}
        self._check_preprocessors()

        # feature taps (forward hooks) and their adapters
        if isinstance(taps, dict):
            taps = [taps]
        self.taps = [dict(t) for t in taps] if self.alpha_spec > 0 else []
        self.adapters = nn.ModuleList()
        self._captured: Dict[Tuple[str, int], torch.Tensor] = {}
        self._capture = False
        for i, tap in enumerate(self.taps):
            if not isinstance(tap, dict) or 'student' not in tap or 'teacher' not in tap:
                raise TypeError(f'model.taps[{i}] must be a dict with student and teacher '
                                f'module paths, got {tap!r}')
            for who in ('student', 'teacher'):
                module = _module_at(getattr(self, who), tap[who], f'model.taps[{i}].{who}', who)
                module.register_forward_hook(self._make_hook((who, i)))
            channels = tap.get('channels')
            if channels is None:
                self.adapters.append(nn.Identity())
            else:
                if (not isinstance(channels, (tuple, list)) or len(channels) != 2
                        or not all(isinstance(c, int) and c > 0 for c in channels)):
                    raise ValueError(f'model.taps[{i}].channels must be (C_student, C_teacher),'
                                     f' got {channels!r}')
                self.adapters.append(TapAdapter(*channels))
        self.spectrum_loss = MODELS.build(spectrum_loss)

        # parameter-loss stage pairs
        self.param_pairs = [tuple(p) for p in param_pairs] if self.beta_param > 0 else []
        for i, pair in enumerate(self.param_pairs):
            if len(pair) != 2:
                raise ValueError(f'model.param_pairs[{i}] must be (student_path, '
                                 f'teacher_path), got {pair!r}')
            _module_at(self.student, pair[0], f'model.param_pairs[{i}][0]', 'student')
            _module_at(self.teacher, pair[1], f'model.param_pairs[{i}][1]', 'teacher')
        self.param_loss = MODELS.build(param_loss)
        #: the frozen teacher's stage distributions (recomputed when its weights change)
        self._teacher_dist_cache: Dict = {}

        terms = ['cls']
        terms += ['kd'] if self.lam_kd > 0 else []
        terms += ['spec'] if self.taps else []
        terms += ['param'] if self.param_pairs else []
        self.terms = terms
        if mode == 'uncertainty':
            self.log_vars = nn.ParameterDict(
                {t: nn.Parameter(torch.zeros(())) for t in terms})

        if mode == 'mutual':
            self.teacher.requires_grad_(True)
        else:
            self.teacher.requires_grad_(False)
            self.teacher.eval()

    # ------------------------------------------------------------------ set-up
    def _check_preprocessors(self) -> None:
        s_pre, t_pre = self.student.data_preprocessor, self.teacher.data_preprocessor
        s_fmt = getattr(s_pre, 'format_shape', None)
        t_fmt = getattr(t_pre, 'format_shape', None)
        if s_fmt != t_fmt:
            raise ValueError('model.student and model.teacher data_preprocessor.format_shape '
                             f'must agree (one input for both), got {s_fmt!r} and {t_fmt!r}')
        self._renorm = None
        s_norm = getattr(s_pre, '_enable_normalize', False)
        t_norm = getattr(t_pre, '_enable_normalize', False)
        s_mean = s_pre.mean if s_norm else None
        t_mean = t_pre.mean if t_norm else None
        if s_norm == t_norm and (not s_norm or (torch.equal(s_pre.mean, t_pre.mean) and
                                                torch.equal(s_pre.std, t_pre.std))):
            return
        # x_t = (x_s * std_s + mean_s - mean_t) / std_t
        s_std = s_pre.std if s_norm else torch.ones_like(t_pre.std)
        s_mean = s_mean if s_norm else torch.zeros_like(t_pre.mean)
        t_std = t_pre.std if t_norm else torch.ones_like(s_std)
        t_mean = t_mean if t_norm else torch.zeros_like(s_mean)
        self._renorm = (s_std / t_std, (s_mean - t_mean) / t_std)

    def _make_hook(self, key: Tuple[str, int]):
        def hook(module, args, output):
            if self._capture:
                self._captured[key] = _first(output)
        return hook

    def init_weights(self) -> None:
        """Initialise the student and adapters; load ``teacher_ckpt`` into the teacher."""
        self.student.init_weights()
        if self.teacher_ckpt:
            if '://' not in self.teacher_ckpt and not osp.isfile(self.teacher_ckpt):
                raise ValueError(f'model.teacher_ckpt: {self.teacher_ckpt} not found (train the '
                                 'teacher first, or give a URL)')
            load_checkpoint(self.teacher, self.teacher_ckpt, map_location='cpu', strict=True,
                            logger='current')
        else:
            self.teacher.init_weights()
            if self.mode != 'mutual':
                print_log('SpectralCollabDistiller: model.teacher_ckpt is None, the frozen '
                          'teacher keeps its initial weights', logger='current', level=30)
        if self.mode != 'mutual':
            self.teacher.eval()

    def train(self, mode: bool = True) -> 'SpectralCollabDistiller':
        """Set train/eval mode; a frozen teacher stays in eval mode (its BN statistics)."""
        super().train(mode)
        if self.mode != 'mutual':
            self.teacher.eval()
        return self

    # ------------------------------------------------------------------ forward
    def forward(self, inputs: torch.Tensor, data_samples=None, mode: str = 'tensor'):
        """``loss``: the student's distillation losses; ``predict``/``tensor``: student only."""
        if mode == 'loss':
            student_losses, _ = self._losses(inputs, data_samples, teacher_loss=False)
            return student_losses
        return self.student(inputs, data_samples, mode=mode)

    def val_step(self, data) -> list:
        """Student-only validation (its own preprocessor)."""
        return self.student.val_step(data)

    def test_step(self, data) -> list:
        """Student-only test (its own preprocessor)."""
        return self.student.test_step(data)

    def _teacher_inputs(self, inputs: torch.Tensor) -> torch.Tensor:
        if self._renorm is None:
            return inputs
        scale, shift = self._renorm
        return inputs * scale.to(inputs) + shift.to(inputs)

    def _run(self, model: nn.Module, who: str, inputs: torch.Tensor, data_samples):
        """Logits (training view), the CE loss dict and the captured taps of one model."""
        self._captured = {k: v for k, v in self._captured.items() if k[0] != who}
        self._capture = True
        try:
            feats, kwargs = model.extract_feat(inputs, data_samples=data_samples)
        finally:
            self._capture = False
        loss_aux = kwargs.get('loss_aux') or {}
        logits = model.cls_head(feats, **kwargs)
        cls_losses = dict(model.cls_head.loss_by_feat(logits, data_samples))
        cls_losses.update(loss_aux)
        taps = [self._captured.pop((who, i), None) for i in range(len(self.taps))]
        return logits, cls_losses, taps

    def tap_pair(self, i: int, s_feat: torch.Tensor, t_feat: torch.Tensor,
                 num_segs: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """Tap ``i`` of both models as comparable ``[N, T, C(, H, W)]`` tensors."""
        key = f'model.taps[{i}]'
        s = to_ntc(s_feat, self.layouts['student'], num_segs)
        t = to_ntc(t_feat, self.layouts['teacher'], num_segs)
        if s.shape[0] != t.shape[0]:
            raise ValueError(f'{key}: student and teacher batch sizes differ '
                             f'({s.shape[0]} vs {t.shape[0]})')
        n, ts = s.shape[:2]
        spatial_s, spatial_t = s.shape[3:], t.shape[3:]
        adapter = self.adapters[i]
        if isinstance(adapter, TapAdapter):
            if s.shape[2] != adapter.conv.in_channels or t.shape[2] != adapter.conv.out_channels:
                raise ValueError(f'{key}.channels: expected ({adapter.conv.in_channels}, '
                                 f'{adapter.conv.out_channels}), the taps give '
                                 f'({s.shape[2]}, {t.shape[2]})')
            flat = s.reshape((n * ts, s.shape[2]) + tuple(spatial_s) + (1, ) *
                             (2 - len(spatial_s)))
            flat = adapter(flat)
            s = flat.reshape((n, ts, flat.shape[1]) + tuple(spatial_s))
        elif s.shape[2] != t.shape[2]:
            raise ValueError(f'{key}: student has {s.shape[2]} channels and teacher '
                             f'{t.shape[2]}; set {key}.channels=({s.shape[2]}, {t.shape[2]})')
        if self.spatial == 'gap':
            s = s.flatten(3).mean(-1) if s.dim() > 3 else s
            t = t.flatten(3).mean(-1) if t.dim() > 3 else t
        elif spatial_s != spatial_t:
            c = s.shape[2]
            flat = F.adaptive_avg_pool2d(s.reshape((n * ts, c) + tuple(spatial_s)),
                                         tuple(spatial_t))
            s = flat.reshape((n, ts, c) + tuple(spatial_t))
        if t.shape[1] != ts:  # interpolate the teacher in time
            shape = t.shape
            tt = t.reshape(shape[0], shape[1], -1).transpose(1, 2)
            tt = F.interpolate(tt, size=ts, mode='linear', align_corners=False)
            t = tt.transpose(1, 2).reshape((shape[0], ts) + shape[2:])
        return s, t

    def _kd(self, z_s: torch.Tensor, z_t: torch.Tensor) -> torch.Tensor:
        """``tau^2 KL(softmax(z_t/tau) || softmax(z_s/tau))``, batch mean (z_t detached)."""
        if z_s.shape != z_t.shape:
            raise ValueError(f'student and teacher logits differ in shape: {tuple(z_s.shape)} '
                             f'vs {tuple(z_t.shape)} (num_classes and num_clips must agree)')
        log_p_s = F.log_softmax(z_s.float() / self.tau, dim=-1)
        log_p_t = F.log_softmax(z_t.detach().float() / self.tau, dim=-1)
        return self.tau ** 2 * F.kl_div(log_p_s, log_p_t, log_target=True,
                                        reduction='batchmean')

    def _losses(self, inputs: torch.Tensor, data_samples, teacher_loss: bool):
        num_segs = inputs.shape[1]
        if self.mode == 'mutual':
            z_t, t_cls, t_taps = self._run(self.teacher, 'teacher',
                                           self._teacher_inputs(inputs), data_samples)
        else:
            with torch.no_grad():
                z_t, t_cls, t_taps = self._run(self.teacher, 'teacher',
                                               self._teacher_inputs(inputs), data_samples)
        z_s, s_cls, s_taps = self._run(self.student, 'student', inputs, data_samples)

        terms = {}
        factor = self.distill_factor
        if self.lam_kd > 0:
            terms['kd'] = factor * self.lam_kd * self._kd(z_s, z_t)
        if self.taps:
            spec = 0.
            for i, (s_feat, t_feat) in enumerate(zip(s_taps, t_taps)):
                if s_feat is None or t_feat is None:
                    raise RuntimeError(f'model.taps[{i}]: the tapped module did not run in the '
                                       'forward pass')
                s, t = self.tap_pair(i, s_feat, t_feat.detach(), num_segs)
                spec = spec + self.spectrum_loss(s, t)
            terms['spec'] = factor * self.alpha_spec * spec / len(self.taps)
        if self.param_pairs:
            s_stages = [self.student.get_submodule(p[0]) if p[0] else self.student
                        for p in self.param_pairs]
            t_stages = [self.teacher.get_submodule(p[1]) if p[1] else self.teacher
                        for p in self.param_pairs]
            terms['param'] = factor * self.beta_param * self.param_loss(
                s_stages, t_stages, teacher_cache=None if self.mode == 'mutual' else
                self._teacher_dist_cache)

        losses = {}
        if self.mode == 'uncertainty':
            cls_keys = [k for k in s_cls if 'loss' in k]
            ce = sum(s_cls.pop(k) for k in cls_keys)
            terms = dict(cls=ce, **terms)
            for name, value in terms.items():
                s = self.log_vars[name]
                losses[f'loss_{name}'] = torch.exp(-s) * value + s
                losses[f'raw_{name}'] = value.detach()
                losses[f'w_{name}'] = torch.exp(-s).detach()
            losses.update({k: v for k, v in s_cls.items()})
        else:
            losses.update(s_cls)
            losses.update({f'loss_{k}': v for k, v in terms.items()})

        t_losses = None
        if teacher_loss:
            t_losses = dict(t_cls)
            if self.lam_mutual > 0:
                # lam_m tau^2 KL(stopgrad(p_S) || p_T)
                t_losses['loss_mutual'] = self.lam_mutual * self._kd(z_t, z_s.detach())
        return losses, t_losses

    # ------------------------------------------------------------------ training
    def train_step(self, data, optim_wrapper) -> Dict[str, torch.Tensor]:
        """One step; ``mutual`` updates the student and the teacher from one forward pass."""
        if self.mode != 'mutual':
            if isinstance(optim_wrapper, OptimWrapperDict):
                raise TypeError(f"model.mode={self.mode!r} trains the student only: "
                                'optim_wrapper must be one OptimWrapper, got an '
                                'OptimWrapperDict')
            return super().train_step(data, optim_wrapper)
        if not (isinstance(optim_wrapper, OptimWrapperDict)
                and set(optim_wrapper.keys()) == {'student', 'teacher'}):
            raise TypeError("model.mode='mutual' needs optim_wrapper to be an "
                            "OptimWrapperDict with keys 'student' and 'teacher' (constructor="
                            "'SpectralDistillOptimWrapperConstructor')")
        s_ow, t_ow = optim_wrapper['student'], optim_wrapper['teacher']
        with s_ow.optim_context(self.student), t_ow.optim_context(self.teacher):
            data = self.data_preprocessor(data, True)
            s_losses, t_losses = self._losses(data['inputs'], data['data_samples'],
                                              teacher_loss=True)
        s_total, log_vars = self.parse_losses(s_losses)
        t_total, t_log = self.parse_losses(t_losses)
        s_ow.update_params(s_total)
        t_ow.update_params(t_total)
        log_vars.update({f'teacher_{k}': v for k, v in t_log.items()})
        return log_vars

    def student_state_dict(self) -> Dict[str, torch.Tensor]:
        """The student's weights alone (what a plain recognizer config loads)."""
        return student_only(self.state_dict())


def student_only(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Keys ``student.*`` of a distiller state dict without the prefix; adapters dropped."""
    out = {k[len('student.'):]: v for k, v in state_dict.items() if k.startswith('student.')}
    if not out:
        raise ValueError('the state dict has no student.* keys: it is not a '
                         'SpectralCollabDistiller checkpoint')
    return out
