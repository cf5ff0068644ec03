"""Soft-NMS and BM candidates: mmaction2 parity and the spec's Soft-NMS behaviour."""
import numpy as np
import pytest

from mmaction.models.localizers.utils import post_processing, soft_nms
from projects.common.localization.postprocess import (bm_candidates, proposals_to_list,
                                                      soft_nms_np)


def _proposals(rng, n):
    s = rng.uniform(0, 0.8, n)
    e = s + rng.uniform(0.01, 0.2, n)
    return np.stack([s, e, rng.random(n), rng.random(n), rng.random(n), rng.random(n),
                     rng.random(n)], 1)


@pytest.mark.parametrize('top_k', [5, 100])
def test_numpy_soft_nms_equals_mmaction(top_k):
    props = _proposals(np.random.default_rng(0), 300)
    props = np.concatenate([props, props[:20]])  # exact duplicates too
    np.testing.assert_array_equal(soft_nms_np(props, 0.4, 0.5, 0.9, top_k),
                                  soft_nms(props, 0.4, 0.5, 0.9, top_k))


def test_soft_nms_keeps_top_k_plus_one_sorted_and_decays_duplicates():
    box = [0.1, 0.5, 0, 0, 0, 0, 0.9]
    props = np.array([box, box, [0.6, 0.9, 0, 0, 0, 0, 0.5], [0.0, 0.05, 0, 0, 0, 0, 0.4]])
    assert len(soft_nms(props, 0.4, 0.5, 0.9, top_k=1)) == 2  # top_k + 1 kept
    out = soft_nms(props, 0.4, 0.5, 0.9, top_k=3)
    # the duplicate (IoU 1 > 0.5 + (0.9 - 0.5) * 0.4) decays by exp(-1 / 0.4); the others
    # do not overlap the kept box
    np.testing.assert_allclose(out[:, 2], [0.9, 0.5, 0.4, 0.9 * np.exp(-1 / 0.4)])
    np.testing.assert_allclose(out[3, :2], [0.1, 0.5])
    info = dict(duration_frame=320, duration_second=10.0)
    final = post_processing(props, info, 0.4, 0.5, 0.9, 2, 16)
    scores = [p['score'] for p in final]
    assert len(final) == 2 and scores == sorted(scores, reverse=True)


def test_proposals_to_list_numpy_equals_mmaction_post_processing():
    props = _proposals(np.random.default_rng(1), 200)
    info = dict(duration_frame=1000, duration_second=33.3)
    a = proposals_to_list(props, info, 0.4, 0.5, 0.9, 100, 16, 'mmaction')
    b = proposals_to_list(props, info, 0.4, 0.5, 0.9, 100, 16, 'numpy')
    assert a == b and len(a) == 100


def _bmn_loops(start, end, cls_map, reg_map):
    """BMN.predict's candidate loops, written out from its definition."""
    tscale = len(start)
    sb, eb = np.zeros(tscale), np.zeros(tscale)
    sb[0] = eb[-1] = 1
    for i in range(1, tscale - 1):
        if (start[i] > start[i + 1] and start[i] > start[i - 1]) or start[i] > 0.5 * start.max():
            sb[i] = 1
        if (end[i] > end[i + 1] and end[i] > end[i - 1]) or end[i] > 0.5 * end.max():
            eb[i] = 1
    rows = []
    for d in range(tscale):
        for s in range(tscale):
            e = s + d + 1
            if e < tscale and sb[s] and eb[e]:
                rows.append([s / tscale, e / tscale, start[s], end[e], cls_map[d, s],
                             reg_map[d, s], start[s] * end[e] * cls_map[d, s] * reg_map[d, s]])
    return np.array(rows)


def test_bm_candidates_equal_bmn_rule():
    rng = np.random.default_rng(3)
    start, end = rng.random(16).astype(np.float32), rng.random(16).astype(np.float32)
    cls_map, reg_map = (rng.random((16, 16)).astype(np.float32) for _ in range(2))
    np.testing.assert_array_equal(bm_candidates(start, end, cls_map, reg_map),
                                  _bmn_loops(start, end, cls_map, reg_map))


def test_sqrt_score_fusion():
    rng = np.random.default_rng(4)
    start, end = rng.random(8), rng.random(8)
    cls_map, reg_map = rng.random((8, 8)), rng.random((8, 8))
    c = bm_candidates(start, end, cls_map, reg_map, 'sqrt')
    np.testing.assert_allclose(c[:, 6], c[:, 2] * c[:, 3] * np.sqrt(c[:, 4] * c[:, 5]))
    with pytest.raises(ValueError, match='score_fusion'):
        bm_candidates(start, end, cls_map, reg_map, 'max')
