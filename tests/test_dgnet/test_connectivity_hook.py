"""ConnectivityStatsHook logs the active-edge share and mean kept weight of every graph stage."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub

from projects.dgnet import ConnectivityStatsHook, DGResNet


def _runner(model, it):
    hub = MessageHub.get_instance('test_connectivity_hook')
    return SimpleNamespace(model=model, message_hub=hub, iter=it)


def test_logs_share_of_kept_edges_and_their_mean():
    model = DGResNet(18, num_stages=1, strides=(1, ), dilations=(1, ), out_indices=(0, ),
                     edge_threshold=0.5)
    stage = model.layer1
    # router of row r emits constant weights: in -> 0.9, node0 -> 0.2, node1 -> 0.7
    for router, b in zip(stage.edge_source.routers, (2.2, -1.4, 0.85)):
        router.fc.weight.data.zero_()
        router.fc.bias.data.fill_(b)
    model(torch.rand(2, 3, 16, 16))
    hook = ConnectivityStatsHook(interval=1)
    runner = _runner(model, 0)
    hook.after_train_iter(runner, 0)
    # edges: in->1, in->out, 0->1, 0->out, 1->out; kept (w > 0.5): in->1, in->out, 1->out
    active = runner.message_hub.get_scalar('train/graph/layer1/active').current()
    mean_w = runner.message_hub.get_scalar('train/graph/layer1/mean_weight').current()
    assert active == pytest.approx(3 / 5)
    w_in, w_1 = torch.sigmoid(torch.tensor(2.2)), torch.sigmoid(torch.tensor(0.85))
    assert mean_w == pytest.approx(float((2 * w_in + w_1) / 3), rel=1e-6)


def test_interval_is_validated():
    with pytest.raises(ValueError, match='interval'):
        ConnectivityStatsHook(interval=0)


def test_counts_signed_edges_by_magnitude_like_the_threshold():
    # TopoNet-style signed static weights: a strong negative edge is kept (|w| > tau)
    model = DGResNet(18, num_stages=1, strides=(1, ), dilations=(1, ), out_indices=(0, ),
                     edge_threshold=0.5, edge_source=dict(type='StaticEdgeSource'))
    stage = model.layer1
    alpha = torch.zeros(4, 4)
    # edges: in->1, in->out, 0->1, 0->out, 1->out
    alpha[0, 2], alpha[0, 3], alpha[1, 2], alpha[1, 3], alpha[2, 3] = -0.9, 0.3, 0.8, -0.5, -0.6
    stage.edge_source.edge_alpha.data.copy_(alpha)
    model(torch.rand(2, 3, 16, 16))
    runner = _runner(model, 0)
    ConnectivityStatsHook(interval=1).after_train_iter(runner, 0)
    active = runner.message_hub.get_scalar('train/graph/layer1/active').current()
    mean_w = runner.message_hub.get_scalar('train/graph/layer1/mean_weight').current()
    assert active == pytest.approx(3 / 5)  # -0.9, 0.8, -0.6 kept; 0.3 and -0.5 (= tau) not
    assert mean_w == pytest.approx((-0.9 + 0.8 - 0.6) / 3, rel=1e-6)
