"""Supernet classifier: sampler order, in-place KD with a detached teacher, resolution, RNG."""
import random

import pytest
import torch

from ._helpers import batch, tiny_classifier


def _inputs(model, n=8):
    data = model.data_preprocessor(batch(n), True)
    return data['inputs'], data['data_samples']


def test_sandwich_runs_max_min_then_random_at_one_resolution():
    model = tiny_classifier(num_subnets=4)
    archs = model.sample_step(random.Random(0))
    bb = model.backbone
    assert archs[0]['ks'] == bb.max_subnet()['ks'] and archs[0]['d'] == bb.max_subnet()['d']
    assert archs[1]['e'] == bb.min_subnet()['e'] and archs[1]['d'] == bb.min_subnet()['d']
    assert len(archs) == 4 and len({a['resolution'] for a in archs}) == 1
    assert archs[0]['resolution'] in (16, 20, 24)


def test_uniform_draws_only_random_subnets():
    model = tiny_classifier(sampler='uniform', num_subnets=3)
    rng = random.Random(1)
    seen_max = sum(a['ks'] == [7] * 20 and a['e'] == [6] * 20
                   for _ in range(20) for a in model.sample_step(rng))
    assert seen_max == 0


def test_loss_keys_labels_for_max_kd_for_others():
    model = tiny_classifier(num_subnets=3).train()
    losses = model.loss(*_inputs(model))
    assert sorted(losses) == ['loss_ce_0', 'loss_kd_1', 'loss_kd_2']
    assert all(torch.isfinite(v) for v in losses.values())
    no_kd = tiny_classifier(num_subnets=3, teacher=None).train()
    assert sorted(no_kd.loss(*_inputs(no_kd))) == ['loss_ce_0', 'loss_ce_1', 'loss_ce_2']


def test_kd_teacher_is_detached():
    # max (depth 2) and min (depth 1) subnets: block slot 1 is used by the max subnet only, so
    # the KD loss of the min subnet must give it no gradient
    model = tiny_classifier(num_subnets=2).train()
    losses = model.loss(*_inputs(model))
    losses['loss_kd_1'].backward()
    max_only = model.backbone.blocks[1].expand_conv.weight
    shared = model.backbone.blocks[0].expand_conv.weight
    assert max_only.grad is None or max_only.grad.abs().sum() == 0
    assert shared.grad is not None and shared.grad.abs().sum() > 0


def test_kd_loss_is_kl_with_temperature():
    model = tiny_classifier(kd_temperature=2.0, kd_weight=0.5)
    s = torch.tensor([[1.0, 0.0, -1.0]])
    t = torch.tensor([[0.0, 2.0, 0.0]])
    p = torch.softmax(t / 2, 1)
    expected = (p * (p.log() - torch.log_softmax(s / 2, 1))).sum() * 4 * 0.5
    torch.testing.assert_close(model.kd_loss(s, t), expected)


def test_training_resolution_is_applied_and_eval_subnet_restored():
    model = tiny_classifier(num_subnets=2).train()
    shapes = []
    model.backbone.register_forward_pre_hook(lambda m, a: shapes.append(a[0].shape[-1]))
    model.loss(*_inputs(model))
    assert len(set(shapes)) == 1 and shapes[0] in (16, 20, 24)
    assert model.backbone.active_arch == model.eval_arch


def test_predict_uses_the_eval_subnet_resolution():
    arch = dict(ks=[3] * 20, e=[4] * 20, d=[1] * 5, resolution=20)
    model = tiny_classifier(subnet=arch).eval()
    shapes = []
    model.backbone.register_forward_pre_hook(lambda m, a: shapes.append(a[0].shape[-1]))
    data = model.data_preprocessor(batch(2, size=32), False)
    model.predict(data['inputs'], data['data_samples'])
    assert shapes == [20]


def test_same_iteration_same_subnets():
    from mmengine.logging import MessageHub
    hub = MessageHub.get_current_instance()
    model = tiny_classifier()
    hub.update_info('iter', 7)
    a = model.sample_step(model._rng())
    b = model.sample_step(model._rng())
    assert a == b
    hub.update_info('iter', 8)
    assert model.sample_step(model._rng()) != a


@pytest.mark.parametrize('kwargs', [dict(sampler='greedy'), dict(teacher='fp'),
                                    dict(num_subnets=1)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        tiny_classifier(**kwargs)


def test_static_classifier_of_the_export_gives_the_supernet_logits():
    from mmengine.registry import MODELS
    torch.manual_seed(0)
    arch = dict(ks=[5, 3, 7, 3] * 5, e=[6, 3, 4, 4] * 5, d=[2, 1, 2, 1, 2], resolution=20)
    model = tiny_classifier(subnet=arch).double().train()
    model.loss(*_inputs(model))  # data init
    model.eval()
    static = MODELS.build(dict(type='OQAImageClassifier', resolution=20,
                               backbone=dict(type='OQAMobileNetV3', arch=arch, bits=4,
                                             depth_list=[1, 2], stem_channels=8,
                                             first_channels=8,
                                             stage_channels=[8, 16, 24, 32, 40],
                                             final_expand_channels=32,
                                             feature_mix_channels=48),
                               neck=dict(type='GlobalAveragePooling'),
                               head=dict(type='LinearClsHead', num_classes=10,
                                         in_channels=48))).double().eval()
    static.backbone.load_state_dict(model.backbone.export_subnet().state_dict())
    static.head.load_state_dict(model.head.state_dict())
    x = torch.randn(3, 3, 32, 32, dtype=torch.float64)
    torch.testing.assert_close(static(x, mode='tensor'), model(x, mode='tensor'),
                               atol=1e-6, rtol=0)
