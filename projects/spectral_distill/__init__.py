"""Spectral / parameter-domain collaborative distillation (arXiv 2009.06902) for mmaction2.

Importing this package registers, in mmaction2's ``MODELS``: ``SpectralCollabDistiller``,
``TemporalSpectrumLoss`` and ``ParamFreqDistLoss``; in ``HOOKS``: ``DistillLossWarmupHook``;
and the optim-wrapper constructor ``SpectralDistillOptimWrapperConstructor`` (``mutual``
mode). See projects/spectral_distill/README.md.
"""
from .distiller import SpectralCollabDistiller, TapAdapter, student_only, to_ntc
from .hooks import DistillLossWarmupHook
from .optim import SpectralDistillOptimWrapperConstructor
from .param_loss import (ParamFreqDistLoss, dct_energy_distribution, dct_matrix, kernel_dct,
                         square_convs, stage_distributions)
from .spectrum_loss import TemporalSpectrumLoss, spectrum_amplitude, temporal_spectrum

__all__ = ['SpectralCollabDistiller', 'TapAdapter', 'student_only', 'to_ntc',
           'DistillLossWarmupHook', 'SpectralDistillOptimWrapperConstructor',
           'ParamFreqDistLoss', 'dct_energy_distribution', 'dct_matrix', 'kernel_dct',
           'square_convs', 'stage_distributions', 'TemporalSpectrumLoss',
           'spectrum_amplitude', 'temporal_spectrum']
