"""Invariant 6: refinement targets on a toy image; one anchor per location."""
import pytest
import torch
from mmengine.structures import InstanceData

from projects.mimicdet import MimicRefineHead

SIZES = [(16, 16), (8, 8), (4, 4), (2, 2), (1, 1)]  # a 128x128 image on P3-P7


def make_head():
    head = MimicRefineHead(in_channels=8, feat_channels=8)
    head.init_weights()
    return head


def brute_force_assign(head, boxes):
    """The spec's rule, location by location: center inside the sigma-shrunk GT on a level
    whose scale range holds sqrt(area); the smaller GT wins overlaps."""
    out = []
    for (h, w), s, (lo, hi) in zip(SIZES, head.strides, head.scale_ranges):
        for y in range(h):
            for x in range(w):
                cx, cy, best, best_area = (x + .5) * s, (y + .5) * s, -1, None
                for i, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
                    scale = ((x2 - x1) * (y2 - y1)) ** .5
                    hx, hy = head.sigma * (x2 - x1) / 2, head.sigma * (y2 - y1) / 2
                    inside = (abs(cx - (x1 + x2) / 2) <= hx + 1e-6
                              and abs(cy - (y1 + y2) / 2) <= hy + 1e-6)
                    if lo <= scale <= hi and inside and (best < 0 or scale < best_area):
                        best, best_area = i, scale
                out.append(best)
    return torch.tensor(out)


def test_toy_image_hand_computed():
    # 32x32 GT centered at (36, 36): sqrt(area) = 32 is in P3's (1, 64) and P4's (32, 128).
    # Shrunk by 0.3 about the center: [36 - 4.8, 36 + 4.8] = [31.2, 40.8] on both axes.
    # P3 (stride 8) location centers 28, 36, 44 -> only index 4 (36) is inside.
    # P4 (stride 16) location centers 24, 40, 56 -> only index 2 (40) is inside.
    # P5-P7: outside their scale ranges.
    head = make_head()
    gts = InstanceData(bboxes=torch.tensor([[20., 20., 52., 52.]]), labels=torch.tensor([2]))
    idx = head.assign(gts, SIZES)
    pos = (idx >= 0).nonzero().flatten().tolist()
    assert pos == [4 * 16 + 4, 256 + 2 * 8 + 2]
    assert idx[pos].tolist() == [0, 0]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_spec_rule_on_random_boxes(seed):
    head = make_head()
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(4, 2, generator=g) * 80
    wh = torch.rand(4, 2, generator=g) * 60 + 10
    boxes = torch.cat([xy, (xy + wh).clamp(max=127)], 1)
    # distinct areas so "smaller wins" is well defined
    gts = InstanceData(bboxes=boxes, labels=torch.zeros(4, dtype=torch.long))
    torch.testing.assert_close(head.assign(gts, SIZES), brute_force_assign(head, boxes))


def test_one_anchor_per_location():
    head = make_head()
    anchors = head.anchors(SIZES)
    assert anchors.shape == (sum(h * w for h, w in SIZES), 4)
    start = 0
    for (h, w), s in zip(SIZES, head.strides):
        a = anchors[start:start + h * w]
        centers = torch.stack([(a[:, 0] + a[:, 2]) / 2, (a[:, 1] + a[:, 3]) / 2], 1)
        assert len(torch.unique(centers, dim=0)) == h * w
        torch.testing.assert_close(a[:, 2] - a[:, 0], torch.full((h * w,), 4. * s))
        torch.testing.assert_close(centers[0], torch.tensor([.5 * s, .5 * s]))
        start += h * w


def test_anchors_are_mmdet_anchor_generator_and_the_hand_formula():
    """One square of side 4 * stride centered on every location, level-major then row-major:
    written out by hand, and equal to mmdet's AnchorGenerator with these arguments."""
    from mmdet.models.task_modules.prior_generators import AnchorGenerator
    head = make_head()
    anchors = head.anchors(SIZES)
    rows = []
    for (h, w), s in zip(SIZES, head.strides):
        for y in range(h):
            for x in range(w):
                cx, cy = (x + .5) * s, (y + .5) * s
                rows.append([cx - 2 * s, cy - 2 * s, cx + 2 * s, cy + 2 * s])
    torch.testing.assert_close(anchors, torch.tensor(rows), rtol=0, atol=0)
    ref = AnchorGenerator(strides=[8, 16, 32, 64, 128], ratios=[1.0], scales=[4.0],
                          center_offset=0.5)
    torch.testing.assert_close(anchors, torch.cat(ref.grid_priors(SIZES, device='cpu')),
                               rtol=0, atol=0)
    # P3 (3, 2) by hand: center (20, 28), side 32
    assert anchors[3 * 16 + 2].tolist() == [4., 12., 36., 44.]


def test_anchor_scale_sets_the_side():
    head = MimicRefineHead(in_channels=8, feat_channels=8, anchor_scale=2.5)
    a = head.anchors([(2, 2)] + [(1, 1)] * 4)
    assert a[0].tolist() == [-6., -6., 14., 14.]  # center (4, 4), side 2.5 * 8 = 20
    assert a[4].tolist() == [-12., -12., 28., 28.]  # P4 (0, 0): center (8, 8), side 40


def test_smaller_gt_wins_an_overlap():
    # two GTs on P3 (scale 24 and 40 are both in (1, 64)) whose fovea areas overlap at (4, 4)
    head = make_head()
    gts = InstanceData(bboxes=torch.tensor([[16., 16., 56., 56.], [24., 24., 48., 48.]]),
                       labels=torch.tensor([0, 1]))
    idx = head.assign(gts, SIZES)
    # GT 0: center 36, half-extent 0.3 * 20 = 6 -> P3 centers in [30, 42]: 36 only (x = 4)
    # GT 1: center 36, half-extent 0.3 * 12 = 3.6 -> 36 only; the smaller GT 1 wins (4, 4)
    assert int(idx[4 * 16 + 4]) == 1
    # on P4 only GT 0 is in range (40 in (32, 128); 24 is not): center 36 +- 6 -> 40 (x = 2)
    assert int(idx[256 + 2 * 8 + 2]) == 0
    assert int((idx >= 0).sum()) == 2


def test_regression_targets_decode_to_gt():
    head = make_head()
    feats = [torch.zeros(1, 8, h, w) for h, w in SIZES]
    objs, regs = head(feats)
    gt = torch.tensor([[20., 20., 52., 52.]])
    idx = head.assign(InstanceData(bboxes=gt, labels=torch.tensor([0])), SIZES)
    anchors = head.anchors(SIZES)
    pos = idx >= 0
    deltas = head.bbox_coder.encode(anchors[pos], gt.expand(int(pos.sum()), 4))
    torch.testing.assert_close(head.bbox_coder.decode(anchors[pos], deltas), gt.expand_as(deltas))
    losses = head.loss(objs, regs, [InstanceData(bboxes=gt, labels=torch.tensor([0]))])
    # zero inputs: deltas are the bias (zero-init), so the L1 loss is the mean |target| sum
    expected = deltas.abs().sum() / pos.sum()
    torch.testing.assert_close(losses['refine_loss_bbox'], expected, rtol=1e-4, atol=1e-4)


def test_empty_gt_all_negative():
    idx = make_head().assign(InstanceData(bboxes=torch.zeros(0, 4),
                                          labels=torch.zeros(0, dtype=torch.long)), SIZES)
    assert (idx == -1).all() and idx.numel() == 341


@pytest.mark.parametrize('kw,name', [(dict(sigma=0.), 'sigma'), (dict(anchor_scale=0), 'anchor_scale'),
                                     (dict(scale_ranges=((1, 2),)), 'scale_ranges')])
def test_bad_arguments_raise(kw, name):
    with pytest.raises(ValueError, match=name):
        MimicRefineHead(**kw)
