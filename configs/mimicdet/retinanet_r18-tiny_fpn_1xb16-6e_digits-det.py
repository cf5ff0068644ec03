# The tiny RetinaNet baseline of configs/baselines/ on a 6-epoch schedule (LR steps at 4 and 5),
# the schedule of the tiny MimicDet config beside it.
_base_ = '../baselines/retinanet_r18-tiny_fpn_1xb16-12e_digits-det.py'

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=6, by_epoch=True, milestones=[4, 5], gamma=0.1),
]
# validate at epochs 2, 4 and 6 (metric curves; tools/train.py keeps training unchanged by it)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=6, val_interval=2)
