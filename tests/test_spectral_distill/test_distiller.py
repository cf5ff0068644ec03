"""SpectralCollabDistiller: invariants 4, 5 and 7 of the spec, the modes, taps and a 3D pair."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from mmengine.optim import OptimWrapperDict, build_optim_wrapper

import projects.spectral_distill  # noqa: F401
from projects.spectral_distill import student_only, to_ntc

from .toy import NUM_CLASSES, SEGS, batch_2d, batch_3d, r3d, tsm_mbv2, tsm_r18

register_all_modules(init_default_scope=False)


@pytest.fixture(autouse=True)
def _mmaction_scope():
    """Build in mmaction's scope whatever default scope an earlier test left behind."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield

TAPS = [dict(student='backbone', teacher='backbone', channels=(1280, 512))]
PAIRS = [('backbone.layer2', 'backbone.layer1')]


def build(mode='offline', student=None, teacher=None, **kw):
    torch.manual_seed(0)
    cfg = dict(type='SpectralCollabDistiller', student=student or tsm_mbv2(),
               teacher=teacher or tsm_r18(), mode=mode, taps=TAPS, param_pairs=PAIRS)
    cfg.update(kw)
    return MODELS.build(cfg)


SGD = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))


def test_reshape_2d_recovers_sample_and_segment():
    n, t = 3, 5
    ids = torch.tensor([[10.0 * i + s for s in range(t)] for i in range(n)])
    flat = ids.reshape(n * t, 1, 1, 1).expand(n * t, 2, 3, 3)  # [N*T, C, H, W], Recognizer2D
    out = to_ntc(flat, '2d', num_segs=t)
    assert out.shape == (n, t, 2, 3, 3)
    for i in range(n):
        for s in range(t):
            assert (out[i, s] == 10 * i + s).all()


def test_reshape_3d_moves_time_second():
    x = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4)  # [N, C, T]
    out = to_ntc(x, '3d', num_segs=99)
    assert out.shape == (2, 4, 3) and out[1, 2, 0] == x[1, 0, 2]


def test_tap_with_missing_path_is_one_line_error():
    with pytest.raises(ValueError) as info:
        build(taps=[dict(student='backbone.layer9', teacher='backbone', channels=(1280, 512))])
    msg = str(info.value)
    assert 'model.taps[0].student' in msg and "'backbone.layer9'" in msg and '\n' not in msg
    with pytest.raises(ValueError, match=r"model.param_pairs\[0\]\[1\].*'backbone.stage3'"):
        build(param_pairs=[('backbone.layer2', 'backbone.stage3')])


def test_wrong_channels_name_the_key():
    model = build(taps=[dict(student='backbone', teacher='backbone', channels=(64, 512))])
    with pytest.raises(ValueError, match=r'model.taps\[0\].channels.*\(1280, 512\)'):
        model.train_step(batch_2d(), build_optim_wrapper(model, SGD))


def test_offline_gradients_reach_student_and_adapter_not_teacher():
    model = build().train()
    data = model.data_preprocessor(batch_2d(), True)
    losses = model(**data, mode='loss')
    assert losses['loss_spec'] > 0 and losses['loss_param'] > 0 and losses['loss_kd'] > 0
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.adapters[0].conv.weight.grad.abs().sum() > 0
    assert model.student.backbone.conv1.conv.weight.grad.abs().sum() > 0
    # the parameter loss alone reaches a 3x3 conv of the paired student stage
    model.zero_grad()
    model(**data, mode='loss')['loss_param'].backward()
    conv = [m for m in model.student.backbone.layer2.modules()
            if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)][0]
    assert conv.weight.grad.abs().sum() > 0


def test_offline_train_step_keeps_teacher_bit_identical():
    model = build()
    model.train()
    assert not model.teacher.training
    before = copy.deepcopy(model.teacher.state_dict())
    s_before = copy.deepcopy(model.student.state_dict())
    ow = build_optim_wrapper(model, SGD)
    for seed in range(2):
        model.train_step(batch_2d(seed=seed), ow)
    after = model.teacher.state_dict()
    assert any('running_mean' in k for k in after)
    for key, value in before.items():
        assert torch.equal(value, after[key]), key
    changed = [k for k, v in model.student.state_dict().items()
               if not torch.equal(v, s_before[k])]
    assert any('running_mean' in k for k in changed) and any('weight' in k for k in changed)


def test_mutual_mode_trains_both_models():
    model = build(mode='mutual').train()
    assert model.teacher.training
    ow = build_optim_wrapper(model, dict(
        constructor='SpectralDistillOptimWrapperConstructor',
        student=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
        teacher=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01))))
    assert isinstance(ow, OptimWrapperDict)
    t_ids = {id(p) for g in ow['teacher'].optimizer.param_groups for p in g['params']}
    s_ids = {id(p) for g in ow['student'].optimizer.param_groups for p in g['params']}
    assert t_ids == {id(p) for p in model.teacher.parameters()}
    assert id(model.adapters[0].conv.weight) in s_ids and not (s_ids & t_ids)
    t_before = copy.deepcopy(model.teacher.state_dict())
    s_before = copy.deepcopy(model.student.state_dict())
    log = model.train_step(batch_2d(), ow)
    assert 'teacher_loss_mutual' in log and 'loss_spec' in log
    for before, now in ((t_before, model.teacher), (s_before, model.student)):
        w = [k for k, v in now.state_dict().items() if k.endswith('weight')
             and not torch.equal(v, before[k])]
        assert w
    with pytest.raises(TypeError, match='OptimWrapperDict'):
        model.train_step(batch_2d(), build_optim_wrapper(model, SGD))


def test_mutual_teacher_term_is_kl_of_detached_student():
    model = build(mode='mutual', tau=2.0, lam_mutual=0.5).train()
    data = model.data_preprocessor(batch_2d(), True)
    z_s = torch.randn(2, NUM_CLASSES, requires_grad=True)
    z_t = torch.randn(2, NUM_CLASSES, requires_grad=True)
    p_s = F.softmax(z_s / 2, -1)
    expected = 4.0 * (p_s * (p_s.log() - F.log_softmax(z_t / 2, -1))).sum(-1).mean()
    torch.testing.assert_close(model._kd(z_t, z_s.detach()), expected)
    _, t_losses = model._losses(data['inputs'], data['data_samples'], teacher_loss=True)
    t_losses['loss_mutual'].backward()
    assert all(p.grad is None for p in model.student.parameters())


def test_uncertainty_weights_are_learned():
    model = build(mode='uncertainty').train()
    with torch.no_grad():
        for i, name in enumerate(model.terms):
            model.log_vars[name].fill_(0.3 * (i + 1))
    data = model.data_preprocessor(batch_2d(), True)
    losses = model(**data, mode='loss')
    for i, name in enumerate(model.terms):
        s = 0.3 * (i + 1)
        torch.testing.assert_close(losses[f'loss_{name}'].detach(),
                                   torch.exp(torch.tensor(-s)) * losses[f'raw_{name}'] + s)
    assert set(model.terms) == {'cls', 'kd', 'spec', 'param'}
    ow = build_optim_wrapper(model, SGD)
    before = {k: v.detach().clone() for k, v in model.log_vars.items()}
    model.train_step(batch_2d(), ow)
    assert all(not torch.equal(before[k], model.log_vars[k].detach()) for k in before)


def test_spectrum_loss_zero_for_identical_models():
    cfg = tsm_r18()
    model = build(student=cfg, teacher=cfg, taps=[dict(student='backbone', teacher='backbone')],
                  param_pairs=[('backbone.layer1', 'backbone.layer1')])
    model.teacher.load_state_dict(model.student.state_dict())
    model.student.eval()  # same BN behaviour as the frozen teacher
    data = model.data_preprocessor(batch_2d(), True)
    losses = model._losses(data['inputs'], data['data_samples'], teacher_loss=False)[0]
    assert losses['loss_spec'] == 0 and losses['loss_param'] == 0
    assert losses['loss_kd'].abs() < 1e-6
    with torch.no_grad():
        model.student.backbone.layer4[0].conv1.conv.net.weight.mul_(1.5)
    losses = model._losses(data['inputs'], data['data_samples'], teacher_loss=False)[0]
    assert losses['loss_spec'] > 0


def test_teacher_gets_its_own_normalisation():
    pre_t = dict(type='ActionDataPreprocessor', mean=[0.0, 10.0, 20.0], std=[1.0, 2.0, 4.0],
                 format_shape='NCHW')
    model = build(teacher=tsm_r18(preprocessor=pre_t))
    raw = batch_2d()
    inputs = model.data_preprocessor(copy.deepcopy(raw), True)['inputs']
    expected = model.teacher.data_preprocessor(copy.deepcopy(raw), True)['inputs']
    torch.testing.assert_close(model._teacher_inputs(inputs), expected)
    same = build()
    assert same._teacher_inputs(inputs) is inputs


def test_student_predict_equals_plain_recognizer():
    model = build().eval()
    ow = build_optim_wrapper(model, SGD)
    model.train()
    model.train_step(batch_2d(), ow)
    model.eval()
    plain = MODELS.build(tsm_mbv2()).eval()
    missing = plain.load_state_dict(student_only(model.state_dict()), strict=True)
    assert not missing.missing_keys
    data = batch_2d(seed=5)
    ours = model.test_step(copy.deepcopy(data))
    ref = plain.test_step(copy.deepcopy(data))
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a.pred_score, b.pred_score)
    assert not any(k.startswith(('adapters', 'teacher')) for k in student_only(model.state_dict()))


def test_3d_pair_through_the_same_distiller():
    model = build(student=r3d(4), teacher=r3d(8),
                  taps=[dict(student='backbone', teacher='backbone', channels=(32, 64))],
                  param_pairs=[('backbone.layer1', 'backbone.layer1')])
    assert model.layouts == dict(student='3d', teacher='3d')
    model.train()
    before = copy.deepcopy(model.teacher.state_dict())
    log = model.train_step(batch_3d(), build_optim_wrapper(model, SGD))
    assert log['loss_spec'] > 0 and log['loss_param'] > 0
    assert all(torch.equal(v, model.teacher.state_dict()[k]) for k, v in before.items())


def test_teacher_time_interpolated_when_lengths_differ():
    model = build(spatial='gap')
    model.layouts['teacher'] = '3d'  # teacher features [N, C, 2T, H, W]
    s = torch.randn(2 * SEGS, 1280, 2, 2)
    ramp = torch.arange(2 * SEGS, dtype=torch.float32)  # 0 .. 7
    t = ramp.view(1, 1, -1, 1, 1).expand(2, 512, 2 * SEGS, 2, 2)
    s_ntc, t_ntc = model.tap_pair(0, s, t, SEGS)
    assert s_ntc.shape == t_ntc.shape == (2, SEGS, 512)
    # linear, align_corners=False, 8 -> 4: means of consecutive pairs
    torch.testing.assert_close(t_ntc[0, :, 0], torch.tensor([0.5, 2.5, 4.5, 6.5]))


def test_warmup_hook_ramps_factor():
    from projects.spectral_distill import DistillLossWarmupHook

    class _Runner:
        iter = 4
        model = build()
    hook = DistillLossWarmupHook(warmup_iters=10)
    hook.before_train_iter(_Runner, 0)
    assert _Runner.model.distill_factor == 0.5
    _Runner.iter = 20
    hook.before_train_iter(_Runner, 0)
    assert _Runner.model.distill_factor == 1.0
    with pytest.raises(ValueError, match='warmup_iters'):
        DistillLossWarmupHook(warmup_iters=0)


def test_bad_mode_raises():
    with pytest.raises(ValueError, match='model.mode'):
        build(mode='online')


def test_single_wrapper_holds_student_side_only_with_tsm_groups():
    model = build(mode='uncertainty')
    ow = build_optim_wrapper(model, dict(
        constructor='SpectralDistillOptimWrapperConstructor',
        inner_constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=True),
        optimizer=dict(type='SGD', lr=0.1, weight_decay=1e-4)))
    groups = ow.optimizer.param_groups
    ids = {id(p) for g in groups for p in g['params']}
    expected = {id(p) for p in model.student.parameters()} | \
        {id(p) for p in model.adapters.parameters()} | {id(p) for p in model.log_vars.values()}
    assert ids == expected
    fc = model.student.cls_head.fc_cls
    lr_of = {id(p): g['lr'] for g in groups for p in g['params']}
    assert lr_of[id(fc.weight)] == pytest.approx(0.5) and lr_of[id(fc.bias)] == pytest.approx(1.0)
    assert lr_of[id(model.adapters[0].conv.weight)] == pytest.approx(0.1)
    log_var_group = [g for g in groups if any(p is model.log_vars['spec'] for p in g['params'])]
    assert log_var_group[0]['weight_decay'] == 0


def test_missing_teacher_checkpoint_is_one_line_error():
    model = build(teacher_ckpt='work_dirs/none/epoch_1.pth')
    with pytest.raises(ValueError, match=r'^model.teacher_ckpt: work_dirs/none/epoch_1.pth not '
                                         r'found'):
        model.init_weights()


def test_offline_teacher_forward_records_no_graph():
    model = build().train()
    model.teacher.requires_grad_(True)  # even if a user unfreezes it by hand
    data = model.data_preprocessor(batch_2d(), True)
    captured = {}
    model.teacher.cls_head.register_forward_hook(
        lambda m, a, out: captured.update(logits=out))
    model(**data, mode='loss')
    assert captured['logits'].grad_fn is None
