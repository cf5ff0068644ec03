# MimicDet, ResNet-50-FPN (P2-P7), COCO, 1x schedule (12 epochs, SGD lr 0.02 for 16 images).
# Paper: arXiv 2009.11528. The schedule and several head details are not verified in the paper
# (see projects/mimicdet/README.md, "Our choices"); each is a switch set here to its default.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime_mmdet.py',
]

custom_imports = dict(imports=['projects.mimicdet'], allow_failed_imports=False)

num_classes = 80
model = dict(
    type='MimicDet',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='MimicFPN',  # mmdet FPN; prediction skips P2
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        start_level=0,
        add_extra_convs='on_input',
        num_outs=6),  # P2-P7
    refine_head=dict(
        type='MimicRefineHead',
        in_channels=256,
        feat_channels=256,
        strides=(8, 16, 32, 64, 128),
        scale_ranges=((1, 64), (32, 128), (64, 256), (128, 512), (256, 2048)),  # [D] FoveaBox
        anchor_scale=4.0,  # [D]
        sigma=0.3,
        loss_obj=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    s_head=dict(
        type='MimicSHead',
        num_classes=num_classes,
        in_channels=256,
        feat_channels=256,
        branch_channels=1024,
        offset_channels=(64, 128),
        dcn_kernel_sizes=(3, 5, 5, 5, 5),
        detach_offset_input=True,  # [D]
        dcn_impl='mmcv'),
    t_head=dict(
        type='MimicTRoIHead',
        bbox_roi_extractor=dict(
            type='StaggeredRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32, 64],  # P2-P6
            level_shift=1),  # P_L -> P_{L-1}
        bbox_head=dict(
            type='MimicTBBoxHead',
            in_channels=256,
            conv_out_channels=256,
            fc_out_channels=1024,
            roi_feat_size=7,
            num_classes=num_classes,
            reg_class_agnostic=True,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0))),
    mimic_loss=dict(type='CosineMimicLoss', loss_weight=1.0, detach_teacher=True),  # [D]
    mimic_reg_pos_only=True,  # [D]
    train_cfg=dict(
        proposal=dict(nms_pre=-1, iou_threshold=0.8, max_per_img=2000),
        s_head=dict(
            assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                          min_pos_iou=0.5, match_low_quality=False, ignore_iof_thr=-1),
            ohem_num=128),
        t_head=dict(
            assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                          min_pos_iou=0.5, match_low_quality=False, ignore_iof_thr=-1),
            sampler=dict(type='RandomSampler', num=128, pos_fraction=0.25,
                         neg_pos_ub=-1, add_gt_as_proposals=False),
            pos_weight=-1,
            debug=False)),
    test_cfg=dict(nms_pre=1000, score_thr=0.005, iou_threshold=0.6, max_per_img=100,
                  score_mode='s_head'))  # [D]

# [D] gradient clipping for the from-scratch heads
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=16)
