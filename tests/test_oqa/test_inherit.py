"""Bit inheritance: every key loads, steps re-initialise, distinct levels drop to 2^b."""
import pytest
import torch
from types import SimpleNamespace

from projects.oqa import LSQStepReinitHook, reinit_steps
from projects.oqa.lsq import lsq_quantizers

from ._helpers import batch, tiny_classifier


def _trained(bits):
    torch.manual_seed(0)
    model = tiny_classifier(bits=bits, num_subnets=2).train()
    model.loss(*_prep(model))  # data init of the steps
    return model


def _prep(model):
    data = model.data_preprocessor(batch(8), True)
    return data['inputs'], data['data_samples']


def test_lower_bit_model_loads_every_key():
    m4 = _trained(4)
    m3 = tiny_classifier(bits=3)
    result = m3.load_state_dict(m4.state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    s3, s4 = m3.state_dict(), m4.state_dict()
    assert set(s3) == set(s4)
    for key in s4:
        torch.testing.assert_close(s3[key], s4[key], msg=key)


@pytest.mark.parametrize('src,dst', [(4, 3), (3, 2)])
def test_data_reinit_cuts_levels_to_two_power_b(src, dst):
    m_src = _trained(src)
    m = tiny_classifier(bits=dst)
    m.load_state_dict(m_src.state_dict())
    reinit_steps(m, 'data')
    assert all(int(q.initialized) == 0 for q in lsq_quantizers(m))
    m.train()
    m.loss(*_prep(m))
    conv = m.backbone.blocks[0].expand_conv
    step_before = m_src.backbone.blocks[0].expand_conv.weight_quantizer.step.item()
    w = conv.active_weight(8, m.backbone.blocks[0].active_mid)
    q = conv.weight_quantizer
    levels_src = len(torch.unique(m_src.backbone.blocks[0].expand_conv.weight_quantizer(w)))
    levels = len(torch.unique(q(w)))
    assert levels <= 2 ** dst < levels_src
    assert q.step.item() != step_before
    assert q.step.item() == pytest.approx(2 * m.backbone.blocks[0].expand_conv.weight[
        :m.backbone.blocks[0].active_mid].abs().mean().item() / (2 ** (dst - 1) - 1) ** 0.5,
        rel=1e-5)


def test_rescale_keeps_the_clipping_range():
    m = _trained(4)
    m3 = tiny_classifier(bits=3)
    m3.load_state_dict(m.state_dict())
    reinit_steps(m3, 'rescale', from_bits=4)
    qw4 = m.backbone.final_expand.weight_quantizer
    qw3 = m3.backbone.final_expand.weight_quantizer
    qa4 = m.backbone.final_expand.act_quantizer
    qa3 = m3.backbone.final_expand.act_quantizer
    assert qw3.step.item() == pytest.approx(qw4.step.item() * 7 / 3)
    assert qa3.step.item() == pytest.approx(qa4.step.item() * 15 / 7)


def test_keep_leaves_steps():
    m = _trained(4)
    before = [q.step.item() for q in lsq_quantizers(m)]
    reinit_steps(m, 'keep')
    assert [q.step.item() for q in lsq_quantizers(m)] == before


def test_hook_only_on_a_fresh_run():
    m = _trained(4)
    hook = LSQStepReinitHook(mode='data')
    hook.before_train(SimpleNamespace(iter=5, model=m))
    assert all(int(q.initialized) == 1 for q in lsq_quantizers(m) if q.bits)
    hook.before_train(SimpleNamespace(iter=0, model=m))
    assert all(int(q.initialized) == 0 for q in lsq_quantizers(m))


def test_bad_modes():
    with pytest.raises(ValueError):
        LSQStepReinitHook(mode='reset')
    with pytest.raises(ValueError, match='from_bits'):
        LSQStepReinitHook(mode='rescale')
