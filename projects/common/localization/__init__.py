"""Temporal-localization parts shared by BSN++ and the ActivityNet-2020 pipeline (mmaction2).

Importing this subpackage registers in mmaction2's registries: the metrics
``ANetProposalMetric`` (AR@AN), ``ThumosProposalMetric`` (AR@N) and ``TemporalDetectionMetric``
(ANet/THUMOS mAP); the dataset ``Thumos14WindowDataset`` and the transform
``LoadWindowFeature``. The functional metrics (:mod:`.functional`), official result-file
reading/writing (:mod:`.proposal_io`) and BM post-processing (:mod:`.postprocess`) are plain
functions. It imports mmaction2; ``projects.common`` itself does not import it.
"""
from .datasets import LoadWindowFeature, Thumos14WindowDataset
from .functional import (average_recall_at_avg_proposals, average_recall_at_n, detection_ap,
                         interpolated_ap)
from .metrics import (ANetProposalMetric, TemporalDetectionMetric, ThumosProposalMetric,
                      aran_metrics, evaluate_detection_file, evaluate_proposal_file)
from .postprocess import bm_candidates, proposals_to_list, soft_nms_np
from .proposal_io import dump_results, load_ground_truth, load_results, results_to_json

__all__ = ['ANetProposalMetric', 'ThumosProposalMetric', 'TemporalDetectionMetric',
           'Thumos14WindowDataset', 'LoadWindowFeature', 'average_recall_at_avg_proposals',
           'average_recall_at_n', 'detection_ap', 'interpolated_ap', 'aran_metrics',
           'evaluate_proposal_file', 'evaluate_detection_file', 'bm_candidates',
           'proposals_to_list', 'soft_nms_np', 'dump_results', 'load_ground_truth',
           'load_results', 'results_to_json']
