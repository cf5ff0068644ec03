"""``signed_act`` (ours, not the paper's): signed input quantizers, default off (official)."""
import math
import random

import pytest
import torch

from projects.oqa import LSQConv2d, LSQQuantizer, OQAMobileNetV3Supernet, quantize_convs
from projects.oqa.lsq import act_quantizer, lsq_quantizers

TINY = dict(stem_channels=8, first_channels=8, stage_channels=[8, 16, 24, 32, 40],
            final_expand_channels=32, feature_mix_channels=48, resolutions=[24, 28])


def test_signed_act_levels_keep_negative_inputs():
    # b=3 signed: Qn=-4, Qp=3, s=0.25; x/s = [-5.2, -1.4, 0.6, 2.2, 3.8]
    q = act_quantizer(3, signed_act=True).double()
    q.step.data.fill_(0.25)
    q.initialized.fill_(1)
    y = q(torch.tensor([-1.3, -0.35, 0.15, 0.55, 0.95], dtype=torch.float64))
    torch.testing.assert_close(y, torch.tensor([-1.0, -0.25, 0.25, 0.5, 0.75],
                                               dtype=torch.float64))
    # the official unsigned quantizer maps the negatives to 0
    u = act_quantizer(3, signed_act=False).double()
    u.step.data.fill_(0.25)
    u.initialized.fill_(1)
    y = u(torch.tensor([-1.3, -0.35, 0.15, 0.55, 0.95], dtype=torch.float64))
    torch.testing.assert_close(y, torch.tensor([0.0, 0.0, 0.25, 0.5, 1.0], dtype=torch.float64))


def test_signed_act_data_init_and_sample_grad_scale():
    x = torch.tensor([[[[-0.5, 1.5], [0.25, -0.75]]]] * 3, dtype=torch.float64)  # N=3, C=1
    q = LSQQuantizer(4, signed=True, grad_scale='sample', act=True).double().train()
    q(x)
    # s = 2 mean|x| / sqrt(Qp), Qp = 7 for signed 4 bits; mean|x| = 0.75
    assert q.step.item() == pytest.approx(1.5 / math.sqrt(7))
    # 'sample': numel per sample (4 features), not the 12 of the batch
    assert q.scale_for(x) == pytest.approx(1 / math.sqrt(4 * 7))
    w = LSQQuantizer(4, signed=True, grad_scale='sample')  # a weight quantizer: whole tensor
    assert w.scale_for(x) == pytest.approx(1 / math.sqrt(12 * 7))


def test_default_is_unsigned_official():
    net = OQAMobileNetV3Supernet(bits=4, depth_list=[1, 2], **TINY)
    acts = [m.act_quantizer for m in net.modules() if hasattr(m, 'act_quantizer')]
    assert acts and all(not a.signed and a.act for a in acts)
    conv = LSQConv2d(2, 3, 1, bits=2)
    assert not conv.act_quantizer.signed


def test_supernet_signed_act_export_parity():
    from .test_supernet import _perturbed
    net = _perturbed(3, seed=5, signed_act=True)
    # steps matched to the eval-mode inputs (the perturbed BN statistics would otherwise round
    # the pooled feature_mix input to 0 and make the parity check vacuous)
    for q in lsq_quantizers(net):
        q.initialized.fill_(0)
        q.train()
    net(torch.randn(4, 3, 28, 28, dtype=torch.float64))
    for q in lsq_quantizers(net):
        q.eval()
    # signed: exactly the linear-bottleneck inputs (every block's expand conv, final_expand)
    named = {n: m.act_quantizer for n, m in net.named_modules() if hasattr(m, 'act_quantizer')}
    signed = sorted(n for n, a in named.items() if a.signed)
    expected = sorted([f'blocks.{i}.expand_conv' for i in range(len(net.blocks))] +
                      ['final_expand'])
    assert signed == expected and all(a.act for a in named.values())
    acts = [named[n] for n in signed]
    x = torch.randn(2, 3, 28, 28, dtype=torch.float64)
    rng = random.Random(0)
    for _ in range(2):
        net.sample_subnet('random', rng)
        static = net.export_subnet().eval()
        static_signed = sorted(n for n, m in static.named_modules()
                               if hasattr(m, 'act_quantizer') and m.act_quantizer.signed)
        assert static_signed == sorted([f'blocks.{i}.expand_conv'
                                        for i in range(len(static.blocks))] + ['final_expand'])
        y = net(x)[0]
        assert y.abs().max() > 0.1 and y.std() > 0.01  # not a dead output
        torch.testing.assert_close(static(x)[0], y, atol=1e-6, rtol=0)
    # the signed inputs really change the output compared with the clipped ones
    for a in acts:
        a.signed = False
    assert not torch.allclose(net(x)[0], y)


def test_transform_signed_act_and_bad_value():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 4, 1))
    quantize_convs(model, bits=4, signed_act=True)
    assert isinstance(model[1], LSQConv2d) and model[1].act_quantizer.signed
    with pytest.raises(TypeError, match='signed_act'):
        OQAMobileNetV3Supernet(bits=4, depth_list=[1, 2], signed_act='yes', **TINY)


def test_zero_step_stays_finite():
    from projects.oqa import lsq_quantize
    x = torch.tensor([-0.3, 0.0, 0.2, 1.0], dtype=torch.float64, requires_grad=True)
    step = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    y = lsq_quantize(x, step, -2, 1, 0.5)
    y.sum().backward()
    assert torch.isfinite(y).all() and torch.isfinite(x.grad).all()
    assert torch.isfinite(step.grad).all()
    assert y.abs().max() <= 2e-8


def test_non_finite_loss_raises_naming_the_subnet():
    from ._helpers import batch, tiny_classifier
    model = tiny_classifier(num_subnets=2).train()
    with torch.no_grad():
        model.backbone.final_expand_bn.weight[0] = float('nan')
    data = model.data_preprocessor(batch(4), True)
    with pytest.raises(ValueError, match=r'non-finite .*loss_ce_0.* for subnet -ks 7'):
        model.loss(data['inputs'], data['data_samples'])
