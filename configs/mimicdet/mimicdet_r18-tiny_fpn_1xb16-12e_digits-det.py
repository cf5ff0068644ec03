# The tiny MimicDet of mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py on the 12-epoch schedule of
# configs/baselines/retinanet_r18-tiny_fpn_1xb16-12e_digits-det.py (LR steps at 9 and 11),
# for a like-for-like comparison with that baseline (~5 min on 2 shared CPU cores).
_base_ = './mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py'

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[9, 11], gamma=0.1),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=4)
