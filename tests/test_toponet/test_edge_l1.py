"""TopoNet's L1 term: in the classifier's losses, as a proximal step, in mmdet detectors."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope, init_default_scope

from projects.common.errors import MMPapersError, describe
from projects.toponet import TopoResNet
from tests.conftest import REPO_ROOT

from .conftest import distinct_alphas, tiny_classifier


def _batch(b=4, seed=0):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, 32, 32), generator=g, dtype=torch.uint8)
              for _ in range(b)]
    samples = [DataSample().set_gt_label(int(c)) for c in torch.randint(0, 10, (b, ),
                                                                         generator=g)]
    return dict(inputs=inputs, data_samples=samples)


def test_classifier_loss_has_lambda_times_sum_abs_alpha():
    model = tiny_classifier()
    stages = model.backbone.graph_stages()
    expected = 0.0
    for i, s in enumerate(stages):
        expected += distinct_alphas(s, seed=i).abs().sum()
    data = model.data_preprocessor(_batch(), True)
    losses = model(**data, mode='loss')
    torch.testing.assert_close(losses['loss_edge_l1'].double(), 0.01 * expected)
    assert 'loss' in losses  # the task loss is still there
    total, log_vars = model.parse_losses(losses)  # what the optimizer minimises
    torch.testing.assert_close(total, losses['loss'] + losses['loss_edge_l1'])
    assert 'loss_edge_l1' in log_vars


def test_frozen_or_fixed_edges_add_nothing():
    fixed = tiny_classifier(learnable=False)
    assert float(fixed.edge_l1_term()) == 0.0
    frozen = tiny_classifier(frozen_stages=1)
    per_stage = [float(s.edge_l1()) for s in frozen.backbone.graph_stages()]
    assert float(frozen.edge_l1_term()) == pytest.approx(0.01 * sum(per_stage[1:]))


def test_proximal_train_step_gives_exact_zeros_and_logs_without_backprop():
    model = tiny_classifier()
    model._init_edge_l1(0.5, 'proximal')
    stage = model.backbone.layer2
    alpha = stage.edge_source.edge_alpha
    alpha.data[stage.edge_mask] = torch.tensor([0.004, -0.3, 0.02, 0.9, -0.001])
    params = [p for n, p in model.named_parameters() if 'edge_alpha' not in n]
    optim = torch.optim.SGD([dict(params=params), dict(params=model.backbone.edge_parameters(),
                                                      lr=0.02)], lr=0.0)
    # with lr 0 for the weights and the task gradient of alpha removed, only the
    # proximal step (lr 0.02 * lambda 0.5 = 0.01) moves alpha
    alpha.register_hook(lambda g: torch.zeros_like(g))
    log_vars = model.train_step(_batch(), OptimWrapper(optim))
    assert 'edge_l1' in log_vars and 'loss_edge_l1' not in log_vars
    got = alpha.detach()[stage.edge_mask]
    expected = torch.tensor([0.0, -0.29, 0.01, 0.89, 0.0])
    torch.testing.assert_close(got, expected)
    assert torch.equal(got == 0, torch.tensor([True, False, False, False, True]))


def test_proximal_mode_refuses_sigmoid_edges():
    with pytest.raises(ValueError, match="needs edge_act='identity'"):
        tiny_classifier(edge_act='sigmoid')._init_edge_l1(1e-4, 'proximal')


@pytest.mark.parametrize('kwargs, words', [
    (dict(edge_act='sigmod'), ['edge_act', "'sigmod'", "('identity', 'sigmoid')"]),
    (dict(topology='random'), ['topology', "'random'", "'complete'"]),
    (dict(learnable='yes'), ['learnable', "'yes'", 'True or False']),
])
def test_bad_edge_option_is_one_line_naming_key_value_and_choices(kwargs, words):
    with pytest.raises(ValueError) as err:
        TopoResNet(18, **kwargs)
    assert isinstance(err.value, MMPapersError)  # tools/train.py prints it as one line
    line = describe(err.value, 'cfg.py')
    assert '\n' not in line and all(w in line for w in words), line


DET_CONFIGS = ['configs/toponet/retinanet_toponet-r50_fpn_8xb2-1x_coco.py',
               'configs/toponet/faster-rcnn_toponet-r50_fpn_8xb2-1x_coco.py']


@pytest.mark.parametrize('config', DET_CONFIGS, ids=['retinanet', 'faster-rcnn'])
def test_detector_trains_with_the_l1_term_in_its_losses(config):
    pytest.importorskip('mmdet')
    from mmdet.registry import MODELS
    from mmdet.testing import demo_mm_inputs
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    init_default_scope('mmdet')
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    assert type(model).__mro__[2].__name__ == cfg.model.detector.type  # the detector itself
    model.train()
    torch.manual_seed(0)
    packed = demo_mm_inputs(1, [[3, 64, 96]], num_items=[2], use_box_type=False)
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    stages = model.backbone.graph_stages()
    expected = 1e-4 * sum(s.edge_l1() for s in stages[1:])  # layer1 is frozen
    torch.testing.assert_close(losses['loss_edge_l1'], expected)
    total, _ = model.parse_losses(losses)
    total.backward()
    for s in stages[1:]:
        g = s.edge_source.edge_alpha.grad
        assert g is not None and g[s.edge_mask].abs().min() > 0
    assert stages[0].edge_source.edge_alpha.grad is None
