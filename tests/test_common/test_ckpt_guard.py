"""projects.common.ckpt_guard: a checkpoint that does not fit the model stops with one line."""

import pytest
import torch
import torch.nn as nn
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from projects.common.ckpt_guard import (CheckpointFitHook, check_checkpoint, checkpoint_fit,
                                        guard_runner)
from projects.common.errors import MMPapersError


class Toy(nn.Module):
    """backbone (conv 2x3x1x1 + bias, BN of 2) and head (fc 4x2 + bias): distinct sizes."""

    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 2, 1), nn.BatchNorm2d(2))
        self.head = nn.Linear(2, classes)


def test_counts_of_a_checkpoint_without_the_head():
    model = Toy()
    sd = {k: v for k, v in model.state_dict().items() if k.startswith('backbone.')}
    fit = checkpoint_fit(model, sd)
    # by hand: conv 6 + 2, BN weight/bias/mean/var 2 each = 16 provided; head 8 + 4 missing;
    # num_batches_tracked (1 element) is not required
    assert (fit.provided, fit.required, fit.total) == (16, 28, 29)
    assert fit.missing == ['head.weight', 'head.bias'] and not fit.mismatched
    assert fit.exempt == ['backbone.1.num_batches_tracked']
    assert not fit.fits


def test_a_full_checkpoint_fits_and_module_prefix_is_stripped():
    model = Toy()
    sd = {'module.' + k: v for k, v in model.state_dict().items()}
    fit = checkpoint_fit(model, sd)
    assert fit.fits and fit.provided == fit.required == 28 and not fit.unexpected


def test_shape_mismatch_is_not_provided():
    model = Toy(classes=4)
    sd = Toy(classes=5).state_dict()
    fit = checkpoint_fit(model, sd)
    assert fit.mismatched == [('head.weight', (5, 2), (4, 2)), ('head.bias', (5, ), (4, ))]
    assert fit.provided == 16 and not fit.missing and not fit.fits


def test_test_time_augmentation_model_is_unwrapped():
    from mmengine.model import BaseTTAModel

    class TTA(BaseTTAModel):
        def merge_preds(self, data_samples_list):
            return data_samples_list

    model = Toy()
    model.data_preprocessor = nn.Identity()  # what BaseTTAModel requires of its module
    model.test_step = lambda data: data
    tta = TTA(module=model)
    assert check_checkpoint(tta, dict(state_dict=Toy().state_dict()), 'c.pth').fits


def test_prefixes_a_converter_removed_are_not_required():
    model = Toy()
    sd = {k: v for k, v in model.state_dict().items() if not k.startswith('head.')}
    ckpt = dict(state_dict=sd, meta=dict(removed_prefixes=['head.']))
    fit = check_checkpoint(model, ckpt, 'deploy.pth')
    assert fit.fits and fit.required == 16


def test_error_is_one_line_with_file_counts_keys_and_flag():
    model = Toy()
    ckpt = dict(state_dict={'fc.weight': torch.zeros(3)}, meta={})
    with pytest.raises(MMPapersError) as err:
        check_checkpoint(model, ckpt, '/x/wrong.pth')
    msg = str(err.value)
    assert '\n' not in msg
    assert msg.startswith('/x/wrong.pth: does not fit the model: it provides 0 of the 28 ')
    # 8 required keys: conv weight/bias, BN weight/bias/running_mean/running_var, fc weight/bias
    assert '(0.0%)' in msg and '8 keys missing, e.g. backbone.0.weight, backbone.0.bias, ' \
        'backbone.1.weight (+5 more)' in msg
    assert '1 keys the model lacks, e.g. fc.weight' in msg
    assert msg.endswith('pass --allow-partial-checkpoint to load it partially anyway')


def test_shape_mismatch_error_names_both_shapes():
    with pytest.raises(MMPapersError, match=r'2 shape mismatches, e.g. head.weight \(5, 2\) vs '
                       r'model \(4, 2\)'):
        check_checkpoint(Toy(4), dict(state_dict=Toy(5).state_dict()), 'c.pth')


def test_allow_partial_warns_instead(warnings_logged):
    fit = check_checkpoint(Toy(), dict(state_dict={}), 'p.pth', allow_partial=True)
    assert not fit.fits
    assert warnings_logged[0].startswith('--allow-partial-checkpoint: p.pth: does not fit the ')


def test_classifier_checkpoint_into_detector_points_to_init_cfg():
    class Det(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = nn.Conv2d(3, 2, 1)
            self.neck = nn.Conv2d(2, 2, 1)
            self.bbox_head = nn.Conv2d(2, 5, 1)

    det = Det()
    cls_ckpt = {'backbone.weight': det.backbone.weight, 'backbone.bias': det.backbone.bias,
                'head.fc.weight': torch.zeros(10, 2)}
    with pytest.raises(MMPapersError, match=r"prefix='backbone.'"):
        check_checkpoint(det, dict(state_dict=cls_ckpt), 'cls.pth', purpose='init')


def test_purpose_is_validated():
    with pytest.raises(ValueError, match='purpose'):
        CheckpointFitHook(purpose='train')


# --- static -> DG-Net -------------------------------------------------------------------------

def _classifiers():
    import mmpretrain  # noqa: F401
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    import projects.dgnet  # noqa: F401
    backbone = dict(type='ResNet_CIFAR', depth=18, stem_channels=16, base_channels=16,
                    out_indices=(3, ))
    cfg = dict(type='ImageClassifier', backbone=backbone,
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=10, in_channels=128))
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # other tests leave 'mmengine'
        torch.manual_seed(0)
        static = MODELS.build(cfg)
        torch.manual_seed(1)
        dg = MODELS.build(dict(cfg, backbone=dict(backbone, type='DGResNet_CIFAR')))
    return static, dg


def test_static_checkpoint_starts_a_dgnet_without_the_flag():
    static, dg = _classifiers()
    router_init = {k: v.clone() for k, v in dg.state_dict().items() if '.edge_source.' in k}
    ckpt = dict(state_dict=static.state_dict(), meta={})
    fit = check_checkpoint(dg, ckpt, 'static.pth', purpose='init')
    assert fit.fits
    # what is exempt is exactly the routers (plus BN counters), found independently by name
    assert {k for k in fit.exempt if 'num_batches_tracked' not in k} == set(router_init)
    _load_checkpoint_to_model(dg, ckpt)
    dg_sd = dg.state_dict()
    for key, value in static.state_dict().items():
        assert torch.equal(dg_sd[key], value), key
    for key, value in router_init.items():
        assert torch.equal(dg_sd[key], value), key


def test_static_checkpoint_does_not_evaluate_as_a_dgnet():
    static, dg = _classifiers()
    with pytest.raises(MMPapersError) as err:
        check_checkpoint(dg, dict(state_dict=static.state_dict()), 'static.pth')
    msg = str(err.value)
    assert 'backbone.layer1.edge_source.routers.0.fc.weight' in msg
    assert "a static network's checkpoint" in msg


def test_dg_checkpoint_missing_one_router_stops_even_for_init():
    # a file with routers is a DG checkpoint: each of its edge sources must be complete
    _, dg = _classifiers()
    sd = {k: v for k, v in dg.state_dict().items()
          if not k.startswith('backbone.layer2.edge_source.routers.1.')}
    with pytest.raises(MMPapersError, match=r'2 keys missing, e\.g\. '
                       r'backbone\.layer2\.edge_source\.routers\.1\.fc\.weight'):
        check_checkpoint(dg, dict(state_dict=sd), 'dg.pth', purpose='init')


def test_dg_checkpoint_with_other_router_shapes_stops_even_for_init():
    _, dg = _classifiers()
    sd = dict(dg.state_dict())
    key = 'backbone.layer1.edge_source.routers.0.fc.weight'
    sd[key] = torch.zeros(sd[key].shape[0] + 1, sd[key].shape[1])
    with pytest.raises(MMPapersError, match='1 shape mismatches'):
        check_checkpoint(dg, dict(state_dict=sd), 'dg.pth', purpose='init')


# --- the hook in a runner ---------------------------------------------------------------------

def test_guarded_runner_stops_before_copying_weights(tmp_path):
    from mmengine.runner import Runner
    from mmengine.testing.runner_test_case import ToyModel

    runner = Runner(model=ToyModel(), work_dir=str(tmp_path), default_scope='mmengine')
    guard_runner(runner, 'evaluate')
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': {'linear1.weight': torch.ones(7, 7)}, 'meta': {}}, path)
    with pytest.raises(MMPapersError, match=r'other.pth: does not fit .*linear1.weight \(7, 7\)'):
        runner.load_checkpoint(path)
    for k, v in runner.model.state_dict().items():
        assert torch.equal(v, before[k])
    good = str(tmp_path / 'good.pth')
    torch.save({'state_dict': ToyModel().state_dict(), 'meta': {}}, good)
    runner.load_checkpoint(good)


def test_pretrained_init_cfg_is_not_checked(tmp_path):
    """Backbone weights for a detector come through ``init_cfg=Pretrained`` (mmengine's weight
    initialisation), not ``Runner.load_checkpoint``: a partial file loads there as before."""
    from mmengine.model import BaseModel, BaseModule
    from mmengine.runner import Runner

    path = str(tmp_path / 'imagenet.pth')
    torch.save({'state_dict': {'conv.weight': torch.full((2, 3, 1, 1), 0.5),
                               'fc.weight': torch.zeros(1000, 2)}}, path)

    class Backbone(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type='Pretrained', checkpoint=path))
            self.conv = nn.Conv2d(3, 2, 1, bias=False)

    class Det(BaseModel):
        def __init__(self):
            super().__init__()
            self.backbone = Backbone()
            self.head = nn.Linear(2, 4)

        def forward(self, *args, **kwargs):
            pass

    runner = Runner(model=Det(), work_dir=str(tmp_path), default_scope='mmengine')
    guard_runner(runner, 'init')
    runner.model.init_weights()
    assert torch.equal(runner.model.backbone.conv.weight, torch.full((2, 3, 1, 1), 0.5))
