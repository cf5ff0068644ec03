"""Temporal-localization parts shared by BSN++ and the ActivityNet-2020 pipeline (mmaction2).

Importing this subpackage registers in mmaction2's registries: the metrics
``ANetProposalMetric`` (AR@AN), ``ThumosProposalMetric`` (AR@N) and ``TemporalDetectionMetric``
(ActivityNet / THUMOS14 mAP); the dataset ``Thumos14WindowDataset`` and the transforms
``LoadWindowFeature`` and ``CheckLocalizationFeature``. The functional metrics
(:mod:`.functional`), result/annotation file reading and writing (:mod:`.proposal_io`) and BM
post-processing (:mod:`.postprocess`) are plain functions. Bad inputs raise
:class:`.errors.LocalizationInputError` (a ``ValueError``) with a one-line message. It imports
mmaction2; ``projects.common`` itself does not import it.
"""
from .datasets import CheckLocalizationFeature, LoadWindowFeature, Thumos14WindowDataset
from .errors import LocalizationInputError
from .functional import (average_recall_at_avg_proposals, average_recall_at_n, detection_ap,
                         interpolated_ap, thumos14_kit_ap)
from .metrics import (ANetProposalMetric, TemporalDetectionMetric, ThumosProposalMetric,
                      aran_metrics, evaluate_detection_file, evaluate_proposal_file)
from .postprocess import bm_candidates, proposals_to_list, soft_nms_np
from .proposal_io import (dump_results, load_ground_truth, load_results,
                          load_thumos14_ambiguous, load_thumos14_annotations, results_to_json)

__all__ = ['ANetProposalMetric', 'ThumosProposalMetric', 'TemporalDetectionMetric',
           'Thumos14WindowDataset', 'LoadWindowFeature', 'CheckLocalizationFeature',
           'LocalizationInputError', 'average_recall_at_avg_proposals', 'average_recall_at_n',
           'detection_ap', 'thumos14_kit_ap', 'interpolated_ap', 'aran_metrics',
           'evaluate_proposal_file', 'evaluate_detection_file', 'bm_candidates',
           'proposals_to_list', 'soft_nms_np', 'dump_results', 'load_ground_truth',
           'load_results', 'load_thumos14_annotations', 'load_thumos14_ambiguous',
           'results_to_json']
