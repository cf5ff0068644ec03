"""AENetHead: shapes and ranges at 224, the weighted loss, each head and term switchable."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from projects.celeba_spoof import AENetHead, CelebASpoofError

C = 8  # channels of the random feature map in the loss tests


def _samples(live_flags, gen, map_size=14):
    samples = []
    for i, spoof in enumerate(live_flags):
        s = DataSample().set_gt_label(int(spoof))
        s.set_field((torch.rand(40, generator=gen) > 0.5).float() * (1 - spoof), 'attr')
        s.set_field(torch.tensor(3 + i if spoof else 0), 'spoof_type')
        s.set_field(torch.tensor(1 + i % 4 if spoof else 0), 'illum')
        s.set_field(torch.tensor(1 + i % 2 if spoof else 0), 'env')
        s.set_field(torch.rand(1, map_size, map_size, generator=gen, dtype=torch.float64),
                    'depth_map')
        s.set_field(torch.rand(3, map_size, map_size, generator=gen, dtype=torch.float64),
                    'reflect_map')
        samples.append(s)
    return samples


def _head(**kwargs):
    torch.manual_seed(0)
    head = AENetHead(in_channels=C, with_env=True, **kwargs).double()
    head.init_weights()
    return head


def test_forward_at_224_shapes_and_ranges():
    from mmpretrain.models import ImageClassifier
    model = ImageClassifier(backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
                            head=dict(type='AENetHead', in_channels=512)).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, 224, 224), mode='tensor')
    shapes = {k: tuple(v.shape) for k, v in out.items()}
    assert shapes == dict(live=(2, 2), attr=(2, 40), spoof_type=(2, 11), illum=(2, 5),
                          depth=(2, 1, 14, 14), reflect=(2, 3, 14, 14))
    for key in ('depth', 'reflect'):
        assert out[key].min() >= 0 and out[key].max() <= 1


def _manual_losses(head, x, samples):
    """Every term computed here from the head's own layers (sigmoid, interpolate, ...)."""
    pooled = x.mean(dim=(2, 3))
    live = torch.tensor([int(s.gt_label) for s in samples])
    out = dict(live=F.cross_entropy(F.linear(pooled, head.fc_live.weight, head.fc_live.bias),
                                    live))
    attr = torch.stack([s.attr for s in samples]).double()
    out['attr'] = F.binary_cross_entropy_with_logits(head.fc_live_attribute(pooled), attr)
    for name, fc in (('spoof_type', head.fc_attack), ('illum', head.fc_light),
                     ('env', head.fc_env)):
        out[name] = F.cross_entropy(fc(pooled), torch.stack([s.get(name) for s in samples]))
    for name, conv, field in (('depth', head.depth_final, 'depth_map'),
                              ('reflect', head.reflect_final, 'reflect_map')):
        pred = F.interpolate(torch.sigmoid(F.conv2d(x, conv.weight, padding=1)), size=(14, 14),
                             mode='bilinear', align_corners=False)
        out[name] = F.mse_loss(pred, torch.stack([s.get(field) for s in samples]))
    return out


def test_each_term_is_its_weight_times_its_loss():
    gen = torch.Generator().manual_seed(0)
    weights = dict(live=1.0, attr=1.0, spoof_type=0.1, illum=0.01, env=0.3, depth=0.1,
                   reflect=0.2)
    head = _head(loss_weights=weights)
    x = torch.randn(4, C, 7, 7, generator=gen, dtype=torch.float64)
    samples = _samples([0, 1, 0, 1], gen)
    losses = head.loss((x, ), samples)
    manual = _manual_losses(head, x, samples)
    assert set(losses) == {f'loss_{k}' for k in weights}
    for key, w in weights.items():
        torch.testing.assert_close(losses[f'loss_{key}'], w * manual[key])


def test_release_default_weights():
    head = AENetHead()
    assert {k: head.loss_weights[k] for k in ('live', 'attr', 'spoof_type', 'illum', 'depth',
                                              'reflect')} == dict(
        live=1.0, attr=1.0, spoof_type=0.1, illum=0.01, depth=0.1, reflect=0.1)
    assert not hasattr(head, 'fc_env')  # not in the release


def test_all_zero_weights_leave_the_c_loss():
    gen = torch.Generator().manual_seed(1)
    zero = dict(attr=0, spoof_type=0, illum=0, env=0, depth=0, reflect=0)
    head = _head(loss_weights=zero)
    x = torch.randn(3, C, 7, 7, generator=gen, dtype=torch.float64)
    samples = _samples([1, 0, 1], gen)
    total = sum(head.loss((x, ), samples).values())
    torch.testing.assert_close(total, _manual_losses(head, x, samples)['live'])


@pytest.mark.parametrize('semantic,geometric,expected', [
    (False, False, {'live'}),
    (True, False, {'live', 'attr', 'spoof_type', 'illum'}),
    (False, True, {'live', 'depth', 'reflect'}),
    (True, True, {'live', 'attr', 'spoof_type', 'illum', 'depth', 'reflect'}),
])
def test_variants_build_only_their_heads(semantic, geometric, expected):
    head = AENetHead(in_channels=C, with_semantic=semantic, with_geometric=geometric)
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(2, C, 7, 7, generator=gen)
    assert set(head((x, ))) == expected
    losses = head.loss((x, ), _samples([0, 1], gen))
    assert set(losses) == {f'loss_{k}' for k in expected}
    modules = {n for n, _ in head.named_children()}
    names = dict(live='fc_live', attr='fc_live_attribute', spoof_type='fc_attack',
                 illum='fc_light', depth='depth_final', reflect='reflect_final')
    assert modules == {names[k] for k in expected}


@pytest.mark.parametrize('flags', [[0, 0, 0], [1, 1, 1]])
@pytest.mark.parametrize('attr_on_spoof', [True, False])
def test_terms_finite_on_single_class_batches(flags, attr_on_spoof):
    gen = torch.Generator().manual_seed(3)
    head = _head(attr_on_spoof=attr_on_spoof)
    x = torch.randn(3, C, 7, 7, generator=gen, dtype=torch.float64, requires_grad=True)
    losses = head.loss((x, ), _samples(flags, gen))
    for key, value in losses.items():
        assert torch.isfinite(value), key
    sum(losses.values()).backward()
    assert torch.isfinite(x.grad).all()


def test_attr_on_spoof_false_masks_spoof_rows():
    gen = torch.Generator().manual_seed(4)
    head = _head(attr_on_spoof=False)
    x = torch.randn(4, C, 7, 7, generator=gen, dtype=torch.float64)
    samples = _samples([0, 1, 1, 0], gen)
    logits = head.fc_live_attribute(x.mean(dim=(2, 3)))
    attr = torch.stack([s.attr for s in samples]).double()
    expected = F.binary_cross_entropy_with_logits(logits[[0, 3]], attr[[0, 3]])
    torch.testing.assert_close(head.loss((x, ), samples)['loss_attr'], expected)


def test_geometric_heads_get_gradients():
    gen = torch.Generator().manual_seed(5)
    head = _head(loss_weights=dict(live=0, attr=0, spoof_type=0, illum=0, env=0))
    x = torch.randn(2, C, 7, 7, generator=gen, dtype=torch.float64)
    sum(head.loss((x, ), _samples([0, 1], gen)).values()).backward()
    assert head.depth_final.weight.grad.abs().sum() > 0
    assert head.reflect_final.weight.grad.abs().sum() > 0


def test_predict_gives_p_spoof_as_second_softmax_entry():
    gen = torch.Generator().manual_seed(6)
    head = _head()
    x = torch.randn(2, C, 7, 7, generator=gen, dtype=torch.float64)
    preds = head.predict((x, ))
    logits = head.fc_live(x.mean(dim=(2, 3)))
    p_spoof = torch.exp(logits[:, 1]) / torch.exp(logits).sum(1)
    torch.testing.assert_close(torch.stack([p.pred_score[1] for p in preds]), p_spoof.detach())
    assert preds[0].pred_attr.shape == (40, ) and preds[0].pred_spoof_type.dim() == 0


def test_missing_auxiliary_label_is_a_one_line_error():
    head = AENetHead(in_channels=C, with_geometric=False)
    s = DataSample(metainfo=dict(img_path='a.png')).set_gt_label(1)
    with pytest.raises(CelebASpoofError) as info:
        head.loss((torch.randn(1, C, 7, 7), ), [s])
    assert "'attr'" in str(info.value) and 'a.png' in str(info.value)
    assert '\n' not in str(info.value)


@pytest.mark.parametrize('kwargs,match', [
    (dict(loss_weights=dict(depht=0.1)), "unknown key 'depht'"),
    (dict(loss_weights=dict(depth=-1)), 'finite number >= 0'),
    (dict(num_classes=3), 'num_classes must be 2'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AENetHead(**kwargs)


def test_random_labels_for_config_tests_are_consistent():
    from projects.celeba_spoof import add_random_anti_spoof_labels
    gen = torch.Generator().manual_seed(7)
    samples = add_random_anti_spoof_labels(
        [DataSample().set_gt_label(y) for y in (0, 1, 1, 0)], gen)
    for s in samples:
        spoof = int(s.gt_label) == 1
        assert (int(s.spoof_type) > 0) == spoof and (int(s.illum) > 0) == spoof
        assert (s.attr.sum() == 0) if spoof else (s.reflect_map.sum() == 0)
        assert (s.depth_map.sum() == 0) == spoof
    losses = AENetHead(in_channels=C, with_env=True).loss(
        (torch.randn(4, C, 7, 7, generator=gen), ), samples)
    assert all(torch.isfinite(v) for v in losses.values())
