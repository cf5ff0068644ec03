# Tiny TSM pair for the embedded `rate-videos` (32 px, 8 segments), trained from scratch:
# teacher TSM-ResNet-18, student TSM-MobileNetV2 at width 0.5 (the full-scale pair is
# TSM-R50 -> TSM-MobileNetV2, configs/spectral_distill/*_kinetics400-rgb.py).
preprocessor = dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], format_shape='NCHW')
teacher = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNetTSM', depth=18, pretrained=None, pretrained2d=False, norm_eval=False,
                  num_segments=8, shift_div=8),
    cls_head=dict(type='TSMHead', num_classes=6, in_channels=512, num_segments=8,
                  spatial_type='avg', consensus=dict(type='AvgConsensus', dim=1),
                  dropout_ratio=0.3, init_std=0.01, is_shift=True, average_clips='prob'),
    data_preprocessor=preprocessor)
student = dict(
    type='Recognizer2D',
    backbone=dict(type='MobileNetV2TSM', widen_factor=0.5, pretrained=None,
                  pretrained2d=False, num_segments=8, shift_div=8, is_shift=True),
    cls_head=dict(type='TSMHead', num_classes=6, in_channels=1280, num_segments=8,
                  spatial_type='avg', consensus=dict(type='AvgConsensus', dim=1),
                  dropout_ratio=0.3, init_std=0.01, is_shift=True, average_clips='prob'),
    data_preprocessor=preprocessor)
