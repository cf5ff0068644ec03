"""MimicDet detector: invariants 1 (predict graph), 2-3 (staggering/origins in the loss path),
7 (shapes) and 8 (losses decrease on synthetic images)."""
import pytest
import torch
from mmcv.ops import RoIAlign

from projects.mimicdet import MimicTRoIHead, StaggeredRoIExtractor
from projects.mimicdet.origins import level_origins

from .conftest import synthetic_batch

NUM_CLASSES = 10


def _raise(*args, **kwargs):
    raise AssertionError('training-only module called at prediction')


def _predict(model, data):
    model.eval()
    with torch.no_grad():
        batch = model.data_preprocessor(data, False)
        return model(**batch, mode='predict')


def test_predict_never_touches_t_head_roi_extractor_or_p2(build_mimicdet, monkeypatch):
    model = build_mimicdet()
    for mod in (model.t_head, model.t_head.bbox_roi_extractor, model.t_head.bbox_head,
                model.neck.lateral_convs[0], model.neck.fpn_convs[0]):
        monkeypatch.setattr(mod, 'forward', _raise)
    monkeypatch.setattr(RoIAlign, 'forward', _raise)
    monkeypatch.setattr(MimicTRoIHead, 'loss', _raise)
    monkeypatch.setattr(StaggeredRoIExtractor, 'forward', _raise)
    out = _predict(model, synthetic_batch(2))
    assert len(out) == 2
    # and with the T-head removed altogether
    model.t_head = None
    assert len(_predict(model, synthetic_batch(2))) == 2


def test_predict_p3_to_p7_equal_training_pyramid(build_mimicdet):
    model = build_mimicdet().eval()
    x = model.data_preprocessor(synthetic_batch(1), False)['inputs']
    with torch.no_grad():
        full = model.extract_feat(x)
        pred = model.extract_predict_feat(x)
    assert len(full) == 6 and len(pred) == 5
    for a, b in zip(full[1:], pred):
        torch.testing.assert_close(a, b)


def test_prediction_shapes_and_ranges(build_mimicdet):
    model = build_mimicdet(test_cfg=dict(score_thr=0.0))
    data = synthetic_batch(3, size=96)
    for ds in data['data_samples']:  # pretend the original image was 2x larger
        ds.set_metainfo(dict(ori_shape=(192, 192), scale_factor=(0.5, 0.5)))
    for ds in _predict(model, data):
        p = ds.pred_instances
        assert 0 < len(p) <= 100
        assert p.bboxes.shape == (len(p), 4)
        assert (p.bboxes >= 0).all() and (p.bboxes <= 192 + 1e-3).all()
        assert (p.labels >= 0).all() and (p.labels < NUM_CLASSES).all()
        assert (p.scores[:-1] >= p.scores[1:]).all()


def test_deploy_graph_builds_without_t_head(build_mimicdet):
    model = build_mimicdet(t_head=None, mimic_loss=None)
    assert model.t_head is None
    assert not any(k.startswith('t_head.') for k in model.state_dict())
    assert len(_predict(model, synthetic_batch(1))) == 1


def test_mimic_loss_requires_t_head(build_mimicdet):
    model = build_mimicdet(t_head=None)
    batch = model.data_preprocessor(synthetic_batch(1), True)
    with pytest.raises(RuntimeError, match='t_head'):
        model(**batch, mode='loss')


def test_bad_score_mode_raises(build_mimicdet):
    with pytest.raises(ValueError, match='score_mode'):
        build_mimicdet(test_cfg=dict(score_mode='max'))


def test_loss_terms_and_training_shapes(build_mimicdet, monkeypatch):
    model = build_mimicdet()
    seen = {}
    orig_refine = model.refine_head.forward
    orig_ext = StaggeredRoIExtractor.forward

    def refine_spy(feats):
        seen['s_levels'] = len(feats)
        return orig_refine(feats)

    def ext_spy(self, feats, rois, origin_levels):
        out = orig_ext(self, feats, rois, origin_levels)
        seen['roi_feats'] = out.shape
        return out

    monkeypatch.setattr(model.refine_head, 'forward', refine_spy)
    monkeypatch.setattr(StaggeredRoIExtractor, 'forward', ext_spy)
    batch = model.data_preprocessor(synthetic_batch(2), True)
    assert len(model.extract_feat(batch['inputs'])) == 6
    losses = model(**batch, mode='loss')
    assert {'refine_loss_obj', 'refine_loss_bbox', 's_loss_cls', 's_loss_bbox', 't_loss_cls',
            't_loss_bbox', 'loss_mimic_cls', 'loss_mimic_reg'} <= set(losses)
    assert seen['s_levels'] == 5
    assert seen['roi_feats'][1:] == (64, 7, 7)  # tiny config: 64-channel FPN
    for k, v in losses.items():
        assert torch.isfinite(v).all(), k


def test_t_head_pools_level_minus_one_and_s_head_reads_origin(build_mimicdet, monkeypatch):
    """Invariants 2 and 3 through the detector: the S-head vector mimicked for a sampled box is
    read at the box's origin (level L, y, x), and the T-head pools that box from P_{L-1}."""
    model = build_mimicdet()
    C = model.s_head.feat_channels
    captured = {}

    def encoded_align(feats, reg_maps):
        maps = []
        for lvl, f in enumerate(feats):
            n, _, h, w = f.shape
            m = torch.zeros(n, C, h, w)
            m[:, 0] = lvl + 1  # +1 so that no encoded vector is all-zero
            m[:, 1] = torch.arange(h)[None, :, None].float() + 1
            m[:, 2] = torch.arange(w)[None, None, :].float() + 1
            maps.append(m)
        captured['sizes'] = [f.shape[-2:] for f in feats]
        return maps

    def identity_points(point_feats):
        pad = torch.zeros(len(point_feats), NUM_CLASSES + 1)
        pad[:, :3] = point_feats[:, :3]
        return dict(cls_score=pad.requires_grad_(), bbox_pred=torch.zeros(len(point_feats), 4),
                    cls_feat=point_feats, reg_feat=point_feats)

    orig_t_loss = MimicTRoIHead.loss

    def t_loss_spy(self, x, props, samples):
        captured['props'] = props
        losses, mimic = orig_t_loss(self, x, props, samples)
        captured['mimic'] = mimic
        return losses, mimic

    orig_ext = StaggeredRoIExtractor.forward

    def ext_spy(self, feats, rois, origin_levels):
        captured['pooled_from'] = self.target_levels(origin_levels)
        captured['rois'] = rois
        return orig_ext(self, feats, rois, origin_levels)

    orig_refine = model.refine_head.forward

    def refine_spy(feats):
        objs, regs = orig_refine(feats)
        captured['regs'] = [r.detach() for r in regs]
        return objs, regs

    students = []
    monkeypatch.setattr(model.refine_head, 'forward', refine_spy)
    monkeypatch.setattr(model.s_head, 'align', encoded_align)
    monkeypatch.setattr(model.s_head, 'forward_points', identity_points)
    monkeypatch.setattr(MimicTRoIHead, 'loss', t_loss_spy)
    monkeypatch.setattr(StaggeredRoIExtractor, 'forward', ext_spy)
    monkeypatch.setattr(model.mimic_loss, 'forward',
                        lambda s, t: students.append(s.detach().clone()) or s.sum() * 0)
    batch = model.data_preprocessor(synthetic_batch(2), True)
    model(**batch, mode='loss')

    mimic = captured['mimic']
    origins = level_origins(captured['sizes'])
    assert len(students) == 2 and len(students[0]) == len(mimic['batch_idx']) > 0
    refined = [model.refine_head.refined_boxes(captured['regs'], (128, 128), b) for b in (0, 1)]
    for k in range(len(mimic['batch_idx'])):
        b, c = int(mimic['batch_idx'][k]), int(mimic['cand_idx'][k])
        lvl, y, x = (int(v) - 1 for v in students[0][k, :3])
        flat = int((origins == torch.tensor([lvl, y, x])).all(1).nonzero())
        # the T-head RoI of sample k is the refined box that started at the S vector's origin
        torch.testing.assert_close(captured['rois'][k, 1:], refined[b][flat])
        torch.testing.assert_close(captured['props'][b].bboxes[c], refined[b][flat])
        # its origin level is P_{lvl+3}; it is pooled from P_{lvl+2}, index lvl of P2-P6
        assert int(captured['props'][b].levels[c]) == lvl + 1
        assert int(captured['pooled_from'][k]) == lvl


@pytest.mark.slow
def test_losses_decrease_on_synthetic_images(build_mimicdet):
    torch.manual_seed(0)
    model = build_mimicdet(seed=0)
    model.train()
    data = synthetic_batch(8, seed=3)
    batch = model.data_preprocessor(data, True)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    keys = ['refine_loss_obj', 'refine_loss_bbox', 's_loss_cls', 's_loss_bbox', 't_loss_cls',
            't_loss_bbox', 'loss_mimic_cls', 'loss_mimic_reg']
    history = []
    # 100 steps: the OHEM-selected S-head box loss stays flat for ~50 steps while refinement
    # improves (more positives enter the top-128), then decreases
    for _ in range(100):
        losses = model(**batch, mode='loss')
        total = sum(losses[k] for k in keys)
        opt.zero_grad()
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 35)
        opt.step()
        history.append([float(total)] + [float(losses[k]) for k in keys])
    hist = torch.tensor(history)
    first, last = hist[:10].mean(0), hist[-10:].mean(0)
    for name, a, b in zip(['total'] + keys, first.tolist(), last.tolist()):
        assert b < a, f'{name} did not decrease: {a:.4f} -> {b:.4f}'


@pytest.mark.parametrize('detach', [True, False])
def test_mimic_gradient_reaches_t_head_only_without_detach(build_mimicdet, detach):
    model = build_mimicdet(mimic_loss=dict(type='CosineMimicLoss', detach_teacher=detach))
    batch = model.data_preprocessor(synthetic_batch(2), True)
    losses = model(**batch, mode='loss')
    (losses['loss_mimic_cls'] + losses['loss_mimic_reg']).backward()
    t_grads = [p.grad for p in model.t_head.bbox_head.parameters()]
    s_grad = model.s_head.cls_out.weight.grad
    assert s_grad is not None and s_grad.abs().sum() > 0
    t_total = sum(float(g.abs().sum()) for g in t_grads if g is not None)
    if detach:
        assert t_total == 0.
    else:
        assert t_total > 0.
