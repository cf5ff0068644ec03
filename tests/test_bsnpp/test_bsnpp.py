"""BSNPP localizer: shapes, flip equivariance, labels, BMN reproduction, batch prediction."""
import types

import numpy as np
import pytest
import torch

from mmaction.models.localizers import BMN
from projects.bsnpp.bsnpp import BSNPP
from tests.test_bsnpp.conftest import BMN_OFF, make_samples


def test_shapes_and_ranges(build):
    model = build()
    maps, start, end = model._forward(torch.randn(2, 8, 16))
    assert maps.shape == (2, 2, 16, 16) and start.shape == end.shape == (2, 16)
    for t in (maps, start, end):
        assert bool(((t >= 0) & (t <= 1)).all())


@pytest.mark.parametrize('fusion', ['geometric', 'product', 'mean'])
def test_flip_equivariance_of_fused_boundaries(build, fusion):
    model = build(boundary_fusion=fusion).double()
    x = torch.randn(3, 8, 16, dtype=torch.float64)
    _, s, e = model._forward(x)
    _, s_r, e_r = model._forward(x.flip(-1))
    torch.testing.assert_close(s_r, e.flip(-1))
    torch.testing.assert_close(e_r, s.flip(-1))


def test_not_flip_equivariant_without_bidirectional(build):
    model = build(bidirectional=False).double()
    x = torch.randn(1, 8, 16, dtype=torch.float64)
    _, s, e = model._forward(x)
    _, s_r, _ = model._forward(x.flip(-1))
    assert not torch.allclose(s_r, e.flip(-1))


def _label_maker(tscale):
    """An object with what BMN.generate_labels reads, without building the BM sample mask."""
    ns = types.SimpleNamespace(tscale=tscale)
    ns.match_map = BMN._match_map(ns)
    ns.anchors_tmins, ns.anchors_tmaxs = BMN._temporal_anchors(ns, -0.5, 1.5)
    return ns


def test_label_of_gt_01_03_at_t100_is_cell_19_10():
    iou, _, _ = BSNPP.generate_labels(_label_maker(100), [torch.tensor([[0.1, 0.3]])])
    assert iou.shape == (1, 100, 100)
    assert float(iou[0, 19, 10]) == pytest.approx(1.0, abs=1e-5)
    assert int(iou[0].argmax()) == 19 * 100 + 10


def test_labels_by_hand_at_t4():
    """T = 4, one ground truth [0.25, 0.75]. BM cell [d, s] is the proposal [s/4, (s+d+1)/4]
    (tIoU with the ground truth, max over ground truths); the start (end) label of snippet t
    is the largest fraction of its anchor [(t-0.5)/4, (t+1.5)/4] covered by the start (end)
    region 0.25 +- 1.5/4 (0.75 +- 1.5/4)."""
    iou, start, end = BSNPP.generate_labels(_label_maker(4), [torch.tensor([[0.25, 0.75]])])
    expected_iou = torch.tensor([
        [0., 1 / 2, 1 / 2, 0.],      # d = 0: [0,.25] [.25,.5] [.5,.75] [.75,1]
        [1 / 3, 1., 1 / 3, 0.],      # d = 1: [0,.5] [.25,.75] [.5,1] [.75,1.25]
        [2 / 3, 2 / 3, 1 / 4, 0.],   # d = 2: [0,.75] [.25,1] [.5,1.25] [.75,1.5]
        [1 / 2, 1 / 2, 1 / 5, 0.]])  # d = 3: [0,1] [.25,1.25] [.5,1.5] [.75,1.75]
    torch.testing.assert_close(iou[0].double(), expected_iou.double(), atol=1e-6, rtol=0)
    # start region [-.125, .625]: anchors [-.125,.375] [.125,.625] [.375,.875] [.625,1.125]
    torch.testing.assert_close(start[0].double(), torch.tensor([1., 1., .5, 0.]).double(),
                               atol=1e-6, rtol=0)
    # end region [.375, 1.125]
    torch.testing.assert_close(end[0].double(), torch.tensor([0., .5, 1., 1.]).double(),
                               atol=1e-6, rtol=0)


def test_wrong_input_shape_is_a_one_line_error(build):
    from projects.common.localization.errors import LocalizationInputError
    model = build()
    for shape in [(1, 8, 15), (1, 7, 16)]:
        with pytest.raises(LocalizationInputError, match=r'expected .*\(batch, 8, 16\)') as info:
            model._forward(torch.randn(*shape))
        assert str(shape) in str(info.value) and '\n' not in str(info.value)


def model_kwargs():
    from tests.test_bsnpp.conftest import SMALL
    return dict(SMALL)


def test_all_switches_off_reproduces_bmn_with_copied_weights(build):
    torch.manual_seed(0)
    bmn = BMN(**model_kwargs()).eval()
    ours = build(**BMN_OFF)
    assert set(ours.state_dict()) == set(bmn.state_dict())
    ours.load_state_dict(bmn.state_dict())
    x = torch.randn(2, 8, 16)
    for a, b in zip(ours._forward(x), bmn._forward(x)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    # loss (same random draws)
    samples = make_samples([[[0.1, 0.3], [0.5, 0.9]], [[0.2, 0.7]]])
    torch.manual_seed(1)
    loss_ours = ours.train().loss(x, samples)['loss']
    torch.manual_seed(1)
    loss_bmn = bmn.train().loss(x, samples)['loss']
    torch.testing.assert_close(loss_ours, loss_bmn)
    # proposals (BMN predicts the first video of a batch)
    ours.eval(), bmn.eval()
    with torch.no_grad():
        assert ours.predict(x[:1], samples[:1]) == bmn.predict(x[:1], samples[:1])


def test_predict_handles_every_video_of_a_batch(build):
    model = build(soft_nms_impl='numpy')
    x = torch.randn(3, 8, 16)
    samples = make_samples([[[0.1, 0.3]]] * 3)
    with torch.no_grad():
        out = model.predict(x, samples)
        single = model.predict(x[1:2], samples[1:2])
    assert [o['video_name'] for o in out] == ['v_0', 'v_1', 'v_2']
    # the same video alone gives the same proposals (up to float rounding of batched convs)
    a, b = out[1]['proposal_list'], single[0]['proposal_list']
    assert [p['segment'] for p in a] == [p['segment'] for p in b]
    np.testing.assert_allclose([p['score'] for p in a], [p['score'] for p in b], rtol=1e-5)
    assert 0 < len(out[0]['proposal_list']) <= 100


def test_loss_parts_are_finite_and_backpropagate(build):
    model = build(cbg=dict(depth=2, deep_supervision=True), bm_input='base+cbg',
                  loss_cls=dict(type='BSNPPLoss', weight_consistency=1.0, sbr_cls=True)).train()
    losses = model.loss(torch.randn(2, 8, 16), make_samples([[[0.1, 0.3]], [[0.0, 0.05]]]))
    assert set(losses) == {'loss', 'tem', 'reg', 'cls', 'cons'}
    assert all(torch.isfinite(v) for v in losses.values())
    losses['loss'].backward()
    assert all(p.grad is not None for n, p in model.named_parameters()
               if p.requires_grad and 'gamma' not in n)


def test_bad_switch_values_raise(build):
    for kwargs, word in [(dict(boundary_fusion='max'), 'boundary_fusion'),
                         (dict(bm_input='cbg'), 'bm_input'),
                         (dict(cbg=None, bm_input='base+cbg'), 'needs a cbg'),
                         (dict(score_fusion='x'), 'score_fusion'),
                         (dict(soft_nms_impl='x'), 'soft_nms_impl')]:
        with pytest.raises(ValueError, match=word):
            build(**kwargs)


def test_bmn_loss_with_bidirectional_raises(build):
    model = build(loss_cls=dict(type='BMNLoss')).train()
    with pytest.raises(ValueError, match='BSNPPLoss'):
        model.loss(torch.randn(1, 8, 16), make_samples([[[0.1, 0.3]]]))


def test_empty_bm_positive_batch_gives_finite_loss(build):
    # a ground truth shorter than a BM cell: no IoU > 0.7 cell anywhere
    model = build().train()
    losses = model.loss(torch.randn(1, 8, 16), make_samples([[[0.50, 0.51]]]))
    assert all(np.isfinite(float(v)) for v in losses.values())
