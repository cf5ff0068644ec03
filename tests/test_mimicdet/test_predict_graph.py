"""Prediction-graph details of the spec on one hand-built image: the top-k refined anchors by
objectness are gathered, the S-head deltas are decoded on the REFINED boxes, and
``score_mode='product'`` multiplies the S-head probability by the objectness.

The refinement maps and the S-head outputs are fixed by hand (the refinement module and the
S-head branches are patched), so every expected box, score and label is written out below."""
import math

import pytest
import torch
from mmengine.config import Config

from projects.mimicdet.mimicdet import DEFAULT_TEST_CFG

from tests.conftest import REPO_ROOT

from .conftest import synthetic_batch

SIZES = [(16, 16), (8, 8), (4, 4), (2, 2), (1, 1)]  # P3-P7 of a 128x128 image
NUM_CLASSES = 10
COCO_CFG = f'{REPO_ROOT}/configs/mimicdet/mimicdet_r50_fpn_8xb2-1x_coco.py'
TINY_CFG = f'{REPO_ROOT}/configs/mimicdet/mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py'

# (level, y, x): objectness, refinement deltas (stds 1), S-head class probabilities, S deltas
# (stds 0.1, 0.1, 0.2, 0.2).
# A, P3 (5, 5): anchor [28, 28, 60, 60] (side 32 at (44, 44)); no refinement -> same box;
#    obj 0.8; S: class 2 with 0.6; no S delta -> [28, 28, 60, 60].
# B, P4 (2, 3): anchor [24, 8, 88, 72] (side 64 at (56, 40)); refine dx 0.25 -> +16 px ->
#    [40, 8, 104, 72]; obj 0.5; S: class 7 with 0.7; S dx 1.0 -> 0.1 * 64 = +6.4 px on the
#    REFINED box -> [46.4, 8, 110.4, 72] (on the anchor it would be [30.4, 8, 94.4, 72]).
# C, P5 (1, 1): anchor side 128 at (48, 48) -> [-16, -16, 112, 112], clipped [0, 0, 112, 112];
#    obj 0.2; S: class 2 with 0.3.
# D, P3 (12, 12): obj 0.1, the 4th highest: cut by nms_pre = 3 (S: class 5 with 0.9).
# Every other location: objectness logit -10, S: background.
A, B, C, D = (0, 5, 5), (1, 2, 3), (2, 1, 1), (0, 12, 12)
OBJ = {A: 0.8, B: 0.5, C: 0.2, D: 0.1}
REFINE = {B: (0.25, 0., 0., 0.)}
S_CLASS = {A: (2, 0.6), B: (7, 0.7), C: (2, 0.3), D: (5, 0.9)}
S_DELTA = {B: (1.0, 0., 0., 0.)}
S_HEAD_ROWS = [  # score_mode='s_head': box, score, label, sorted by score
    ([46.4, 8., 110.4, 72.], 0.7, 7),
    ([28., 28., 60., 60.], 0.6, 2),
    ([0., 0., 112., 112.], 0.3, 2)]
PRODUCT_ROWS = [  # score_mode='product': S probability x objectness
    ([28., 28., 60., 60.], 0.6 * 0.8, 2),
    ([46.4, 8., 110.4, 72.], 0.7 * 0.5, 7),
    ([0., 0., 112., 112.], 0.3 * 0.2, 2)]


def _patch(model, monkeypatch, gathered):
    feat_c = model.s_head.feat_channels

    def refine_forward(feats):
        assert [tuple(f.shape[-2:]) for f in feats] == SIZES
        objs = [torch.full((1, 1, h, w), -10.) for h, w in SIZES]
        regs = [torch.zeros(1, 4, h, w) for h, w in SIZES]
        for (lvl, y, x), p in OBJ.items():
            objs[lvl][0, 0, y, x] = math.log(p / (1 - p))
        for (lvl, y, x), d in REFINE.items():
            regs[lvl][0, :, y, x] = torch.tensor(d)
        return objs, regs

    def encoded_align(feats, reg_maps):
        maps = []
        for lvl, (h, w) in enumerate(SIZES):
            m = torch.zeros(1, feat_c, h, w)
            m[:, 0] = lvl
            m[:, 1] = torch.arange(h)[:, None].float()
            m[:, 2] = torch.arange(w)[None, :].float()
            maps.append(m)
        return maps

    def table_points(point_feats):
        keys = [tuple(int(v) for v in row[:3]) for row in point_feats]
        gathered.extend(keys)
        probs = torch.full((len(keys), NUM_CLASSES + 1), 1e-12)
        deltas = torch.zeros(len(keys), 4)
        for k, key in enumerate(keys):
            label, p = S_CLASS.get(key, (None, 0.))
            probs[k, NUM_CLASSES] = 1. - p
            if label is not None:
                probs[k, label] = p
            if key in S_DELTA:
                deltas[k] = torch.tensor(S_DELTA[key])
        return dict(cls_score=probs.log(), bbox_pred=deltas,
                    cls_feat=torch.zeros(len(keys), 1), reg_feat=torch.zeros(len(keys), 1))

    monkeypatch.setattr(model.refine_head, 'forward', refine_forward)
    monkeypatch.setattr(model.s_head, 'align', encoded_align)
    monkeypatch.setattr(model.s_head, 'forward_points', table_points)


def _predict(model):
    model.eval()
    with torch.no_grad():
        batch = model.data_preprocessor(synthetic_batch(1), False)
        return model(**batch, mode='predict')[0].pred_instances


@pytest.mark.parametrize('score_mode,rows', [('s_head', S_HEAD_ROWS), ('product', PRODUCT_ROWS)])
def test_hand_built_image(build_mimicdet, monkeypatch, score_mode, rows):
    model = build_mimicdet(test_cfg=dict(nms_pre=3, score_mode=score_mode))
    gathered = []
    _patch(model, monkeypatch, gathered)
    pred = _predict(model)
    # the S-head ran exactly at the top-3 locations by objectness, in that order
    assert gathered == [A, B, C]
    torch.testing.assert_close(pred.bboxes, torch.tensor([r[0] for r in rows]))
    torch.testing.assert_close(pred.scores, torch.tensor([r[1] for r in rows]))
    assert pred.labels.tolist() == [r[2] for r in rows]


def test_nms_pre_bounds_the_candidates(build_mimicdet, monkeypatch):
    """With room for a 4th candidate, D (class 5, 0.9) enters: the cut is by objectness only."""
    model = build_mimicdet(test_cfg=dict(nms_pre=4))
    gathered = []
    _patch(model, monkeypatch, gathered)
    pred = _predict(model)
    assert gathered == [A, B, C, D]
    torch.testing.assert_close(pred.bboxes[0], torch.tensor([84., 84., 116., 116.]))
    assert pred.labels.tolist()[0] == 5 and float(pred.scores[0]) == pytest.approx(0.9)


def test_score_threshold_and_max_per_img(build_mimicdet, monkeypatch):
    model = build_mimicdet(test_cfg=dict(nms_pre=3, score_thr=0.5, max_per_img=1))
    _patch(model, monkeypatch, [])
    pred = _predict(model)
    assert pred.labels.tolist() == [7]
    model.test_cfg.max_per_img = 5
    assert _predict(model).labels.tolist() == [7, 2]  # 0.3 is below score_thr 0.5


def test_test_defaults_are_the_spec_values(build_mimicdet, tiny_model_cfg):
    spec = dict(nms_pre=1000, score_thr=0.005, iou_threshold=0.6, max_per_img=100,
                score_mode='s_head')
    assert DEFAULT_TEST_CFG == spec
    assert dict(build_mimicdet(test_cfg=None).test_cfg) == spec
    assert dict(Config.fromfile(COCO_CFG).model.test_cfg) == spec
    assert tiny_model_cfg['test_cfg'] == spec
