"""Temporal feature-spectrum loss (feature spectrum distillation).

Paper: "Collaborative Distillation in the Parameter and Spectrum Domains for Video Action
Recognition" (arXiv 2009.06902). The abstract states that the student's temporal frequency
spectrum of video features is made to mimic the teacher's; everything else here (amplitude
matching, per-channel L2 normalisation, the DC option, the phase term, the MSE) is a
reconstruction, configurable and documented in projects/spectral_distill/README.md.
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

_NORMS = ('l2', 'none', 'softmax')


def temporal_spectrum(x: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Complex one-sided DFT over time, orthonormal, always computed in float32 (or float64).

    ``X[k] = T**-0.5 * sum_t x[t] exp(-2 pi i k t / T)`` for ``k = 0 .. T // 2``. Half-precision
    inputs are cast to float32 with autocast disabled (cuFFT's half path supports only
    power-of-two lengths and loses precision).
    """
    if x.dtype not in (torch.float32, torch.float64):
        x = x.float()
    device_type = x.device.type if x.device.type in ('cuda', 'cpu') else 'cpu'
    with torch.autocast(device_type=device_type, enabled=False):
        return torch.fft.rfft(x, dim=dim, norm='ortho')


def spectrum_amplitude(x: torch.Tensor, dim: int = 1, eps: float = 1e-8) -> torch.Tensor:
    """``sqrt(Re^2 + Im^2 + eps)`` of :func:`temporal_spectrum` (finite gradient at 0)."""
    spec = temporal_spectrum(x, dim)
    return torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + eps)


@MODELS.register_module()
class TemporalSpectrumLoss(nn.Module):
    """Match the temporal amplitude spectra of student and teacher features.

    Inputs are ``[N, T, C]`` (or ``[N, T, C, ...]``: every trailing position gets its own
    spectrum). The teacher spectrum is detached (a fixed target).

    Args:
        norm: ``'l2'`` divides each amplitude spectrum by its L2 norm over the frequency bins
            (matches the spectrum's shape, not the activation scale), ``'none'`` compares raw
            amplitudes, ``'softmax'`` treats the L2-normalised amplitudes, divided by
            ``temperature``, as a distribution over bins and uses ``KL(p_T || p_S)``.
        include_dc: Keep bin ``k = 0`` (``sqrt(T)`` times the temporal mean under the
            orthonormal DFT).
        use_phase: Add an MSE between the (normalised) real and imaginary parts.
        phase_weight: Weight of the phase term.
        eps: Added under the square root of the amplitude.
        temperature: Temperature of ``norm='softmax'``.
        loss_weight: Multiplies the loss.
    """

    def __init__(self, norm: str = 'l2', include_dc: bool = True, use_phase: bool = False,
                 phase_weight: float = 1.0, eps: float = 1e-8, temperature: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if norm not in _NORMS:
            raise ValueError(f'TemporalSpectrumLoss: norm must be one of {_NORMS}, got {norm!r}')
        if eps <= 0:
            raise ValueError(f'TemporalSpectrumLoss: eps must be > 0, got {eps}')
        if temperature <= 0:
            raise ValueError(f'TemporalSpectrumLoss: temperature must be > 0, got {temperature}')
        self.norm = norm
        self.include_dc = include_dc
        self.use_phase = use_phase
        self.phase_weight = phase_weight
        self.eps = eps
        self.temperature = temperature
        self.loss_weight = loss_weight

    def _spectrum(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        spec = temporal_spectrum(x, dim=1)
        if not self.include_dc:
            spec = spec[:, 1:]
        amp = torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + self.eps)
        return spec, amp

    def forward(self, student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
        """Loss between features ``[N, T, C, ...]`` of equal shape (teacher detached)."""
        if student.shape != teacher.shape:
            raise ValueError('TemporalSpectrumLoss: student and teacher features must have the '
                             f'same shape, got {tuple(student.shape)} and {tuple(teacher.shape)}')
        if student.dim() < 3:
            raise ValueError('TemporalSpectrumLoss: features must be [N, T, C, ...], got '
                             f'{tuple(student.shape)}')
        if student.shape[1] < 2 and not self.include_dc:
            raise ValueError('TemporalSpectrumLoss: include_dc=False needs T >= 2')
        spec_s, amp_s = self._spectrum(student)
        spec_t, amp_t = self._spectrum(teacher.detach())
        if self.norm == 'none':
            loss = F.mse_loss(amp_s, amp_t)
            scale_s = scale_t = None
        else:
            scale_s = amp_s.norm(dim=1, keepdim=True)
            scale_t = amp_t.norm(dim=1, keepdim=True)
            a_s, a_t = amp_s / scale_s, amp_t / scale_t
            if self.norm == 'l2':
                loss = F.mse_loss(a_s, a_t)
            else:
                log_p_s = F.log_softmax(a_s / self.temperature, dim=1)
                log_p_t = F.log_softmax(a_t / self.temperature, dim=1)
                # KL(p_T || p_S), summed over bins, averaged over every other position
                loss = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=1).mean()
        if self.use_phase:
            ri_s = torch.stack([spec_s.real, spec_s.imag], dim=-1)
            ri_t = torch.stack([spec_t.real, spec_t.imag], dim=-1)
            if scale_s is not None:
                ri_s = ri_s / scale_s.unsqueeze(-1)
                ri_t = ri_t / scale_t.unsqueeze(-1)
            loss = loss + self.phase_weight * F.mse_loss(ri_s, ri_t)
        return self.loss_weight * loss
