"""CelebA-Spoof (arXiv 2007.12342): the data set's loader and protocols, AENet, the metrics.

Importing this package registers in mmpretrain: ``CelebASpoofDataset`` (DATASETS),
``CropFaceFromBBoxFile``, ``LoadGeometryMaps``, ``PackAntiSpoofInputs`` (TRANSFORMS),
``AENetHead`` (MODELS) and ``FaceAntiSpoofMetric`` (METRICS). The metric rules are also plain
functions: :func:`tpr_at_fpr`, :func:`roc_auc`, :func:`eer_threshold`,
:func:`apcer_bpcer_acer`, :func:`hter`.
"""
from .aenet_head import DEFAULT_LOSS_WEIGHTS, AENetHead, add_random_anti_spoof_labels
from .dataset import CelebASpoofDataset, bbox_path_of, check_label_list
from .functional import (apcer_bpcer_acer, check_scores, eer_threshold, hter, roc_auc,
                         roc_curve_spoof, save_roc_png, to_live, tpr_at_fpr)
from .labels import (ENVIRONMENTS, FACE_ATTRIBUTES, ILLUMINATIONS, LIVENESS, SPOOF_TYPES,
                     CelebASpoofError)
from .metric import FaceAntiSpoofMetric, load_scores
from .transforms import (CropFaceFromBBoxFile, LoadGeometryMaps, PackAntiSpoofInputs,
                         read_bbox_file, scale_and_clamp_box)

__all__ = [
    'AENetHead', 'DEFAULT_LOSS_WEIGHTS', 'add_random_anti_spoof_labels', 'CelebASpoofDataset',
    'bbox_path_of', 'check_label_list', 'tpr_at_fpr', 'roc_auc', 'eer_threshold', 'apcer_bpcer_acer', 'hter',
    'check_scores', 'to_live', 'roc_curve_spoof', 'save_roc_png', 'FACE_ATTRIBUTES',
    'SPOOF_TYPES', 'ILLUMINATIONS', 'ENVIRONMENTS', 'LIVENESS', 'CelebASpoofError',
    'FaceAntiSpoofMetric', 'load_scores', 'CropFaceFromBBoxFile', 'LoadGeometryMaps',
    'PackAntiSpoofInputs', 'read_bbox_file', 'scale_and_clamp_box'
]
