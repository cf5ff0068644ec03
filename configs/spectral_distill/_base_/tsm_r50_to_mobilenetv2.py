# Parts of the full-scale pair of the spec: TSM-ResNet-50 teacher -> TSM-MobileNetV2 student,
# 8 segments, backbones and preprocessing as in mmaction2's configs/_base_/models/tsm_r50.py
# and tsm_mobilenet_v2.py (same mean/std, so one preprocessing pass serves both). Only
# ``sd_*`` variables (no ``model``), so this base combines with any mmaction2 data config;
# each data set's config assembles ``model`` with its number of classes. Distillation settings
# are the spec's starting values ([D]: our design, not the paper's).
custom_imports = dict(imports=['projects.spectral_distill'], allow_failed_imports=False)
sd_preprocessor = dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                       std=[58.395, 57.12, 57.375], format_shape='NCHW')
sd_student_backbone = dict(type='MobileNetV2TSM', shift_div=8, num_segments=8, is_shift=True,
                           pretrained='mmcls://mobilenet_v2')
sd_teacher_backbone = dict(type='ResNetTSM', pretrained='torchvision://resnet50', depth=50,
                           norm_eval=False, shift_div=8, num_segments=8)
# last stage of both backbones: MobileNetV2 1280 channels, ResNet-50 2048 (7x7 at 224 px)
sd_taps = [dict(student='backbone', teacher='backbone', channels=(1280, 2048))]
sd_spectrum_loss = dict(type='TemporalSpectrumLoss', norm='l2', include_dc=True)
# 3x3 convs of MobileNetV2 stages 2-3 / 4-5 / 6-7 <-> ResNet-50 stages 1 / 2-3 / 4
sd_param_pairs = [('backbone.layer2', 'backbone.layer1'), ('backbone.layer4', 'backbone.layer2'),
                  ('backbone.layer6', 'backbone.layer4')]
# mmaction2's TSM optimizer policy (fc_lr5) on the student side; the frozen teacher is left out
sd_optim_constructor = dict(constructor='SpectralDistillOptimWrapperConstructor',
                            inner_constructor='TSMOptimWrapperConstructor')
