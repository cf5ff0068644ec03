"""MimicTBBoxHead: ConvFCBBoxHead outputs plus the mimicked features; shapes (invariant 7)."""
import pytest
import torch
from mmdet.models.roi_heads.bbox_heads import ConvFCBBoxHead

from projects.mimicdet import MimicTBBoxHead


def make(**kw):
    torch.manual_seed(0)
    head = MimicTBBoxHead(in_channels=256, roi_feat_size=7, num_classes=80,
                          reg_class_agnostic=True, **kw)
    head.init_weights()
    return head.eval()


def test_outputs_equal_parent_forward_and_feature_shapes():
    head = make()
    x = torch.randn(3, 256, 7, 7)
    cls, reg, cls_feat, reg_feat = head(x)
    ref_cls, ref_reg = ConvFCBBoxHead.forward(head, x)
    torch.testing.assert_close(cls, ref_cls)
    torch.testing.assert_close(reg, ref_reg)
    assert cls.shape == (3, 81) and reg.shape == (3, 4)
    assert cls_feat.shape == (3, 1024) and reg_feat.shape == (3, 1024)
    # the reg feature is what fc_reg sees
    torch.testing.assert_close(head.fc_reg(reg_feat), reg)


def test_paper_layout():
    head = make()
    assert len(head.cls_fcs) == 2 and len(head.reg_convs) == 4 and len(head.reg_fcs) == 1
    assert head.reg_convs[0].conv.out_channels == 256


@pytest.mark.parametrize('kw,name', [(dict(num_shared_fcs=1), 'num_shared'),
                                     (dict(num_reg_fcs=0), 'num_reg_fcs')])
def test_bad_arguments_raise(kw, name):
    with pytest.raises(ValueError, match=name):
        make(**kw)
