"""DG backbones: parity with mmpretrain's static networks, shapes, checkpoints and cost."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.analysis import get_model_complexity_info
from mmpretrain.models.backbones import MobileNetV2, RegNet, ResNet, ResNeXt

from projects.common.graph import GraphStage
from projects.dgnet import DGMobileNetV2, DGRegNet, DGResNet, DGResNeXt
from tests.test_common.test_graph.conftest import residual_chain_reference

# (DG class, static class, kwargs) at small sizes
FAMILIES = [
    (DGResNet, ResNet, dict(depth=50)),
    (DGResNet, ResNet, dict(depth=18)),
    (DGResNeXt, ResNeXt, dict(depth=50, groups=4, width_per_group=4)),
    (DGRegNet, RegNet, dict(arch='regnetx_400mf')),
    (DGMobileNetV2, MobileNetV2, dict(widen_factor=0.5)),
]
IDS = ['resnet50', 'resnet18', 'resnext50', 'regnetx400mf', 'mobilenetv2']


def _eval(m):
    m.eval()  # mmpretrain backbones' train() returns None, so no chaining
    return m


def _randomize_bn(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)


@pytest.mark.parametrize('dg_cls, base_cls, kwargs', FAMILIES, ids=IDS)
def test_static_checkpoint_loads_into_blocks(dg_cls, base_cls, kwargs):
    base_sd = base_cls(**kwargs).state_dict()
    dg = dg_cls(**kwargs)
    missing, unexpected = dg.load_state_dict(base_sd, strict=False)
    assert unexpected == []
    assert missing and all('.edge_source.' in k for k in missing)
    for k, v in base_sd.items():
        assert torch.equal(dg.state_dict()[k], v), k


@pytest.mark.parametrize('dg_cls, base_cls, kwargs', FAMILIES, ids=IDS)
def test_output_shapes_equal_base_for_every_index(dg_cls, base_cls, kwargs):
    n_out = 8 if base_cls is MobileNetV2 else 4
    kwargs = dict(kwargs, out_indices=tuple(range(n_out)))
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        ours = _eval(dg_cls(**kwargs))(x)
        theirs = _eval(base_cls(**kwargs))(x)
    assert [o.shape for o in ours] == [t.shape for t in theirs]


def test_mobilenetv2_all_ones_equals_mmpretrain_bit_for_bit():
    base = MobileNetV2(widen_factor=0.5, out_indices=(0, 1, 2, 3, 4, 5, 6, 7))
    _randomize_bn(base)
    dg = DGMobileNetV2(widen_factor=0.5, out_indices=(0, 1, 2, 3, 4, 5, 6, 7),
                       force_edge_weight=1.0)
    dg.load_state_dict(base.state_dict(), strict=False)
    _eval(base), _eval(dg)
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(dg(x), base(x)):
            assert torch.equal(a, b)
    # groups with one block stay static; the others are graphs
    assert [isinstance(getattr(dg, f'layer{i}'), GraphStage) for i in range(1, 8)] == \
        [False, True, True, True, True, True, False]


def test_resnet50_all_ones_equals_residual_chain_of_the_static_blocks():
    base = ResNet(50, out_indices=(0, 1, 2, 3))
    _randomize_bn(base)
    dg = DGResNet(50, out_indices=(0, 1, 2, 3), force_edge_weight=1.0)
    dg.load_state_dict(base.state_dict(), strict=False)
    _eval(base), _eval(dg)
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        ours = dg(x)
        h = base.maxpool(base.relu(base.norm1(base.conv1(x))))
        for i, name in enumerate(base.res_layers):
            h = residual_chain_reference(list(getattr(base, name)), h)
            assert torch.equal(ours[i], h)
        # ...and that chain is not ResNet-v1 (post-add ReLU moved): the README says so
        assert not torch.allclose(ours[-1], base(x)[-1])


def _basic_body(b, x):
    return b.norm2(b.conv2(F.relu(b.norm1(b.conv1(x)))))


def test_resnet18_basic_block_all_ones_equals_residual_chain():
    base = ResNet(18)
    _randomize_bn(base)
    dg = DGResNet(18, force_edge_weight=1.0)
    dg.load_state_dict(base.state_dict(), strict=False)
    _eval(base), _eval(dg)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        h = base.maxpool(base.relu(base.norm1(base.conv1(x))))
        for name in base.res_layers:
            blocks = list(getattr(base, name))
            acc = (blocks[0].downsample(h) if blocks[0].downsample is not None else h)
            acc = acc + _basic_body(blocks[0], h)
            for b in blocks[1:]:
                acc = acc + _basic_body(b, F.relu(acc))
            h = F.relu(acc)
        assert torch.equal(dg(x)[-1], h)


@pytest.mark.parametrize('dg_cls, base_cls, kwargs', [
    (DGResNet, ResNet, dict(depth=50)),
    (DGResNeXt, ResNeXt, dict(depth=50)),
    (DGRegNet, RegNet, dict(arch='regnetx_400mf')),
    (DGMobileNetV2, MobileNetV2, dict()),
], ids=['resnet50', 'resnext50', 'regnetx400mf', 'mobilenetv2'])
def test_router_params_and_extra_macs_below_one_percent(dg_cls, base_cls, kwargs):
    # spec invariant 8, at the ImageNet resolution; FLOPs of the static net by mmengine
    base, dg = base_cls(**kwargs), dg_cls(**kwargs)
    base_params = sum(p.numel() for p in base.parameters())
    assert dg.router_parameters() < 0.01 * base_params
    assert sum(p.numel() for p in dg.parameters()) == base_params + dg.router_parameters()
    flops = get_model_complexity_info(_eval(base), input_shape=(3, 224, 224),
                                      show_table=False, show_arch=False)['flops']
    extra = dg.extra_macs((3, 224, 224))
    assert 0 < extra['aggregation'] + extra['router'] < 0.01 * flops


def test_extra_macs_by_hand_for_one_stage():
    # ResNet-18 layer1 at 224: 2 blocks, C=64, 56x56. Columns: node1 {in,0}, out {in,0,1}
    # -> (2-1)+(3-1) = 3 extra MACs per element; 3 routers of 64*d MACs + 64*56*56 pooling.
    dg = DGResNet(18, out_indices=(0, ), num_stages=1, strides=(1, ), dilations=(1, ))
    elems = 64 * 56 * 56
    extra = dg.extra_macs((3, 224, 224))
    assert extra['aggregation'] == 3 * elems
    assert extra['router'] == 64 * (2 + 2 + 1) + 3 * elems


def test_extra_macs_probe_runs_on_the_model_device():
    # a model on another device (meta here: no GPU on CI) gets its probe there
    dg = DGResNet(18, out_indices=(0, ), num_stages=1, strides=(1, ), dilations=(1, ))
    on_cpu = dg.extra_macs((3, 224, 224))
    dg.to('meta')
    assert dg.extra_macs((3, 224, 224)) == on_cpu
