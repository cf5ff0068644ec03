"""Tiny recognizer configs and batches shared by the distiller tests."""
import torch
from mmaction.structures import ActionDataSample

NUM_CLASSES = 5
SEGS = 4
PRE = dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
           std=[58.395, 57.12, 57.375], format_shape='NCHW')
PRE3D = dict(PRE, format_shape='NCTHW')


def tsm_r18(num_segments=SEGS, num_classes=NUM_CLASSES, preprocessor=PRE):
    """TSM with a ResNet-18 backbone (teacher)."""
    return dict(type='Recognizer2D',
                backbone=dict(type='ResNetTSM', depth=18, pretrained=None, norm_eval=False,
                              num_segments=num_segments, shift_div=4),
                cls_head=dict(type='TSMHead', num_classes=num_classes, in_channels=512,
                              num_segments=num_segments, dropout_ratio=0.0, init_std=0.01,
                              is_shift=True, average_clips='prob'),
                data_preprocessor=preprocessor)


def tsm_mbv2(num_segments=SEGS, num_classes=NUM_CLASSES, preprocessor=PRE):
    """TSM with a MobileNetV2 (x0.25) backbone (student)."""
    return dict(type='Recognizer2D',
                backbone=dict(type='MobileNetV2TSM', widen_factor=0.25, pretrained=None,
                              num_segments=num_segments, shift_div=4, is_shift=True,
                              pretrained2d=False),
                cls_head=dict(type='TSMHead', num_classes=num_classes, in_channels=1280,
                              num_segments=num_segments, dropout_ratio=0.0, init_std=0.01,
                              is_shift=True, average_clips='prob'),
                data_preprocessor=preprocessor)


def r3d(base_channels, depth=18):
    """A small 3D ResNet recognizer (I3D head)."""
    return dict(type='Recognizer3D',
                backbone=dict(type='ResNet3d', depth=depth, pretrained=None, pretrained2d=False,
                              base_channels=base_channels, conv1_kernel=(3, 7, 7),
                              conv1_stride_t=1, pool1_stride_t=1,
                              inflate=(1, 1, 1, 1)),
                cls_head=dict(type='I3DHead', num_classes=NUM_CLASSES,
                              in_channels=base_channels * 8, dropout_ratio=0.0, init_std=0.01,
                              average_clips='prob'),
                data_preprocessor=PRE3D)


def batch_2d(n=2, segs=SEGS, size=32, seed=0):
    """A data batch as the dataloader gives it: uint8 ``[segs, 3, H, W]`` per sample."""
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (segs, 3, size, size), generator=g, dtype=torch.uint8)
              for _ in range(n)]
    samples = [ActionDataSample().set_gt_label(i % NUM_CLASSES) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def batch_3d(n=2, t=4, size=32, seed=0):
    """uint8 ``[1, 3, T, H, W]`` per sample (one clip)."""
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (1, 3, t, size, size), generator=g, dtype=torch.uint8)
              for _ in range(n)]
    samples = [ActionDataSample().set_gt_label(i % NUM_CLASSES) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)
