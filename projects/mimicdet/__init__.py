"""MimicDet (ECCV 2020, arXiv 2009.11528) for mmdet 3.x.

Importing this package registers, in mmdet's ``MODELS``: ``MimicDet``, ``MimicFPN``,
``MimicRefineHead``, ``MimicSHead``, ``MimicTRoIHead``, ``MimicTBBoxHead``,
``StaggeredRoIExtractor`` and ``CosineMimicLoss``. See projects/mimicdet/README.md.
"""
from .mimic_fpn import MimicFPN
from .mimic_loss import CosineMimicLoss
from .mimicdet import MimicDet
from .origins import flatten_levels, gather_at_origins, level_origins
from .refine_head import MimicRefineHead
from .s_head import MimicSHead
from .staggered_roi_extractor import StaggeredRoIExtractor
from .t_bbox_head import MimicTBBoxHead
from .t_roi_head import MimicTRoIHead

__all__ = ['MimicDet', 'MimicFPN', 'MimicRefineHead', 'MimicSHead', 'MimicTRoIHead',
           'MimicTBBoxHead', 'StaggeredRoIExtractor', 'CosineMimicLoss', 'flatten_levels',
           'gather_at_origins', 'level_origins']
