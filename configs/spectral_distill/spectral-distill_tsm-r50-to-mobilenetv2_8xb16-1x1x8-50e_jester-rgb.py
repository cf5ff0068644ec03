# Jester: TSM-R50 teacher trained first with tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_jester-rgb.py
# (mmaction2 publishes no Jester TSM checkpoint), then distilled into TSM-MobileNetV2 on the
# same data and schedule. init_weights stops with one line if teacher_ckpt does not exist.
_base_ = [
    './tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_jester-rgb.py',
    './_base_/tsm_r50_to_mobilenetv2.py',
]
teacher_ckpt = 'work_dirs/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_jester-rgb/epoch_50.pth'
model = dict(
    _delete_=True,
    type='SpectralCollabDistiller',
    student=dict(
        type='Recognizer2D',
        backbone={{_base_.sd_student_backbone}},
        cls_head=dict(type='TSMHead', num_segments=8, num_classes=27, in_channels=1280,
                      spatial_type='avg', consensus=dict(type='AvgConsensus', dim=1),
                      dropout_ratio=0.5, init_std=0.001, is_shift=True, average_clips='prob'),
        data_preprocessor={{_base_.sd_preprocessor}}),
    teacher=dict(
        type='Recognizer2D',
        backbone={{_base_.sd_teacher_backbone}},
        cls_head=dict(type='TSMHead', num_segments=8, num_classes=27, in_channels=2048,
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
