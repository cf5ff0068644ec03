# Spectral/parameter distillation on the embedded `rate-videos`: frozen TSM-R18 teacher
# (tsm_r18-tiny_1xb16-30e_rate-videos.py, trained first) -> TSM-MobileNetV2 student (same
# schedule and seed as tsm_mobilenetv2-tiny_1xb16-30e_rate-videos.py). Offline mode, logits
# KD + temporal spectrum loss on the last stage + DCT parameter loss on the 3x3 stages; the
# weights are the spec's starting values (our design, not the paper's).
_base_ = ['./_base_/rate_videos_bs16.py', './_base_/tiny_models.py']
custom_imports = dict(imports=['projects.spectral_distill'], allow_failed_imports=False)

teacher_ckpt = 'work_dirs/tsm_r18-tiny_1xb16-30e_rate-videos/epoch_30.pth'
model = dict(
    type='SpectralCollabDistiller',
    student={{_base_.student}},
    teacher={{_base_.teacher}},
    teacher_ckpt=teacher_ckpt,
    mode='offline',
    taps=[dict(student='backbone', teacher='backbone', channels=(1280, 512))],
    spatial='gap',
    spectrum_loss=dict(type='TemporalSpectrumLoss', norm='l2', include_dc=True),
    alpha_spec=1.0,
    # MobileNetV2 stages 2-3 / 4-5 / 6-7 <-> ResNet stages 1 / 2-3 / 4 (3x3 kernels)
    param_pairs=[('backbone.layer2', 'backbone.layer1'), ('backbone.layer4', 'backbone.layer2'),
                 ('backbone.layer6', 'backbone.layer4')],
    param_loss=dict(type='ParamFreqDistLoss'),
    beta_param=0.1,
    tau=4.0,
    lam_kd=1.0)
# the base optimizer over the student side only (student, adapters); the teacher is frozen
optim_wrapper = dict(constructor='SpectralDistillOptimWrapperConstructor')
