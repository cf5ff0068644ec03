"""Supernet: export parity, max subnet vs a hand-written MobileNetV3, arch strings, sampler."""
import random

import pytest
import torch
import torch.nn.functional as F

from projects.oqa import OQAMobileNetV3, OQAMobileNetV3Supernet, parse_arch
from projects.oqa.arch import make_divisible
from projects.oqa.lsq import lsq_quantizers

TINY = dict(stem_channels=8, first_channels=8, stage_channels=[8, 16, 24, 32, 40],
            final_expand_channels=64, feature_mix_channels=96, resolutions=[24, 28, 32])


def _perturbed(bits, seed=0, **kw):
    """A float64 supernet with every parameter, BN statistic and step moved off its init."""
    torch.manual_seed(seed)
    net = OQAMobileNetV3Supernet(bits=bits, **dict(TINY, **kw)).double()
    net.train()
    net(torch.randn(4, 3, 32, 32, dtype=torch.float64))  # data init of every step in use
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith('matrix'):
                p.add_(0.2 * torch.randn_like(p))  # transform matrices away from identity
            elif not name.endswith('step'):
                p.mul_(1 + 0.3 * torch.rand_like(p)).add_(0.02 * torch.randn_like(p))
    # BN statistics from data (one batch, momentum 1), then moved a little, distinct per channel
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.momentum = 1.0
    with torch.no_grad():
        net(torch.randn(8, 3, 32, 32, dtype=torch.float64))
        for bn in bns:
            bn.momentum = 0.1
            bn.running_mean.add_(0.05 * torch.randn_like(bn.running_mean))
            bn.running_var.mul_(1 + 0.2 * torch.rand_like(bn.running_var))
    # steps re-initialised on eval-mode inputs (with the perturbed BN statistics), so that no
    # quantizer rounds its whole input to 0 and the parity checks compare live outputs
    net.eval()
    for q in lsq_quantizers(net):
        q.initialized.fill_(0)
        q.train()
    net(torch.randn(4, 3, 32, 32, dtype=torch.float64))
    return net.eval()


@pytest.mark.parametrize('bits', [2, 3, 4])
def test_export_parity_random_subnets(bits):
    net = _perturbed(bits, seed=bits)
    rng = random.Random(bits)
    x = torch.randn(3, 3, 28, 28, dtype=torch.float64)
    for _ in range(3):
        net.sample_subnet('random', rng)
        static = net.export_subnet().eval()
        assert isinstance(static, OQAMobileNetV3)
        y = net(x)[0]
        assert (y[0] - y[1]).abs().max() > 1e-2  # live, input-dependent features
        torch.testing.assert_close(static(x)[0], y, atol=1e-6, rtol=0)


def test_export_parity_full_width_small_kernel():
    net = _perturbed(4, resolutions=[128], stage_channels=[24, 40, 80, 112, 160],
                     stem_channels=16, first_channels=16, final_expand_channels=960,
                     feature_mix_channels=1280)
    net.set_subnet(dict(ks=[3, 5] * 10, e=[3, 4, 6, 4] * 5, d=[2, 3, 4, 2, 3]))
    x = torch.randn(2, 3, 40, 40, dtype=torch.float64)
    torch.testing.assert_close(net.export_subnet().eval()(x)[0], net(x)[0], atol=1e-6, rtol=0)


def test_different_subnets_give_different_outputs():
    net = _perturbed(4)
    x = torch.randn(2, 3, 28, 28, dtype=torch.float64)
    y_max = net(x)[0]
    net.sample_subnet('min')
    assert not torch.allclose(y_max, net(x)[0])


def _q(x, step, qn, qp):
    s = abs(step)
    return torch.clamp(x / s, qn, qp).round() * s


def _reference_forward(net, x, bits):
    """MobileNetV3 written out with torch.nn.functional on the supernet's full tensors."""
    wq = (lambda w, q: _q(w, q.step.item(), -2 ** (bits - 1), 2 ** (bits - 1) - 1))
    aq = (lambda a, q: _q(a, q.step.item(), 0, 2 ** bits - 1))

    def conv(x, m, stride=1, groups=1):
        k = m.weight.shape[-1]
        return F.conv2d(aq(x, m.act_quantizer), wq(m.weight, m.weight_quantizer), None, stride,
                        k // 2, 1, groups)

    def bn(x, m):
        return F.batch_norm(x, m.running_mean, m.running_var, m.weight, m.bias, False, 0.0,
                            m.eps)

    x = F.hardswish(bn(F.conv2d(x, net.stem[0].weight, None, 2, 1), net.stem[1]))
    fb = net.first_block
    y = F.relu(bn(conv(x, fb.dw_conv, groups=x.shape[1]), fb.dw_bn))
    x = x + bn(conv(y, fb.project_conv), fb.project_bn)
    acts = ['relu'] * 8 + ['h_swish'] * 12
    for i, blk in enumerate(net.blocks):
        act = F.relu if acts[i] == 'relu' else F.hardswish
        stride = [2, 2, 2, 1, 2][i // 4] if i % 4 == 0 else 1
        y = act(bn(conv(x, blk.expand_conv), blk.expand_bn))
        y = act(bn(conv(y, blk.dw_conv, stride, groups=y.shape[1]), blk.dw_bn))
        if i // 4 in (1, 3, 4):
            se = blk.se
            s = F.relu(F.conv2d(y.mean((2, 3), keepdim=True), se.reduce.weight, se.reduce.bias))
            y = y * F.hardsigmoid(F.conv2d(s, se.expand.weight, se.expand.bias))
        y = bn(conv(y, blk.project_conv), blk.project_bn)
        x = x + y if (stride == 1 and x.shape[1] == y.shape[1]) else y
    x = F.hardswish(bn(conv(x, net.final_expand), net.final_expand_bn))
    return F.hardswish(conv(x.mean((2, 3), keepdim=True), net.feature_mix))


@pytest.mark.parametrize('bits', [None, 2, 4])
def test_max_subnet_equals_static_mobilenet_v3(bits):
    net = _perturbed(bits)
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    net.sample_subnet('max')
    torch.testing.assert_close(net(x)[0], _reference_forward(net, x, bits or 0) if bits else
                               _reference_forward_fp(net, x), atol=1e-9, rtol=0)


def _reference_forward_fp(net, x):
    import projects.oqa.lsq as lsq_mod  # noqa: F401
    global _q
    saved = _q
    _q = (lambda a, step, qn, qp: a)  # noqa: E731
    try:
        return _reference_forward(net, x, 0)
    finally:
        _q = saved


def test_max_subnet_channels_follow_ofa_rules():
    net = OQAMobileNetV3Supernet(bits=4)
    blk = net.blocks[4]  # stage 1 block 0: 24 -> 40, e=6 -> mid 144, SE hidden 40
    assert blk.expand_conv.weight.shape[:2] == (144, 24)
    assert blk.se.reduce.weight.shape[0] == make_divisible(144 // 4, 8) == 40
    assert net.blocks[0].dw_conv.stride == 2 and net.blocks[12].dw_conv.stride == 1


def test_static_net_from_official_string_counts_layers():
    arch = '-ks ' + ' '.join(['3'] * 20) + ' -es ' + ' '.join(['4'] * 20) + ' -d 2 3 4 2 3 -is 160'
    net = OQAMobileNetV3(arch, bits=2)
    assert len(net.blocks) == 14 and net.arch['resolution'] == 160
    assert all(b.dw_conv.kernel_size == (3, 3) for b in net.blocks)


@pytest.mark.parametrize('slot_key,value,words', [
    ('ks', 9, ['ks', 'slot 6', '9', '[3, 5, 7]']),
    ('es', 5, ['e', 'slot 6', '5', '[3, 4, 6]']),
    ('d', 5, ['d', 'stage 1', '5', '[2, 3, 4]']),
])
def test_bad_arch_string_is_one_line(slot_key, value, words):
    ks, es, d = [3] * 20, [4] * 20, [2] * 5
    {'ks': ks, 'es': es, 'd': d}[slot_key][6 if slot_key != 'd' else 1] = value
    arch = f"-ks {' '.join(map(str, ks))} -es {' '.join(map(str, es))} -d {' '.join(map(str, d))}"
    with pytest.raises(ValueError) as err:
        OQAMobileNetV3(arch)
    msg = str(err.value)
    assert '\n' not in msg and all(w in msg for w in words), msg


def test_bad_arch_length_and_flag():
    with pytest.raises(ValueError, match='needs 20 values'):
        parse_arch('-ks 3 3 -es 3 -d 2 2 2 2 2')
    with pytest.raises(ValueError, match='unknown flag'):
        parse_arch('-kk 3')


@pytest.mark.parametrize('depth_list', [[2, 3, 4], [1, 2]])
def test_sampler_covers_the_space_and_depth_keeps_first_blocks(depth_list):
    net = OQAMobileNetV3Supernet(bits=4, **dict(TINY, depth_list=depth_list))
    rng = random.Random(0)
    seen = dict(ks=set(), e=set(), d=set(), resolution=set())
    for _ in range(200):
        arch = net.sample_subnet('random', rng)
        for key in seen:
            values = arch[key] if isinstance(arch[key], list) else [arch[key]]
            seen[key].update(values)
        active = [slot for slot, b in zip(net.block_slots, net.blocks)
                  if b in net.active_blocks()]
        expected = [4 * s + j for s in range(5) for j in range(arch['d'][s])]
        assert active == expected
    assert seen == dict(ks={3, 5, 7}, e={3, 4, 6}, d=set(depth_list), resolution={24, 28, 32})
    assert len(net.blocks) == 5 * max(depth_list)


def test_set_subnet_rejects_values_outside_the_lists():
    net = OQAMobileNetV3Supernet(bits=4, ks_list=[3, 5], **TINY)
    with pytest.raises(ValueError, match=r'7.*\[3, 5\]'):
        net.set_subnet(dict(ks=[7] * 20, e=[3] * 20, d=[2] * 5))
    with pytest.raises(ValueError, match='resolution'):
        net.set_subnet(dict(ks=[3] * 20, e=[3] * 20, d=[2] * 5, resolution=30))


def test_kernel_transform_is_chained_centre_crop_times_matrix():
    from projects.oqa.ops import DynamicLSQDWConv2d
    torch.manual_seed(0)
    dw = DynamicLSQDWConv2d(4, [3, 5, 7], bits=None).double()
    with torch.no_grad():
        dw._parameters['7to5_matrix'].copy_(torch.randn(25, 25, dtype=torch.float64))
        dw._parameters['5to3_matrix'].copy_(torch.randn(9, 9, dtype=torch.float64))
    w = dw.weight[:3]
    m75, m53 = dw._parameters['7to5_matrix'], dw._parameters['5to3_matrix']
    w5 = (w[:, :, 1:6, 1:6].reshape(3, 1, 25) @ m75.T).reshape(3, 1, 5, 5)
    w3 = (w5[:, :, 1:4, 1:4].reshape(3, 1, 9) @ m53.T).reshape(3, 1, 3, 3)
    torch.testing.assert_close(dw.active_weight(3, 7), w)
    torch.testing.assert_close(dw.active_weight(3, 5), w5)
    torch.testing.assert_close(dw.active_weight(3, 3), w3)
