"""Tiny OQA models for the tests."""
import torch
from mmengine.registry import MODELS, init_default_scope

import projects.oqa  # noqa: F401

TINY_BACKBONE = dict(
    type='OQAMobileNetV3Supernet', bits=4, stem_channels=8, first_channels=8,
    stage_channels=[8, 16, 24, 32, 40], final_expand_channels=32, feature_mix_channels=48,
    resolutions=[16, 20, 24], depth_list=[1, 2])


def tiny_classifier(bits=4, **kwargs):
    init_default_scope('mmpretrain')
    cfg = dict(type='OQASupernetClassifier', backbone=dict(TINY_BACKBONE, bits=bits),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=10, in_channels=48),
               data_preprocessor=dict(num_classes=10, mean=[128.0] * 3, std=[64.0] * 3))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(n=8, size=24, seed=0):
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(seed)
    return dict(inputs=[torch.randint(0, 256, (3, size, size), generator=gen,
                                      dtype=torch.uint8) for _ in range(n)],
                data_samples=[DataSample().set_gt_label(i % 10) for i in range(n)])
