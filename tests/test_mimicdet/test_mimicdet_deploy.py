"""tools/model_converters/mimicdet_deploy.py: the stripped checkpoint loads into the config with
``t_head=None`` and gives identical predictions; prediction runs with the T-head weights absent."""
import pytest
import torch

from tools.model_converters.mimicdet_deploy import convert, main, strip_state_dict

from .conftest import synthetic_batch


def _predict(model, data):
    model.eval()
    with torch.no_grad():
        return model(**model.data_preprocessor(data, False), mode='predict')


def test_strip_state_dict_removes_only_t_head():
    sd = {'t_head.bbox_head.fc_cls.weight': 1, 'module.t_head.x': 2, 'neck.a': 3,
          's_head.t_head_like': 4, 'neck.lateral_convs.0.conv.weight': 5}
    kept, removed = strip_state_dict(sd)
    assert sorted(removed) == ['module.t_head.x', 't_head.bbox_head.fc_cls.weight']
    assert list(kept) == ['neck.a', 's_head.t_head_like', 'neck.lateral_convs.0.conv.weight']


def test_stripped_checkpoint_gives_identical_predictions(build_mimicdet, tmp_path):
    full = build_mimicdet(seed=1)
    # make the heads non-trivial so that predictions depend on every weight
    with torch.no_grad():
        for p in full.s_head.parameters():
            p.add_(0.05 * torch.randn_like(p))
    src, dst = tmp_path / 'full.pth', tmp_path / 'deploy.pth'
    torch.save({'state_dict': full.state_dict(), 'meta': {'epoch': 1},
                'optimizer': {'junk': torch.zeros(3)}}, src)
    main([str(src), str(dst)])
    ckpt = torch.load(dst, map_location='cpu', weights_only=False)
    assert 'optimizer' not in ckpt and ckpt['meta']['mimicdet_deploy']
    assert not any(k.startswith('t_head.') for k in ckpt['state_dict'])
    assert any(k.startswith('t_head.') for k in full.state_dict())

    deploy = build_mimicdet(seed=2, t_head=None, mimic_loss=None)
    deploy.load_state_dict(ckpt['state_dict'], strict=True)
    data = synthetic_batch(2, seed=5)
    for a, b in zip(_predict(full, data), _predict(deploy, synthetic_batch(2, seed=5))):
        torch.testing.assert_close(a.pred_instances.bboxes, b.pred_instances.bboxes)
        torch.testing.assert_close(a.pred_instances.scores, b.pred_instances.scores)
        assert torch.equal(a.pred_instances.labels, b.pred_instances.labels)


def test_strip_p2_drops_unused_fpn_convs(build_mimicdet, tmp_path):
    full = build_mimicdet()
    src, dst = tmp_path / 'full.pth', tmp_path / 'deploy.pth'
    torch.save({'state_dict': full.state_dict()}, src)
    removed = convert(str(src), str(dst), strip_p2=True)
    assert 'neck.lateral_convs.0.conv.weight' in removed
    assert 'neck.fpn_convs.0.conv.weight' in removed
    deploy = build_mimicdet(seed=3, t_head=None, mimic_loss=None)
    missing, unexpected = deploy.load_state_dict(
        torch.load(dst, weights_only=False)['state_dict'], strict=False)
    assert not unexpected and all(k.startswith('neck.') and '.0.' in k for k in missing)
    assert len(_predict(deploy, synthetic_batch(1))) == 1


def test_missing_source_raises(tmp_path):
    with pytest.raises(ValueError, match='src'):
        main([str(tmp_path / 'nope.pth'), str(tmp_path / 'out.pth')])
