# Baseline detector on the embedded `digits-det` data: RetinaNet with a ResNet-18 at 1/4 width
# (base channels 16), a 64-channel FPN (P3-P7) and a 2-conv head; anchors start at 16 px
# (octave_base_scale=2) because the digits are 20-48 px. No pretrained weights.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/default_runtime_mmdet.py',
    '../_base_/datasets/digits_det_bs16.py',
]

model = dict(
    backbone=dict(
        depth=18,
        base_channels=16,
        norm_eval=False,
        frozen_stages=-1,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64, start_level=1),
    bbox_head=dict(
        num_classes=10,
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        anchor_generator=dict(octave_base_scale=2)),
    data_preprocessor=dict(pad_size_divisor=32))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[9, 11], gamma=0.1),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=16)

# tiny CPU run: log often, keep the last two checkpoints, fixed seed
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2, save_last=True))
randomness = dict(seed=0, deterministic=False)
