"""ActivityNet Challenge 2020 temporal action localization pipeline (arXiv 2007.09883).

Importing this package registers, in mmaction2's registries: ``EnsembleLocalizer`` (MODELS),
``ANetDetectionMetric`` (METRICS); through :mod:`projects.bsnpp` the ``BSNPP`` localizer and
through :mod:`projects.common.localization` the proposal metrics, datasets and transforms.
Proposal classification (:mod:`.classification`) is plain functions.
See projects/anet_tal/README.md.
"""
import projects.bsnpp  # noqa: F401  (BSNPP; common localization metrics and transforms)
from .classification import (assign_labels, average_video_scores, classify_proposals,
                             load_video_scores)
from .ensemble import EnsembleLocalizer, fuse_member_maps, weighted_map_mean
from .metric import (ANetDetectionMetric, anet_detection_map, evaluate_anet_detection,
                     gt_classes)

__all__ = ['EnsembleLocalizer', 'ANetDetectionMetric', 'assign_labels', 'average_video_scores',
           'classify_proposals', 'load_video_scores', 'fuse_member_maps', 'weighted_map_mean',
           'anet_detection_map', 'evaluate_anet_detection', 'gt_classes']
