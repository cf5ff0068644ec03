"""EdgeStatsHook: per-stage active shares and mean |alpha|, by hand on set alphas."""
import types

import pytest
import torch
from mmengine.logging import MessageHub

from projects.toponet import EdgeStatsHook

from .conftest import tiny_classifier


def test_stats_match_hand_counts(tmp_path):
    model = tiny_classifier()
    stage = model.backbone.layer2  # 5 edges: in->1, in->out, 0->1, 0->out, 1->out
    vals = torch.tensor([0.5, -0.0005, 0.04, 2.0, -0.3])
    stage.edge_source.edge_alpha.data[stage.edge_mask] = vals
    hub = MessageHub.get_instance('toponet-hook-test')
    runner = types.SimpleNamespace(model=model, message_hub=hub, iter=9, epoch=0,
                                   work_dir=str(tmp_path),
                                   visualizer=types.SimpleNamespace(_vis_backends={}))
    hook = EdgeStatsHook(interval=10, active_threshold=1e-3, rel_threshold=0.1)
    hook.after_train_iter(runner, 9)
    get = lambda k: hub.get_scalar(f'train/edges/backbone.layer2/{k}').current()  # noqa
    assert get('active') == pytest.approx(4 / 5)
    # relative: column of node 1 (in 0.5, node0 0.04): 0.04/0.5 = 0.08 fails;
    # column out (-0.0005, 2.0, -0.3): 0.00025 fails, 0.15 passes
    assert get('rel_active') == pytest.approx(3 / 5)
    assert get('mean_abs_alpha') == pytest.approx(float(vals.abs().mean()))
    hook.after_train_epoch(runner)
    assert (tmp_path / 'topology' / 'epoch_1.json').is_file()


def test_bad_interval_is_rejected():
    with pytest.raises(ValueError, match='interval'):
        EdgeStatsHook(interval=0)
