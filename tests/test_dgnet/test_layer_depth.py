"""Layer-wise LR decay (mmpretrain ``get_layer_depth``) works with router parameters."""
import pytest
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmpretrain.models.backbones import ResNet
from mmpretrain.registry import MODELS

from projects.dgnet import DGMobileNetV2, DGResNet


def test_block_parameters_keep_mmpretrain_depths():
    dg, base = DGResNet(50), ResNet(50)
    names = [n for n, _ in dg.named_parameters() if '.edge_source.' not in n]
    assert names == [n for n, _ in base.named_parameters()]
    for name in names:
        full = 'backbone.' + name
        assert dg.get_layer_depth(full, 'backbone.') == base.get_layer_depth(full, 'backbone.')


def test_routers_take_the_depth_of_the_block_whose_output_they_read():
    dg = DGResNet(50)
    # ResNet-50, by mmpretrain's rule: layer3 blocks b -> 2 + 2 + b // 3 of 8 depths;
    # layer3 has 6 blocks, rows in, 0..5, out; router k reads row k (in: block 0's shortcut)
    expected = {0: 4, 1: 4, 2: 4, 3: 4, 4: 5, 5: 5, 6: 5}
    for k, depth in expected.items():
        name = f'backbone.layer3.edge_source.routers.{k}.fc.weight'
        assert dg.get_layer_depth(name, 'backbone.') == (depth, 8), k
    assert dg.get_layer_depth('backbone.layer4.edge_source.routers.3.fc.bias',
                              'backbone.') == (6, 8)


def test_static_edge_alphas_take_the_depth_of_the_last_block():
    dg = DGResNet(50, edge_source=dict(type='StaticEdgeSource'))
    assert dg.get_layer_depth('backbone.layer3.edge_source.edge_alpha', 'backbone.') == (5, 8)


def test_layer_decay_optimizer_builds_for_a_dg_classifier():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(
            type='ImageClassifier', backbone=dict(type='DGResNet', depth=50),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=2048)))
        wrapper = build_optim_wrapper(model, dict(
            optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
            constructor='LearningRateDecayOptimWrapperConstructor',
            paramwise_cfg=dict(layer_decay_rate=0.5)))
    groups = {g['param_name']: g for g in wrapper.optimizer.param_groups}
    router = groups['backbone.layer3.edge_source.routers.5.fc.weight']
    block = groups['backbone.layer3.4.conv1.weight']  # router 5 reads node 4 = block 4
    assert router['layer_id'] == block['layer_id'] == 5
    assert router['lr'] == pytest.approx(1e-3 * 0.5 ** (8 - 5 - 1))


def test_mobilenetv2_stays_without_layer_depth_like_mmpretrain():
    assert not hasattr(DGMobileNetV2(widen_factor=0.25), 'get_layer_depth')
