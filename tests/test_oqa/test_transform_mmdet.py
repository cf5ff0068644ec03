"""The LSQ transform on an mmdet backbone (ResNet-18 of mmdet): from a config, every conv but the
stem is an LSQConv2d with the same weights, forward and backward run, the steps get gradients."""
import torch

from projects.oqa import LSQConv2d


def test_lsq_transform_on_mmdet_resnet18_from_config():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):  # no scope leak into later tests
        _check_mmdet_resnet18()


def _check_mmdet_resnet18():
    import mmdet.models  # noqa: F401  (registers mmdet's ResNet)
    from mmdet.registry import MODELS as DET_MODELS
    torch.manual_seed(0)
    plain = DET_MODELS.build(dict(type='ResNet', depth=18, out_indices=(0, 1, 2, 3)))
    convs = [(n, m) for n, m in plain.named_modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0][0] == 'conv1' and len(convs) == 20  # stem + 16 block convs + 3 downsamples
    torch.manual_seed(0)
    net = DET_MODELS.build(dict(type='mmpretrain.LSQQuantizedModel', bits=4,
                                model=dict(type='mmdet.ResNet', depth=18,
                                           out_indices=(0, 1, 2, 3))))
    assert type(net).__name__ == 'ResNet' and type(net).__module__.startswith('mmdet')
    modules = dict(net.named_modules())
    assert type(modules['conv1']) is torch.nn.Conv2d  # the stem stays FP
    for name, conv in convs[1:]:
        q = modules[name]
        assert isinstance(q, LSQConv2d) and q.bits == 4, name
        torch.testing.assert_close(q.weight, conv.weight)  # same init (same seed)
        assert (q.stride, q.padding, q.groups) == (conv.stride, conv.padding, conv.groups)
    net.train()
    x = torch.randn(2, 3, 64, 64)
    outs = net(x)
    assert [o.shape[1] for o in outs] == [64, 128, 256, 512]
    assert [o.shape[-1] for o in outs] == [16, 8, 4, 2]
    sum(o.square().mean() for o in outs).backward()
    layer = modules['layer4.1.conv2']
    assert int(layer.act_quantizer.initialized) == 1
    assert layer.weight_quantizer.step.grad is not None
    assert layer.act_quantizer.step.grad.abs() > 0 and layer.weight.grad.abs().sum() > 0
    # quantized: the layer's input levels are multiples of its step (unsigned, <= 2^4 - 1)
    seen = {}
    layer.act_quantizer.register_forward_hook(lambda m, a, o: seen.setdefault('y', o))
    net.eval()
    with torch.no_grad():
        net(x)
    levels = seen['y'] / layer.act_quantizer.step.abs()
    torch.testing.assert_close(levels, levels.round(), atol=1e-4, rtol=0)
    assert levels.min() >= 0 and levels.max() <= 15
