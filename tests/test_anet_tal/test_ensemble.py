"""EnsembleLocalizer: M copies == the single model bit for bit, permutation invariance, the
weighted mean, resampling, and one-line errors."""
import itertools

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement

from mmaction.registry import MODELS
from projects.anet_tal.ensemble import EnsembleLocalizer, fuse_member_maps, weighted_map_mean
from projects.common.localization.errors import LocalizationInputError
from projects.common.localization.postprocess import resample_bm_map, resample_boundary
from tests.test_anet_tal.conftest import small_model


def _samples(n=2):
    return [BaseDataElement(metainfo=dict(video_name=f'v_{i}', duration_second=30.0 + i,
                                          duration_frame=900 + 30 * i,
                                          feature_frame=896 + 32 * i)) for i in range(n)]


def _inputs(feat_dim=8, temporal_dim=16, n=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, feat_dim, temporal_dim, generator=g)


@pytest.mark.parametrize('type_', ['BMN', 'BSNPP'])
def test_m_copies_equal_the_single_model_bit_exact(checkpoint_of, type_):
    cfg = small_model(type_)
    ckpt = checkpoint_of(cfg, seed=3)
    x, samples = _inputs(), _samples()
    single = EnsembleLocalizer([dict(config=cfg, checkpoint=ckpt)])
    copies = EnsembleLocalizer([dict(config=cfg, checkpoint=ckpt)] * 3)
    one, three = single(x, samples), copies([x, x, x], samples)
    assert one == three  # exact float equality of every segment and score
    # and equal to the model's own predictions (mmaction2 BMN handles one video per batch)
    init_default_scope('mmaction')
    model = MODELS.build(cfg).eval()
    model.load_state_dict(torch.load(ckpt)['state_dict'])
    with torch.no_grad():
        own = model(list(x[:1]), samples[:1], mode='predict')
    # (batch 1 on both sides: float32 convolutions may round differently at another batch size)
    assert own[0]['proposal_list'] == single(x[:1], samples[:1])[0]['proposal_list']
    assert len(one[0]['proposal_list']) > 10


@pytest.mark.parametrize('rule', ['map_mean', 'proposal_union'])
def test_member_order_does_not_matter(checkpoint_of, rule):
    cfgs = [small_model('BMN'), small_model('BSNPP'), small_model('BMN')]
    members = [dict(config=c, checkpoint=checkpoint_of(c, seed=s))
               for c, s in zip(cfgs, (0, 1, 2))]
    x, samples = _inputs(), _samples()
    ref = None
    for perm in itertools.permutations(range(3)):
        out = EnsembleLocalizer([members[i] for i in perm], rule=rule)([x] * 3, samples)
        if ref is None:
            ref = out
        assert out == ref, perm


def test_weighted_mean_by_hand():
    a = np.array([0.1, 0.5, 0.9], dtype=np.float32)
    b = np.array([0.3, 0.2, 0.6], dtype=np.float32)
    out = weighted_map_mean([a, b], [0.25, 0.75])
    expected = (0.25 * a.astype(np.float64) + 0.75 * b.astype(np.float64)).astype(np.float32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


def test_weighted_ensemble_equals_the_weighted_mean_of_the_members_maps(checkpoint_of):
    cfgs = [small_model('BMN'), small_model('BSNPP')]
    members = [dict(config=c, checkpoint=checkpoint_of(c, seed=s)) for c, s in zip(cfgs, (4, 5))]
    ens = EnsembleLocalizer(members, weights=[0.7, 0.3])
    x = _inputs()
    maps = ens.member_maps([x, x])
    fused = fuse_member_maps(maps, [0.7, 0.3])
    for key in ('start', 'end', 'cls', 'reg'):
        want = 0.7 * maps[0][key].astype(np.float64) + 0.3 * maps[1][key].astype(np.float64)
        np.testing.assert_allclose(fused[key], want, rtol=1e-6, atol=1e-7)
    assert not np.allclose(maps[0]['cls'], maps[1]['cls'])  # the members differ


def test_members_with_different_t_fail_with_one_line_unless_resampled(checkpoint_of):
    a, b = small_model('BMN', temporal_dim=16), small_model('BMN', temporal_dim=12, feat_dim=12)
    members = [dict(config=a, checkpoint=checkpoint_of(a, 0), name='bmn_a'),
               dict(config=b, checkpoint=checkpoint_of(b, 1), name='bmn_b')]
    inputs = [_inputs(8, 16), _inputs(12, 12)]
    with pytest.raises(LocalizationInputError) as info:
        EnsembleLocalizer(members)(inputs, _samples())
    msg = str(info.value)
    assert '\n' not in msg and 'bmn_b has T=12 and bmn_a has T=16' in msg
    assert 'temporal_dim' in msg
    out = EnsembleLocalizer(members, temporal_dim=16)(inputs, _samples())
    assert len(out) == 2 and out[0]['proposal_list']
    # proposal_union works on normalised times: no common T needed
    assert EnsembleLocalizer(members, rule='proposal_union')(inputs, _samples())[0]


def test_resampling_is_identity_at_the_same_t_and_exact_for_linear_maps():
    rng = np.random.default_rng(0)
    curve = rng.random((2, 8)).astype(np.float32)
    assert resample_boundary(curve, 8) is curve
    # a linear curve p(t) = 0.2 + 0.5 t sampled at t = i / T stays linear at t = i' / T'
    t8, t12 = np.arange(8) / 8, np.arange(12) / 12
    lin = resample_boundary(0.2 + 0.5 * t8, 12)
    inside = t12 <= 7 / 8
    np.testing.assert_allclose(lin[inside], (0.2 + 0.5 * t12)[inside], atol=1e-12)
    # a BM map linear in (start, end): f = 0.1 + 0.3 start + 0.5 end, cell (d, s) of
    # T is [s / T, (s + d + 1) / T]; inside the old grid the bilinear resampling is exact
    old_t, new_t = 8, 12
    d, s = np.meshgrid(np.arange(old_t), np.arange(old_t), indexing='ij')
    f_old = 0.1 + 0.3 * s / old_t + 0.5 * (s + d + 1) / old_t
    out = resample_bm_map(f_old, new_t)
    d2, s2 = np.meshgrid(np.arange(new_t), np.arange(new_t), indexing='ij')
    start, end = s2 / new_t, (s2 + d2 + 1) / new_t
    ok = (start * old_t <= old_t - 1) & ((end - start) * old_t - 1 >= 0) & \
        ((end - start) * old_t - 1 <= old_t - 1)
    np.testing.assert_allclose(out[ok], (0.1 + 0.3 * start + 0.5 * end)[ok], atol=1e-12)
    assert ok.sum() > 50


def test_ensemble_is_test_time_only_and_checks_its_arguments(checkpoint_of):
    cfg = small_model('BMN')
    m = dict(config=cfg, checkpoint=checkpoint_of(cfg, 0))
    with pytest.raises(ValueError, match='test-time only'):
        EnsembleLocalizer([m])(_inputs(), _samples(), mode='loss')
    with pytest.raises(ValueError, match='rule'):
        EnsembleLocalizer([m], rule='vote')
    with pytest.raises(ValueError, match='summing to 1'):
        EnsembleLocalizer([m, m], weights=[0.5, 0.6])
    with pytest.raises(ValueError, match="rule='map_mean' only"):
        EnsembleLocalizer([m, m], rule='proposal_union', weights=[0.5, 0.5])
    with pytest.raises(LocalizationInputError, match='1 input tensors for 2 members'):
        EnsembleLocalizer([m, m])([_inputs()], _samples())


def test_weighted_mean_is_bitwise_independent_of_member_order():
    rng = np.random.default_rng(1)
    maps = [rng.random(2000) for _ in range(3)]  # float64: the summation order would show
    weights = [0.2, 0.3, 0.5]
    ref = weighted_map_mean(maps, weights)
    for perm in itertools.permutations(range(3)):
        out = weighted_map_mean([maps[i] for i in perm], [weights[i] for i in perm])
        np.testing.assert_array_equal(out, ref)


def test_union_candidates_do_not_depend_on_member_order(checkpoint_of):
    cfgs = [small_model('BMN'), small_model('BSNPP')]
    members = [dict(config=c, checkpoint=checkpoint_of(c, seed=s)) for c, s in zip(cfgs, (6, 7))]
    x = _inputs(n=1)
    a = EnsembleLocalizer(members, rule='proposal_union')([x, x], mode='tensor')[0]
    b = EnsembleLocalizer(members[::-1], rule='proposal_union')([x, x], mode='tensor')[0]
    np.testing.assert_array_equal(a, b)
    assert len(a) > 20
