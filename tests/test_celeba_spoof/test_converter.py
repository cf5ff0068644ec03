"""The released AENet checkpoint keys map onto ours (every key, strict load)."""
import pytest
import torch
import torchvision
from mmpretrain.models import ImageClassifier

import projects.celeba_spoof  # noqa: F401  (registers AENetHead)

from tools.model_converters.aenet_to_mmpretrain import ConversionError, convert_state_dict

# the release's heads (models.py), shapes from the spec
RELEASED_HEADS = {
    'fc_live.weight': (2, 512), 'fc_live.bias': (2, ),
    'fc_live_attribute.weight': (40, 512), 'fc_live_attribute.bias': (40, ),
    'fc_attack.weight': (11, 512), 'fc_attack.bias': (11, ),
    'fc_light.weight': (5, 512), 'fc_light.bias': (5, ),
    'depth_final.weight': (1, 512, 3, 3), 'reflect_final.weight': (3, 512, 3, 3),
}


def released_state_dict(with_fc: bool = False) -> dict:
    """Random weights under the release's names: torchvision ResNet-18 + the AENet heads,
    ``module.``-prefixed as saved through DataParallel."""
    torch.manual_seed(0)
    sd = {k: v for k, v in torchvision.models.resnet18().state_dict().items()
          if with_fc or not k.startswith('fc.')}
    sd.update({k: torch.randn(shape) for k, shape in RELEASED_HEADS.items()})
    return {f'module.{k}': v for k, v in sd.items()}


def _model():
    from mmengine.registry import DefaultScope
    # other tests may leave another library's default scope behind
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return ImageClassifier(backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
                               head=dict(type='AENetHead', in_channels=512))


def test_every_released_key_maps_and_loads_strictly():
    src = released_state_dict()
    converted, dropped = convert_state_dict(src)
    assert not dropped and len(converted) == len(src)
    result = _model().load_state_dict(converted, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    torch.testing.assert_close(converted['backbone.layer2.0.downsample.1.running_var'],
                               src['module.layer2.0.downsample.1.running_var'])
    torch.testing.assert_close(converted['head.fc_attack.weight'], src['module.fc_attack.weight'])


def test_converted_model_computes_what_the_released_layers_compute():
    converted, _ = convert_state_dict(released_state_dict())
    model = _model().eval()
    model.load_state_dict(converted)
    ref = torchvision.models.resnet18()
    ref.load_state_dict({k[len('backbone.'):]: v for k, v in converted.items()
                         if k.startswith('backbone.')}, strict=False)
    ref.eval()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        r = ref
        f = r.layer4(r.layer3(r.layer2(r.layer1(r.maxpool(r.relu(r.bn1(r.conv1(x))))))))
        live = F_linear(f.mean(dim=(2, 3)), converted)
        out = model(x, mode='tensor')
    torch.testing.assert_close(out['live'], live, rtol=1e-4, atol=1e-5)


def F_linear(pooled, sd):
    return pooled @ sd['head.fc_live.weight'].T + sd['head.fc_live.bias']


def test_imagenet_fc_is_dropped_and_unknown_keys_are_errors():
    _, dropped = convert_state_dict(released_state_dict(with_fc=True))
    assert dropped == ['module.fc.weight', 'module.fc.bias']
    bad = dict(released_state_dict(), **{'module.upsample14.weight': torch.zeros(1)})
    with pytest.raises(ConversionError, match="'module.upsample14.weight'"):
        convert_state_dict(bad, 'x.pth')


def test_command_line(tmp_path, capsys):
    from tools.model_converters.aenet_to_mmpretrain import main
    torch.save({'state_dict': released_state_dict()}, tmp_path / 'ckpt.pth.tar')
    main([str(tmp_path / 'ckpt.pth.tar'), str(tmp_path / 'out.pth')])
    out = torch.load(tmp_path / 'out.pth', weights_only=True)
    assert _model().load_state_dict(out['state_dict']).missing_keys == []
    torch.save({'x': 1}, tmp_path / 'bad.pth')
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main([str(tmp_path / 'bad.pth'), str(tmp_path / 'o.pth')])
    err = capsys.readouterr().err
    assert info.value.code == 1 and err.count('\n') == 1 and 'bad.pth' in err
