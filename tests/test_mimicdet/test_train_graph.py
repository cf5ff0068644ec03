"""Training-graph details of the spec on hand-built cases: proposal NMS 0.8 / top-2000 on the
refined boxes, S-head OHEM top-128 per image, and ``mimic_reg_pos_only`` on the regression path.

Every expected value is written out; the thresholds are configurable, so the cases use small
numbers, and separate tests assert that the defaults are the spec's values."""
import copy
import math

import pytest
import torch
from mmengine.config import Config

from projects.mimicdet import MimicSHead
from projects.mimicdet.mimicdet import DEFAULT_TEST_CFG, DEFAULT_TRAIN_CFG

from tests.conftest import REPO_ROOT

from .conftest import synthetic_batch

SIZES = [(16, 16), (8, 8), (4, 4), (2, 2), (1, 1)]  # P3-P7 of a 128x128 image
COCO_CFG = f'{REPO_ROOT}/configs/mimicdet/mimicdet_r50_fpn_8xb2-1x_coco.py'
TINY_CFG = f'{REPO_ROOT}/configs/mimicdet/mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py'


def _flat(level: int, y: int, x: int) -> int:
    return sum(h * w for h, w in SIZES[:level]) + y * SIZES[level][1] + x


def _maps(obj: dict, reg: dict):
    """Objectness logits -10 and zero deltas except at the given (level, y, x)."""
    objs = [torch.full((1, 1, h, w), -10.) for h, w in SIZES]
    regs = [torch.zeros(1, 4, h, w) for h, w in SIZES]
    for (lvl, y, x), v in obj.items():
        objs[lvl][0, 0, y, x] = v
    for (lvl, y, x), d in reg.items():
        regs[lvl][0, :, y, x] = torch.tensor(d)
    return objs, regs


# P3 (stride 8, anchor side 32). A at (5, 5): anchor = refined box [28, 28, 60, 60].
# B at (5, 6): anchor [36, 28, 68, 60], dx = -0.1875 -> -6 px -> [30, 28, 62, 60];
#   IoU(A, B) = 30*32 / (2*1024 - 960) = 960 / 1088 = 0.882 (> 0.8: suppressed by A).
# C at (6, 5): anchor [28, 36, 60, 68], dy = -0.125 -> -4 px -> [28, 32, 60, 64];
#   IoU(A, C) = 32*28 / (2048 - 896) = 0.778 (< 0.8: kept); IoU(B, C) = 840 / 1208 = 0.695.
# D at (12, 12): [84, 84, 116, 116], far from the others.
# Objectness A > B > C > D > every other location.
A, B, C, D = (0, 5, 5), (0, 5, 6), (0, 6, 5), (0, 12, 12)
PROPOSAL_MAPS = dict(obj={A: 4., B: 3., C: 2., D: 1.},
                     reg={B: (-0.1875, 0., 0., 0.), C: (0., -0.125, 0., 0.)})
BOXES = {A: [28., 28., 60., 60.], B: [30., 28., 62., 60.], C: [28., 32., 60., 64.],
         D: [84., 84., 116., 116.]}


@pytest.mark.parametrize('iou,max_per_img,expected', [
    (0.8, 3, [A, C, D]),   # B suppressed (0.882 > 0.8), C kept (0.778), then top 3
    (0.8, 2, [A, C]),      # the top-k cut comes after NMS
    (0.9, 3, [A, B, C]),   # nothing above 0.9
    (0.7, 2, [A, D]),      # B and C suppressed
])
def test_proposals_nms_then_top_k(build_mimicdet, iou, max_per_img, expected):
    model = build_mimicdet(train_cfg=dict(proposal=dict(iou_threshold=iou,
                                                        max_per_img=max_per_img)))
    objs, regs = _maps(**PROPOSAL_MAPS)
    props = model._proposals(objs, regs, (128, 128), 0)
    assert props.flat_idx.tolist() == [_flat(*o) for o in expected]
    assert props.levels.tolist() == [0] * len(expected)
    torch.testing.assert_close(props.bboxes, torch.tensor([BOXES[o] for o in expected]))
    logit = {A: 4., B: 3., C: 2., D: 1.}
    torch.testing.assert_close(props.scores,
                               torch.tensor([1 / (1 + math.exp(-logit[o])) for o in expected]))


def test_proposal_defaults_are_the_spec_values(build_mimicdet):
    assert DEFAULT_TRAIN_CFG['proposal']['iou_threshold'] == 0.8
    assert DEFAULT_TRAIN_CFG['proposal']['max_per_img'] == 2000
    assert DEFAULT_TRAIN_CFG['s_head']['ohem_num'] == 128
    model = build_mimicdet(train_cfg=None)
    assert model.train_cfg.proposal.iou_threshold == 0.8
    assert model.train_cfg.proposal.max_per_img == 2000
    assert model.train_cfg.s_head.ohem_num == 128
    for path in (COCO_CFG, TINY_CFG):
        train_cfg = Config.fromfile(path).model.train_cfg
        assert train_cfg.proposal.iou_threshold == 0.8 and train_cfg.proposal.max_per_img == 2000
        assert train_cfg.s_head.ohem_num == 128


def test_partial_train_cfg_keeps_the_other_defaults(build_mimicdet):
    model = build_mimicdet(train_cfg=dict(proposal=dict(iou_threshold=0.5)))
    assert model.train_cfg.proposal.iou_threshold == 0.5
    assert model.train_cfg.proposal.max_per_img == 2000
    assert model.train_cfg.s_head.assigner.pos_iou_thr == 0.5
    assert model.test_cfg.nms_pre == DEFAULT_TEST_CFG['nms_pre']


# ---------------------------------------------------------------- OHEM
# Five candidates, C = 2 classes (logits: class 0, class 1, background). The logits are
# log-probabilities, so CE = -ln p(label). Labels 0, bg, bg, 1, 0 (positives: 0, 3, 4).
OHEM_PROBS = [[0.5, 0.25, 0.25], [0.05, 0.05, 0.9], [0.4, 0.4, 0.2], [0.1, 0.8, 0.1],
              [0.6, 0.2, 0.2]]
OHEM_LABELS = [0, 2, 2, 1, 0]
# |pred - target| summed: 0, 5 (a negative: not a loss), 0, 2.0, 0.3
OHEM_PRED = [[0., 0., 0., 0.], [5., 0., 0., 0.], [0., 0., 0., 0.], [1., -1., 0., 0.],
             [0.1, 0.1, 0.1, 0.]]
# per-box loss: 0.693, 0.105, 1.609, 0.223 + 2.0, 0.511 + 0.3
OHEM_CASES = [
    (2, -math.log(0.8 * 0.2), 2.0, 1),              # boxes 3, 2
    (3, -math.log(0.8 * 0.2 * 0.6), 2.3, 2),        # boxes 3, 2, 4
    (10, -math.log(0.5 * 0.9 * 0.2 * 0.8 * 0.6), 2.3, 3),  # all five
]


@pytest.mark.parametrize('num_keep,cls_sum,bbox_sum,num_pos', OHEM_CASES)
def test_ohem_keeps_the_hardest_boxes(num_keep, cls_sum, bbox_sum, num_pos):
    head = MimicSHead(num_classes=2, in_channels=4, feat_channels=4, branch_channels=8)
    cls_score = torch.tensor(OHEM_PROBS, dtype=torch.float64).log()
    lc, lb, npos = head.loss_ohem(cls_score, torch.tensor(OHEM_PRED, dtype=torch.float64),
                                  torch.tensor(OHEM_LABELS),
                                  torch.zeros(5, 4, dtype=torch.float64), num_keep)
    torch.testing.assert_close(lc, torch.tensor(cls_sum, dtype=torch.float64))
    torch.testing.assert_close(lb, torch.tensor(bbox_sum, dtype=torch.float64))
    assert int(npos) == num_pos


def test_ohem_is_per_image_over_its_candidates(build_mimicdet, tiny_model_cfg, monkeypatch):
    """Each image keeps its own ``ohem_num`` hardest candidates; the S losses are the kept
    boxes' sums over the number kept in the batch."""
    train_cfg = copy.deepcopy(tiny_model_cfg['train_cfg'])
    train_cfg['s_head']['ohem_num'] = 5
    model = build_mimicdet(train_cfg=train_cfg)
    calls, props = [], []
    orig_ohem, orig_props = model.s_head.loss_ohem, model._proposals

    def ohem_spy(cls_score, bbox_pred, labels, targets, num_keep):
        out = orig_ohem(cls_score, bbox_pred, labels, targets, num_keep)
        calls.append(dict(n=len(labels), num_keep=num_keep, cls=float(out[0]),
                          bbox=float(out[1])))
        return out

    def props_spy(*args):
        p = orig_props(*args)
        props.append(len(p))
        return p

    monkeypatch.setattr(model.s_head, 'loss_ohem', ohem_spy)
    monkeypatch.setattr(model, '_proposals', props_spy)
    losses = model(**model.data_preprocessor(synthetic_batch(2), True), mode='loss')
    assert [c['n'] for c in calls] == props and len(calls) == 2
    assert [c['num_keep'] for c in calls] == [5, 5]
    n_kept = sum(min(5, n) for n in props)
    assert float(losses['s_loss_cls']) == pytest.approx(sum(c['cls'] for c in calls) / n_kept,
                                                        rel=1e-5)
    assert float(losses['s_loss_bbox']) == pytest.approx(
        sum(c['bbox'] for c in calls) / n_kept, rel=1e-5)


# ---------------------------------------------------------------- mimic paths
# Two images with 3 and 2 candidates (rows 0-2 and 3-4 of the S outputs). Four T samples:
# (image 0, cand 2) pos -> row 2, (0, 0) neg -> row 0, (1, 1) pos -> row 4, (1, 0) neg -> row 3.
# S reg features: row r = e_r. T reg features: e_2 (cos 1), -e_0 (cos -1), e_4 + e_0
# (cos 1/sqrt 2), e_1 (cos 0). S cls: row r = 2 e_r; T cls: 3 e_2 (cos 1), e_0 (1), e_3 (0), -e_3
# (-1).
def _mimic_case():
    eye = torch.eye(5, dtype=torch.float64)
    s_out = dict(cls_score=2 * eye, reg_feat=eye.clone())
    mimic = dict(batch_idx=torch.tensor([0, 0, 1, 1]), cand_idx=torch.tensor([2, 0, 1, 0]),
                 is_pos=torch.tensor([True, False, True, False]),
                 cls_score=torch.stack([3 * eye[2], eye[0], eye[3], -eye[3]]),
                 reg_feat=torch.stack([eye[2], -eye[0], eye[4] + eye[0], eye[1]]))
    return s_out, mimic


@pytest.mark.parametrize('pos_only,expected_reg', [
    (True, (0. + (1 - 1 / math.sqrt(2))) / 2),             # positives: samples 0 and 2
    (False, (0. + 2. + (1 - 1 / math.sqrt(2)) + 1.) / 4),  # all four samples
])
def test_mimic_reg_pos_only_on_the_regression_path(build_mimicdet, pos_only, expected_reg):
    model = build_mimicdet(mimic_reg_pos_only=pos_only)
    s_out, mimic = _mimic_case()
    losses = model._mimic_losses(s_out, [3, 2], mimic)
    # the cls path always mimics all samples: (0 + 0 + 1 + 2) / 4
    torch.testing.assert_close(losses['loss_mimic_cls'],
                               torch.tensor(0.75, dtype=torch.float64))
    torch.testing.assert_close(losses['loss_mimic_reg'],
                               torch.tensor(expected_reg, dtype=torch.float64))


def test_mimic_reg_pos_only_default_is_true(build_mimicdet, tiny_model_cfg):
    import inspect

    from projects.mimicdet import MimicDet
    assert inspect.signature(MimicDet).parameters['mimic_reg_pos_only'].default is True
    assert Config.fromfile(COCO_CFG).model.mimic_reg_pos_only is True
    assert tiny_model_cfg['mimic_reg_pos_only'] is True
