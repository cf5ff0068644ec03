"""``teacher='fp_ofa'``: a frozen FP supernet distils every subnet (OFA-style CE + KD)."""
import pytest
import torch

from ._helpers import batch, tiny_classifier


@pytest.fixture(scope='module')
def fp_checkpoint(tmp_path_factory):
    torch.manual_seed(3)
    fp = tiny_classifier(bits=None, teacher=None)
    # BN statistics from one data batch (momentum 1), so that the logits depend on the input
    bns = [m for m in fp.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.momentum = 1.0
    fp.train()
    with torch.no_grad():
        fp.extract_feat(fp.data_preprocessor(batch(16, size=32, seed=7), True)['inputs'])
    for bn in bns:
        bn.momentum = 0.1
    path = str(tmp_path_factory.mktemp('fp') / 'fp.pth')
    torch.save(dict(state_dict=fp.state_dict()), path)
    return path, fp


def test_fp_teacher_targets_losses_and_no_state(fp_checkpoint):
    path, fp = fp_checkpoint
    torch.manual_seed(0)
    model = tiny_classifier(num_subnets=3, teacher='fp_ofa', teacher_checkpoint=path).train()
    # the teacher is neither trained nor saved
    assert not any('teacher' in k for k in model.state_dict())
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == sum(p.numel() for p in tiny_classifier(num_subnets=3).parameters())
    targets = []
    kd = model.kd_loss
    model.kd_loss = lambda s, t: targets.append(t) or kd(s, t)
    seen = []
    model.backbone.register_forward_pre_hook(lambda m, a: seen.append(a[0].shape[-1]))
    data = model.data_preprocessor(batch(6, size=32, seed=1), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert sorted(losses) == ['loss_ce_0', 'loss_ce_1', 'loss_ce_2',
                              'loss_kd_0', 'loss_kd_1', 'loss_kd_2']
    # expected soft targets: the FP model's max subnet, eval mode, at the step's resolution
    assert len(seen) == 3 and len(set(seen)) == 1  # 3 subnets, one resolution per step
    res = seen[0]
    fp.eval()
    fp.set_eval_subnet(dict(fp.backbone.max_subnet(), resolution=res))
    with torch.no_grad():
        expected = fp.head(fp.extract_feat(data['inputs']))
    assert len(targets) == 3
    assert (expected[0] - expected[1]).abs().max() > 1e-3  # input-dependent targets
    for t in targets:
        torch.testing.assert_close(t, expected)
    sum(losses.values()).backward()
    teacher = model._fp_teacher[0]
    assert all(p.grad is None for p in teacher.parameters())
    assert not teacher.training


def test_fp_teacher_needs_a_checkpoint(tmp_path):
    with pytest.raises(ValueError, match='teacher_checkpoint'):
        tiny_classifier(teacher='fp_ofa')
    with pytest.raises(ValueError, match='no such file'):
        tiny_classifier(teacher='fp_ofa', teacher_checkpoint=str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='fp_ofa'):
        tiny_classifier(teacher='ofa')
