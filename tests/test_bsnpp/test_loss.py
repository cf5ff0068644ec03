"""BSNPPLoss: scale-balanced re-sampling properties, NaN guards, BMN parity, swapped labels."""
import re

import pytest
import torch

from mmaction.models.losses import BMNLoss
from projects.bsnpp.loss import (BSNPPLoss, duration_bins, quantile_edges,
                                 scale_balanced_weights)


def _bm_mask(t):
    d, s = torch.meshgrid(torch.arange(t), torch.arange(t), indexing='ij')
    return (s <= t - 1 - d).double()


def _iou_map(t=16, batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(batch, t, t, generator=g, dtype=torch.float64) * _bm_mask(t)


def test_duration_bins_by_hand():
    # T = 10: durations 0.1 .. 1.0; edges (0, .25, .5, 1] -> rows 0-1 | 2-4 | 5-9
    assert duration_bins(10, (0, 0.25, 0.5, 1.0)).tolist() == [0, 0, 1, 1, 1, 2, 2, 2, 2, 2]
    with pytest.raises(ValueError, match='increasing'):
        duration_bins(10, (0, 0.5, 0.4, 1.0))


def test_equal_positive_mass_per_nonempty_bin_summing_to_num_pos():
    gt = _iou_map()
    pos = gt > 0.7
    bins = duration_bins(16, (0, 0.06, 0.12, 0.25, 0.5, 1.0))
    w, _ = scale_balanced_weights(gt, pos, (), bins)
    cell_bin = bins.view(1, -1, 1).expand_as(gt)
    masses = [w[cell_bin == b].sum() for b in range(5) if bool(pos[cell_bin == b].any())]
    assert len(masses) >= 2
    torch.testing.assert_close(torch.stack(masses), torch.full((len(masses), ),
                                                               float(pos.sum()) / len(masses),
                                                               dtype=torch.float64))
    torch.testing.assert_close(w.sum(), pos.sum().double())


def test_single_bin_expected_sampling_equals_bmn():
    gt = _iou_map()
    pos, mid = gt > 0.7, (gt <= 0.7) & (gt > 0.3)
    low = (gt <= 0.3) & (gt > 0) & (_bm_mask(16) > 0)
    _, expected = scale_balanced_weights(gt, pos, (mid, low), duration_bins(16, (0, 1)))
    r_m, r_l = pos.sum() / mid.sum(), pos.sum() / low.sum()  # BMN's sampling ratios
    bmn = pos.double() + mid.double() * r_m.clamp(max=1) + low.double() * r_l.clamp(max=1)
    torch.testing.assert_close(expected, bmn)


def test_sampling_is_reproducible_with_a_seeded_generator():
    gt = _iou_map()
    pos, mid = gt > 0.7, (gt <= 0.7) & (gt > 0.3)
    bins = duration_bins(16, (0, 0.25, 1))
    a, _ = scale_balanced_weights(gt, pos, (mid, ), bins, torch.Generator().manual_seed(3))
    b, _ = scale_balanced_weights(gt, pos, (mid, ), bins, torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize('sbr', [True, False])
@pytest.mark.parametrize('case', ['no_positive', 'no_mid_low', 'all_zero'])
def test_no_nan_when_a_class_or_bin_is_empty(sbr, case):
    t = 8
    gt = torch.zeros(1, t, t)
    if case == 'no_positive':
        gt[0, 2, 3] = 0.5
    elif case == 'no_mid_low':
        gt[0, 2, 3] = 0.95
    pred = torch.rand(1, t, t, requires_grad=True)
    loss = BSNPPLoss(sbr=sbr, sbr_cls=True).reg_loss(pred, gt, _bm_mask(t).float())
    assert torch.isfinite(loss)
    loss.backward()
    assert torch.isfinite(pred.grad).all()


def test_unbalanced_path_equals_bmn_pem_reg_loss():
    gt = _iou_map().float()
    pred = torch.rand_like(gt)
    mask = _bm_mask(16).float()
    torch.manual_seed(5)
    ours = BSNPPLoss(sbr=False).reg_loss(pred, gt, mask)
    torch.manual_seed(5)
    ref = BMNLoss.pem_reg_loss(pred, gt, mask)
    torch.testing.assert_close(ours, ref)


def test_cls_loss_without_sbr_is_bmn_and_with_one_bin_too():
    gt = _iou_map().float()
    gt[0, 3, 4] = 0.95
    pred = torch.rand_like(gt)
    mask = _bm_mask(16).float()
    ref = BMNLoss.pem_cls_loss(pred, gt, mask)
    torch.testing.assert_close(BSNPPLoss(sbr_cls=False).cls_loss(pred, gt, mask), ref)
    # with a single bin every positive weighs 1: BMN's loss again
    torch.testing.assert_close(BSNPPLoss(sbr_cls=True, sbr_bins=(0, 1)).cls_loss(pred, gt, mask),
                               ref)


def test_backward_pass_is_supervised_with_flipped_swapped_labels():
    loss = BSNPPLoss()
    g = torch.Generator().manual_seed(0)
    gs, ge = torch.rand(2, 10, generator=g), torch.rand(2, 10, generator=g)
    ps, pe = torch.rand(2, 10, generator=g), torch.rand(2, 10, generator=g)
    fwd_only, _ = loss.boundary_loss(dict(fwd=[(ps, pe)], bwd=[]), gs, ge)
    # the backward pass of the flipped video predicts start = flip(end), end = flip(start)
    both, _ = loss.boundary_loss(dict(fwd=[(ps, pe)], bwd=[(pe.flip(-1), ps.flip(-1))]), gs, ge)
    torch.testing.assert_close(both, 2 * fwd_only)


@pytest.mark.parametrize('bins', [(0.1, 0.5, 1.0), (0.0, 0.5, 0.9), (0.0, 0.5, 0.5, 1.0),
                                  (0.0, 0.6, 0.3, 1.0), (1.0, ), ('a', 1.0)])
def test_sbr_bins_must_increase_from_0_to_1(bins):
    with pytest.raises(ValueError, match=r'sbr_bins must increase strictly from 0 to 1.*got ' +
                       re.escape(str(tuple(bins)))):
        BSNPPLoss(sbr_bins=bins)


def test_quantile_edges_cover_unit_interval():
    edges = quantile_edges([0.05, 0.1, 0.2, 0.4, 0.8], 4)
    assert edges[0] == 0.0 and edges[-1] == 1.0 and list(edges) == sorted(edges)
