"""BSN++ (AAAI 2021, arXiv 2009.07641) for mmaction2.

Importing this package registers, in mmaction2's ``MODELS``: ``BSNPP``, ``UNetPP1d``,
``ProposalRelationBlock`` and ``BSNPPLoss``; and, through :mod:`projects.common.localization`,
the metrics ``ANetProposalMetric``, ``ThumosProposalMetric``, ``TemporalDetectionMetric``, the
dataset ``Thumos14WindowDataset`` and the transforms ``LoadWindowFeature`` and
``CheckLocalizationFeature``.
See projects/bsnpp/README.md.
"""
import projects.common.localization  # noqa: F401  (metrics, datasets)
from .bsnpp import BSNPP, fuse_boundaries
from .loss import BSNPPLoss, duration_bins, quantile_edges, scale_balanced_weights
from .relation_block import ChannelAttention, PositionAttention, ProposalRelationBlock
from .unet1d import UNetPP1d

__all__ = ['BSNPP', 'BSNPPLoss', 'UNetPP1d', 'ProposalRelationBlock', 'PositionAttention',
           'ChannelAttention', 'fuse_boundaries', 'duration_bins', 'quantile_edges',
           'scale_balanced_weights']
