# MimicDet on the embedded `digits-det` data (128x128, 10 classes, digits 20-48 px): the tiny
# RetinaNet baseline's backbone, data and schedule, with MimicDet's heads scaled down for CPU
# (64-channel FPN P2-P7, 256-d S/T branches instead of 1024, 32-channel T-head convs, 32 T-head
# samples per image instead of 128, RoIAlign sampling_ratio=2 instead of 0) and a 6-epoch
# schedule (the 12-epoch one of the baseline is ~4x longer on CPU for MimicDet).
# The RetinaNet on the same 6-epoch schedule is retinanet_r18-tiny_fpn_1xb16-6e_digits-det.py.
# No pretrained weights.
_base_ = './retinanet_r18-tiny_fpn_1xb16-6e_digits-det.py'

custom_imports = dict(imports=['projects.mimicdet'], allow_failed_imports=False)

num_classes = 10
model = dict(
    _delete_=True,
    type='MimicDet',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=16,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    neck=dict(
        type='MimicFPN',
        in_channels=[16, 32, 64, 128],
        out_channels=64,
        start_level=0,
        add_extra_convs='on_input',
        num_outs=6),
    refine_head=dict(
        type='MimicRefineHead',
        in_channels=64,
        feat_channels=64,
        strides=(8, 16, 32, 64, 128),
        # ours, not the paper's BCE: the FoveaBox/RetinaNet focal loss. The same model with
        # BCE is mimicdet_r18-tiny_fpn_bce-obj_1xb16-6e_digits-det.py (both in the benchmark).
        loss_obj=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                      loss_weight=1.0)),
    s_head=dict(
        type='MimicSHead',
        num_classes=num_classes,
        in_channels=64,
        feat_channels=64,
        branch_channels=256,
        dcn_impl='grid_sample'),  # same function as mmcv DeformConv2d, ~10x faster on CPU
    t_head=dict(
        type='MimicTRoIHead',
        bbox_roi_extractor=dict(
            type='StaggeredRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2),
            out_channels=64,
            featmap_strides=[4, 8, 16, 32, 64],
            level_shift=1),
        bbox_head=dict(
            type='MimicTBBoxHead',
            in_channels=64,
            conv_out_channels=32,
            fc_out_channels=256,
            roi_feat_size=7,
            num_classes=num_classes,
            reg_class_agnostic=True,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0))),
    mimic_loss=dict(type='CosineMimicLoss', loss_weight=1.0, detach_teacher=True),
    mimic_reg_pos_only=True,
    train_cfg=dict(
        proposal=dict(nms_pre=-1, iou_threshold=0.8, max_per_img=2000),
        s_head=dict(
            assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                          min_pos_iou=0.5, match_low_quality=False, ignore_iof_thr=-1),
            ohem_num=128),
        t_head=dict(
            assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                          min_pos_iou=0.5, match_low_quality=False, ignore_iof_thr=-1),
            sampler=dict(type='RandomSampler', num=32, pos_fraction=0.25,
                         neg_pos_ub=-1, add_gt_as_proposals=False),
            pos_weight=-1,
            debug=False)),
    test_cfg=dict(nms_pre=1000, score_thr=0.005, iou_threshold=0.6, max_per_img=100,
                  score_mode='s_head'))
