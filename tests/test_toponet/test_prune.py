"""The prune tool: pruned network == unpruned with those edges zeroed; it really skips them."""
import copy

import pytest
import torch

from projects.toponet import relative_strength
from tools.analysis_tools.toponet_prune import active_parameters, prune_model

from .conftest import distinct_alphas, randomize_bn, tiny_classifier


#: edge weights of a 2-block stage, edges (in->1, in->out, 0->1, 0->out, 1->out), i.e. the
#: entries (0,2), (0,3), (1,2), (1,3), (2,3). A: node 1 keeps no strong output (it is removed
#: by both rules at the thresholds used); B: every node stays.
PATTERN_A = [0.05, 1.2, -0.3, -0.9, 0.2]
PATTERN_B = [0.8, 0.4, -0.1, -1.1, 0.9]


def _model(seed=0):
    torch.manual_seed(seed)
    model = tiny_classifier()
    randomize_bn(model, seed)
    for i, s in enumerate(model.backbone.graph_stages()):
        vals = torch.tensor(PATTERN_A if i % 2 == 0 else PATTERN_B) * (1 + 0.1 * i)
        s.edge_source.edge_alpha.data[s.edge_mask] = vals
    model.double()
    model.eval()
    return model


def _x():
    return torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(5),
                       dtype=torch.float64)


@pytest.mark.parametrize('rule, tau', [('absolute', 0.6), ('relative', 0.5)])
def test_pruned_output_equals_unpruned_with_removed_edges_zeroed(rule, tau):
    model = _model()
    zeroed = copy.deepcopy(model)
    before = [s.edge_mask.clone() for s in model.backbone.graph_stages()]
    records = prune_model(model, tau, rule)
    removed_any = False
    for s, z, mask in zip(model.backbone.graph_stages(), zeroed.backbone.graph_stages(), before):
        removed = mask & ~s.edge_mask
        removed_any |= bool(removed.any())
        z.edge_source.edge_alpha.data[removed] = 0.0  # the unpruned net, those edges zeroed
    assert removed_any and any(r['removed_nodes'] for r in records)
    with torch.no_grad():
        torch.testing.assert_close(model(_x(), mode='tensor'), zeroed(_x(), mode='tensor'),
                                   rtol=0, atol=0)


def test_rules_keep_exactly_the_hand_selected_edges():
    model = _model()
    stage = model.backbone.layer3
    w = stage.edge_source.edge_weights().detach()
    mask = stage.edge_mask.clone()
    # hand: absolute keeps |w| > 0.6; relative keeps |w_ij| / max_i |w_ij| > 0.5
    a = copy.deepcopy(model)
    prune_model(a, 0.6, 'absolute')
    keep_abs = mask & (w.abs() > 0.6)
    r = copy.deepcopy(model)
    prune_model(r, 0.5, 'relative')
    col_max = (w.abs() * mask).max(dim=0).values
    keep_rel = mask & (w.abs() / col_max.clamp_min(1e-30) > 0.5)
    from projects.common.graph import live_nodes
    for pruned, keep in ((a, keep_abs), (r, keep_rel)):
        live = torch.tensor(live_nodes(keep, True))
        expected = keep & live[:, None] & live[None, :]
        assert torch.equal(pruned.backbone.layer3.edge_mask, expected)
    torch.testing.assert_close(relative_strength(w, mask)[mask],
                               (w.abs() / col_max)[mask])


def test_relative_rule_is_invariant_to_scaling_a_nodes_inputs():
    a, b = _model(), _model()
    alpha = b.backbone.layer2.edge_source.edge_alpha.data
    alpha[:, 3] *= 0.01  # a node's inputs shrunk together (the L1 drift)
    prune_model(a, 0.5, 'relative')
    prune_model(b, 0.5, 'relative')
    assert torch.equal(a.backbone.layer2.edge_mask, b.backbone.layer2.edge_mask)


def test_pruned_stage_does_not_run_removed_nodes():
    model = _model()
    records = prune_model(model, 0.6, 'absolute')
    assert [r['removed_nodes'] for r in records] == [[1], [], [1], []]
    calls = []
    for name in ('layer1', 'layer2'):
        stage = getattr(model.backbone, name)
        for k in range(stage.num_blocks):
            stage[k].conv1.register_forward_hook(lambda m, i, o, n=name, k=k: calls.append((n, k)))
    with torch.no_grad():
        model(_x(), mode='tensor')
    assert calls == [('layer1', 0), ('layer2', 0), ('layer2', 1)]


def test_removing_node_blocks_lowers_active_parameters_by_their_size():
    model = _model()
    full = active_parameters(model)
    stage = model.backbone.layer4
    n = stage.edge_mask.shape[0]
    keep = torch.zeros(n, n, dtype=torch.bool)
    keep[0, -1] = True  # only in -> out: both blocks removed, the projection stays
    stage.set_edge_mask(keep)
    blocks = sum(p.numel() for k in range(stage.num_blocks) for p in stage[k].parameters())
    proj = sum(p.numel() for p in stage[0].downsample.parameters())
    assert active_parameters(model) == full - blocks + proj


def test_threshold_that_cuts_the_output_is_an_error():
    with pytest.raises(ValueError, match='leaves the stage output without an input'):
        prune_model(_model(), 10.0, 'absolute')
    with pytest.raises(ValueError, match='rule must be one of'):
        prune_model(_model(), 0.1, 'percentile')
