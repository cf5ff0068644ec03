"""Small TopoNet models with distinct, non-trivial weights, shared by the TopoNet tests."""
import torch
import torch.nn as nn

import projects.toponet  # noqa: F401  (registers the TopoNet modules)


def randomize_bn(model: nn.Module, seed: int = 0) -> nn.Module:
    """Distinct BN statistics and affine parameters (eval-mode outputs then depend on them)."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(m.num_features, generator=g) * 0.4 - 0.2)
    return model


def distinct_alphas(stage, seed: int = 0, low: float = -1.5, high: float = 1.5) -> torch.Tensor:
    """Set every existing edge of ``stage`` to a distinct value; returns the alpha matrix."""
    g = torch.Generator().manual_seed(seed)
    src = stage.edge_source
    alpha = (torch.rand(src.edge_alpha.shape, generator=g, dtype=torch.float64)
             * (high - low) + low) * src.edge_mask
    src.edge_alpha.data.copy_(alpha.to(src.edge_alpha.dtype))
    return alpha


def tiny_classifier(**backbone_kwargs):
    """TopoImageClassifier around a 1/4-width CIFAR ResNet-18, as the tiny digits config."""
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    backbone = dict(type='TopoResNet_CIFAR', depth=18, stem_channels=16, base_channels=16,
                    out_indices=(3, ), **backbone_kwargs)
    cfg = dict(type='TopoImageClassifier', edge_l1_weight=0.01, backbone=backbone,
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=10, in_channels=128))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)
