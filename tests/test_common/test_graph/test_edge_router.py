"""EdgeRouter and the two edge sources: the switches of the spec's unverified choices."""
import pytest
import torch

from projects.common.graph import (EdgeRouter, GraphStage, RouterEdgeSource,
                                   StaticEdgeSource, complete_dag_mask)

from .conftest import res_blocks


def test_router_is_sigmoid_of_fc_of_global_pool():
    r = EdgeRouter(4, 3)
    r.fc.weight.data = torch.arange(12.).reshape(3, 4) / 10
    r.fc.bias.data = torch.tensor([0., 1., -1.])
    x = torch.rand(2, 4, 5, 5)
    expected = torch.sigmoid(x.mean((2, 3)) @ r.fc.weight.T + r.fc.bias)
    torch.testing.assert_close(r(x), expected)


def test_softmax_gate_sums_to_one_per_sample():
    r = EdgeRouter(4, 3, gate='softmax', init_std=1.0)
    w = r(torch.rand(5, 4, 3, 3))
    torch.testing.assert_close(w.sum(1), torch.ones(5))


def test_hidden_ratio_adds_a_relu_layer_and_counts_macs():
    r = EdgeRouter(64, 3, hidden_ratio=4)
    assert r.macs() == 64 * 16 + 16 * 3
    assert EdgeRouter(64, 3).macs() == 64 * 3


def test_detach_input_stops_router_gradient_into_the_feature():
    x = torch.rand(2, 4, 3, 3, requires_grad=True)
    EdgeRouter(4, 2, detach_input=True)(x).sum().backward()
    assert x.grad is None
    EdgeRouter(4, 2)(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_one_router_per_row_with_successors_sized_by_out_degree():
    mask = complete_dag_mask(3, has_in_node=True)
    src = RouterEdgeSource(mask, node_channels=[16] * 5, stage_in_channels=8)
    # rows in, 0, 1, 2 have successors (3, 3, 2, 1 edges); out has none
    assert [r.fc.out_features for r in src.routers] == [3, 3, 2, 1]
    assert src.router_of_row[-1] == -1


def test_stage_input_routers_read_the_stage_input():
    stage = GraphStage(res_blocks(3), edge_source=dict(type='RouterEdgeSource',
                                                       router_input='stage_input'))
    assert all(r.fc.in_features == 8 for r in stage.edge_source.routers)
    stage.eval()
    with torch.no_grad():
        stage(torch.rand(2, 8, 12, 12))
    assert stage.last_adjacency.shape == (2, 5, 5)


def test_static_source_learns_one_weight_per_edge_shared_by_samples():
    mask = complete_dag_mask(2, has_in_node=True)
    src = StaticEdgeSource(mask, init_value=0.5)
    assert src.edge_alpha.requires_grad
    w = src.row_weights(0, torch.rand(3, 4, 2, 2), None)
    assert w.shape == (3, 2) and torch.all(w == 0.5)
    sig = StaticEdgeSource(mask, init_value=0.0, edge_act='sigmoid', learnable=False)
    assert 'edge_alpha' in dict(sig.named_buffers())
    torch.testing.assert_close(sig.edge_weights(), 0.5 * mask.float())


def test_edge_mask_must_be_a_forward_dag():
    with pytest.raises(ValueError, match='upper triangular'):
        StaticEdgeSource(torch.ones(3, 3, dtype=torch.bool))
