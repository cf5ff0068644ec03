"""LSQ transform on an arbitrary classifier (the digits ResNet-18 config) at 4 and 2 bits."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from projects.oqa.lsq import LSQConv2d
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize('bits', [4, 2])
def test_resnet18_every_conv_but_the_stem_is_quantized(bits):
    cfg = Config.fromfile(osp.join(REPO_ROOT, f'configs/oqa/resnet18-tiny-lsq-{bits}bit_1xb64-'
                                              '10e_digits.py'))
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    fp = MODELS.build(Config.fromfile(osp.join(
        REPO_ROOT, 'configs/baselines/resnet18-tiny_1xb64-10e_digits.py')).model)
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
    fp_convs = [n for n, m in fp.named_modules() if isinstance(m, torch.nn.Conv2d)]
    assert [n for n, _ in convs] == fp_convs  # same names: FP checkpoints load
    assert not isinstance(convs[0][1], LSQConv2d)
    assert all(isinstance(m, LSQConv2d) and m.bits == bits for _, m in convs[1:])
    assert isinstance(model.head.fc, torch.nn.Linear)
    model.train()
    x = torch.randn(4, 3, 32, 32)
    model(x, mode='tensor')
    conv = convs[5][1]
    s = conv.weight_quantizer.step.abs()
    levels = torch.unique(conv.weight_quantizer(conv.weight).detach() / s)
    assert len(levels) <= 2 ** bits
    torch.testing.assert_close(levels, levels.round())


def test_skip_names_and_errors():
    from projects.oqa import quantize_convs
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 4, 1),
                              torch.nn.Conv2d(4, 4, 1))
    quantize_convs(net, bits=3, skip=['2'])
    assert [type(m).__name__ for m in net] == ['Conv2d', 'LSQConv2d', 'Conv2d']
    with pytest.raises(ValueError, match='not convs'):
        quantize_convs(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3)), skip=['x'])
    with pytest.raises(ValueError, match='no nn.Conv2d'):
        quantize_convs(torch.nn.Linear(2, 2))
