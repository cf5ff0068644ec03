"""MimicTRoIHead refuses GT proposals (they have no S-head origin) and is training-only."""
import pytest

from projects.mimicdet import MimicTRoIHead


def build(add_gt: bool):
    from mmengine.config import ConfigDict
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    return MimicTRoIHead(
        bbox_roi_extractor=dict(type='StaggeredRoIExtractor',
                                roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
                                out_channels=8, featmap_strides=[4, 8]),
        bbox_head=dict(type='MimicTBBoxHead', in_channels=8, conv_out_channels=8,
                       fc_out_channels=16, num_classes=3, reg_class_agnostic=True),
        train_cfg=ConfigDict(
            assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                          min_pos_iou=0.5),
            sampler=dict(type='RandomSampler', num=8, pos_fraction=0.25,
                         add_gt_as_proposals=add_gt),
            pos_weight=-1))


def test_gt_as_proposals_rejected():
    with pytest.raises(ValueError, match='add_gt_as_proposals'):
        build(True)


def test_predict_is_not_available():
    with pytest.raises(NotImplementedError, match='training-only'):
        build(False).predict(None, None, None)
