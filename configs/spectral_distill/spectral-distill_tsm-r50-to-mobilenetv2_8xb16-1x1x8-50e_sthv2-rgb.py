# Something-Something V2: mmaction2's SSv2 TSM-R50 recipe (data with the left/right flip label
# map, 50 epochs, SGD lr 0.02 with the TSM policy) as the student's schedule (mmaction2 has no
# SSv2 TSM-MobileNetV2 config), distilled from mmaction2's SSv2 TSM-R50 checkpoint.
_base_ = [
    'mmaction::recognition/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv2-rgb.py',
    './_base_/tsm_r50_to_mobilenetv2.py',
]
teacher_ckpt = ('https://download.openmmlab.com/mmaction/v1.0/recognition/tsm/'
                'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv2-rgb/'
                'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv2-rgb_20230317-be0fc26e.pth')
model = dict(
    _delete_=True,
    type='SpectralCollabDistiller',
    student=dict(
        type='Recognizer2D',
        backbone={{_base_.sd_student_backbone}},
        cls_head=dict(type='TSMHead', num_segments=8, num_classes=174, in_channels=1280,
                      spatial_type='avg', consensus=dict(type='AvgConsensus', dim=1),
                      dropout_ratio=0.5, init_std=0.001, is_shift=True, average_clips='prob'),
        data_preprocessor={{_base_.sd_preprocessor}}),
    teacher=dict(
        type='Recognizer2D',
        backbone={{_base_.sd_teacher_backbone}},
        cls_head=dict(type='TSMHead', num_segments=8, num_classes=174, in_channels=2048,
                      spatial_type='avg', consensus=dict(type='AvgConsensus', dim=1),
                      dropout_ratio=0.5, init_std=0.001, is_shift=True, average_clips='prob'),
        data_preprocessor={{_base_.sd_preprocessor}}),
    teacher_ckpt=teacher_ckpt,
    mode='offline',
    taps={{_base_.sd_taps}},
    spatial='gap',
    spectrum_loss={{_base_.sd_spectrum_loss}},
    alpha_spec=1.0,
    param_pairs={{_base_.sd_param_pairs}},
    param_loss=dict(type='ParamFreqDistLoss'),
    beta_param=0.1,
    tau=4.0,
    lam_kd=1.0)
optim_wrapper = {{_base_.sd_optim_constructor}}
