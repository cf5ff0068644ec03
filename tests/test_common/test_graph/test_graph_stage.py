"""GraphStage invariants (DG-Net spec, CPU-testable invariants 1-6)."""
import pytest
import torch
import torch.nn as nn

from projects.common.graph import GraphStage, complete_dag_mask

from .conftest import (inverted_blocks, res_blocks, res_stage,
                       residual_chain_reference)


def _x(b=2, seed=1):
    return torch.randn(b, 8, 12, 12, generator=torch.Generator().manual_seed(seed))


def test_mask_is_complete_dag_without_in_to_node0():
    m = complete_dag_mask(3, has_in_node=True)
    expected = torch.tensor([[0, 0, 1, 1, 1],
                             [0, 0, 1, 1, 1],
                             [0, 0, 0, 1, 1],
                             [0, 0, 0, 0, 1],
                             [0, 0, 0, 0, 0]], dtype=torch.bool)
    assert torch.equal(m, expected)
    assert not complete_dag_mask(3, has_in_node=False)[0].any()


def test_all_ones_equals_residual_chain_reference():
    stage = res_stage(4, force_edge_weight=1.0)
    x = _x()
    with torch.no_grad():
        torch.testing.assert_close(stage(x), residual_chain_reference(list(stage), x),
                                   rtol=0, atol=0)


def test_all_ones_inverted_residual_equals_mmpretrain_group_bit_for_bit():
    blocks = inverted_blocks(3)
    group = nn.Sequential(*blocks).eval()
    stage = GraphStage(blocks, node_type='inverted_residual', force_edge_weight=1.0).eval()
    x = _x()
    with torch.no_grad():
        assert torch.equal(stage(x), group(x))


def test_constant_router_equals_static_weights():
    c = 0.37
    x = _x()
    forced = res_stage(3, force_edge_weight=c)
    static = GraphStage(list(forced), node_type='residual',
                        edge_source=dict(type='StaticEdgeSource', init_value=c,
                                         learnable=False)).eval()
    with torch.no_grad():
        assert torch.equal(forced(x), static(x))


def test_pruned_static_edges_equal_zero_weight_edges():
    tau = 0.5
    x = _x()
    stage = res_stage(3, edge_source=dict(type='StaticEdgeSource'), edge_threshold=tau)
    alpha = torch.rand(5, 5, generator=torch.Generator().manual_seed(3)) * stage.edge_mask
    stage.edge_source.edge_alpha.data.copy_(alpha)
    zeroed = GraphStage(list(stage), edge_source=dict(type='StaticEdgeSource'),
                        edge_threshold=-1.0).eval()
    zeroed.edge_source.edge_alpha.data.copy_(alpha * (alpha > tau))
    with torch.no_grad():
        assert torch.equal(stage(x), zeroed(x))
    assert torch.equal(stage.last_adjacency[0], alpha * (alpha > tau))


def _spread_routers(stage, std=2.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    for r in stage.edge_source.routers:
        r.fc.weight.data.normal_(0, std, generator=g)
        r.fc.bias.data.normal_(0, 1.0, generator=g)


def test_pruned_router_edges_get_no_gradient():
    tau = 0.5
    stage = res_stage(3, edge_threshold=tau)
    _spread_routers(stage)
    rows = []
    src = stage.edge_source
    orig = src.row_weights

    def capture(row, y, x):
        w = orig(row, y, x)
        w.retain_grad()
        rows.append((row, w))
        return w

    src.row_weights = capture
    stage(_x(b=4)).square().sum().backward()
    pruned = kept = 0
    for _, w in rows:
        below = w.detach() <= tau
        assert torch.all(w.grad[below] == 0)
        pruned += int(below.sum())
        kept += int((w.grad[~below] != 0).sum())
    assert pruned > 0 and kept > 0


def test_threshold_above_every_weight_zeroes_node_inputs():
    stage = res_stage(3, edge_threshold=1.0)
    seen = []
    stage[1].conv1.register_forward_pre_hook(lambda m, inp: seen.append(inp[0]))
    with torch.no_grad():
        out = stage(_x())
    assert torch.count_nonzero(seen[0]) == 0
    assert torch.count_nonzero(out) == 0
    assert torch.count_nonzero(stage.last_adjacency) == 0


def test_keep_top1_if_empty_keeps_exactly_the_strongest_in_edge():
    stage = res_stage(3, edge_threshold=1.0, keep_top1_if_empty=True)
    _spread_routers(stage)
    with torch.no_grad():
        stage(_x(b=3))
    adj = stage.last_adjacency
    for col in range(2, 5):
        assert torch.all((adj[:, :, col] > 0).sum(dim=1) == 1)


def test_adjacency_shape_triangular_range_and_row_sums():
    stage = res_stage(4)
    _spread_routers(stage)
    with torch.no_grad():
        stage(_x(b=3))
    adj = stage.last_adjacency
    assert adj.shape == (3, 6, 6)
    assert torch.count_nonzero(torch.tril(adj)) == 0
    assert adj.min() >= 0 and adj.max() < 1
    d = stage.edge_mask.sum(dim=1)
    assert torch.all(adj.sum(dim=2) <= d)
    assert not adj.requires_grad


def test_per_sample_independence_in_eval():
    stage = res_stage(3)
    _spread_routers(stage)
    x = _x(b=3)
    with torch.no_grad():
        batched = stage(x)
        adj = stage.last_adjacency
        singles = torch.cat([stage(x[i:i + 1]) for i in range(3)])
    torch.testing.assert_close(batched, singles, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(adj[0], adj[1])


def test_router_init_is_near_half():
    stage = res_stage(3)
    with torch.no_grad():
        stage(_x())
    adj = stage.last_adjacency[:, stage.edge_mask]
    assert torch.all((adj - 0.5).abs() < 0.05)


def test_gradients_reach_every_router():
    stage = res_stage(3)
    stage.train()
    stage(_x(b=4)).square().mean().backward()
    for r in stage.edge_source.routers:
        assert r.fc.weight.grad is not None and r.fc.weight.grad.abs().sum() > 0


def test_aggregate_impls_give_same_stage_output():
    x = _x()
    ref = res_stage(3)
    _spread_routers(ref)
    out = ref(x)  # with autograd: the impls differ only there
    for impl in ('loop', 'stack'):
        other = GraphStage(list(ref), aggregate_impl=impl).eval()
        other.edge_source.load_state_dict(ref.edge_source.state_dict())
        torch.testing.assert_close(other(x), out)


@pytest.mark.parametrize('tau', [0.0, 0.45, -1.0])
@pytest.mark.parametrize('kind', ['residual', 'inverted_residual'])
def test_no_grad_push_path_equals_autograd_path_bit_for_bit(kind, tau):
    # the no-grad path pushes each output into every successor at once; the autograd path
    # pulls column by column: same sums in the same order, so equal to the last bit
    if kind == 'residual':
        stage = res_stage(4, edge_threshold=tau)
    else:
        stage = GraphStage(inverted_blocks(4), node_type=kind, edge_threshold=tau).eval()
    _spread_routers(stage)
    x = _x(b=3)
    out = stage(x)
    adj = stage.last_adjacency.clone()
    edges = adj[:, stage.edge_mask]
    if tau > 0:  # the threshold really removes some edges and keeps others
        assert bool((edges == 0).any()) and bool((edges != 0).any())
    with torch.no_grad():
        lean = stage(x)
    assert torch.equal(lean, out.detach())
    assert torch.equal(stage.last_adjacency, adj)


@pytest.mark.parametrize('kwargs, match', [
    (dict(node_type='dense'), 'node_type'),
    (dict(aggregate_impl='fast'), 'aggregate_impl'),
    (dict(edge_source=dict(type='RouterEdgeSource', gate='relu')), 'gate'),
    (dict(edge_source=dict(type='RouterEdgeSource', router_input='x')), 'router_input'),
    (dict(edge_source=dict(type='StaticEdgeSource', edge_act='tanh')), 'edge_act'),
])
def test_bad_arguments_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GraphStage(res_blocks(2), **kwargs)
