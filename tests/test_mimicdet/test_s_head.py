"""Invariant 5: with zero regression input and zero-init offset convs the DCN is a plain conv."""
import pytest
import torch
import torch.nn.functional as F

from projects.mimicdet import MimicSHead


def make_head(**kw):
    torch.manual_seed(0)
    head = MimicSHead(num_classes=3, in_channels=8, feat_channels=6, branch_channels=16, **kw)
    head.init_weights()
    return head


@pytest.mark.parametrize('impl', ['mmcv', 'grid_sample'])
def test_zero_offsets_equal_plain_conv(impl):
    head = make_head(dcn_impl=impl)
    feats = [torch.randn(2, 8, 9, 7), torch.randn(2, 8, 5, 4), torch.randn(2, 8, 3, 2),
             torch.randn(2, 8, 2, 1), torch.randn(2, 8, 1, 1)]
    regs = [torch.zeros(2, 4, *f.shape[-2:]) for f in feats]
    out = head.align(feats, regs)
    for x, y, k in zip(feats, out, head.dcn_kernel_sizes):
        dcn = head.dcns[str(k)]
        torch.testing.assert_close(y, F.relu(F.conv2d(x, dcn.weight, padding=k // 2)),
                                   rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('impl', ['mmcv', 'grid_sample'])
def test_nonzero_offsets_match_torchvision_deform_conv2d(impl):
    tv = pytest.importorskip('torchvision.ops')
    head = make_head(dcn_kernel_sizes=(3,), dcn_impl=impl)
    net = head.offset_nets['3']
    for conv in (net.conv1, net.conv2, net.conv3):
        torch.nn.init.normal_(conv.weight, std=0.5)
    x, reg = torch.randn(1, 8, 6, 6), torch.randn(1, 4, 6, 6)
    offset = net(reg)
    assert offset.abs().max() > 0.1  # the offsets really move the samples
    ref = F.relu(tv.deform_conv2d(x, offset, head.dcns['3'].weight, padding=(1, 1)))
    torch.testing.assert_close(head.align([x], [reg])[0], ref, rtol=1e-4, atol=1e-5)


def test_kernel_sizes_and_offset_channels():
    head = make_head()
    assert head.dcn_kernel_sizes == (3, 5, 5, 5, 5)
    assert head.offset_nets['3'].conv3.out_channels == 18
    assert head.offset_nets['5'].conv3.out_channels == 50
    assert [head.offset_nets['3'].conv1.out_channels,
            head.offset_nets['3'].conv2.out_channels] == [64, 128]


def test_offset_input_detached_by_default():
    head = make_head()
    torch.nn.init.normal_(head.offset_nets['3'].conv3.weight, std=0.1)
    reg = torch.randn(1, 4, 5, 5, requires_grad=True)
    head.align([torch.randn(1, 8, 5, 5)] + [torch.randn(1, 8, 2, 2)] * 4,
               [reg] + [torch.zeros(1, 4, 2, 2)] * 4)[0].sum().backward()
    assert reg.grad is None


def test_point_branch_shapes():
    out = make_head().forward_points(torch.randn(5, 6))
    assert out['cls_score'].shape == (5, 4) and out['bbox_pred'].shape == (5, 4)
    assert out['reg_feat'].shape == (5, 16) and out['cls_feat'].shape == (5, 16)


@pytest.mark.parametrize('kw,name', [(dict(num_classes=0), 'num_classes'),
                                     (dict(dcn_kernel_sizes=(4,)), 'dcn_kernel_sizes'),
                                     (dict(offset_channels=(8,)), 'offset_channels'),
                                     (dict(dcn_impl='cuda'), 'dcn_impl')])
def test_bad_arguments_raise(kw, name):
    args = dict(num_classes=3)
    args.update(kw)
    with pytest.raises(ValueError, match=name):
        MimicSHead(**args)
