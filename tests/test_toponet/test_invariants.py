"""The CPU-testable invariants of the TopoNet spec (shared/methods/toponet.md), one per test.

Expected values come from mmpretrain's own modules, from hand-written references of the
spec's formulas, or from invariants; edge weights are distinct so a swapped index shows.
"""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import MobileNetV2, ResNet

from projects.common.graph import GraphStage
from projects.toponet import TopoMobileNetV2, TopoResNet
from tests.test_common.test_graph.conftest import (bottleneck_body_reference, res_blocks,
                                                   residual_chain_reference)

from .conftest import distinct_alphas, randomize_bn


def _x(c=8, size=12, b=2, seed=1):
    return torch.randn(b, c, size, size, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64)


def _stage(num_blocks=4, **source):
    blocks = res_blocks(num_blocks)
    return GraphStage(blocks, node_type='residual',
                      edge_source=dict(type='StaticEdgeSource', **source)).double().eval()


# 1. alpha = 1 with the identity is the residual network -----------------------------------

def test_all_ones_mobilenet_v2_equals_mmpretrain_exactly():
    torch.manual_seed(0)
    base = randomize_bn(MobileNetV2(widen_factor=0.5, out_indices=(7, )))
    topo = TopoMobileNetV2(widen_factor=0.5, out_indices=(7, ))
    base.eval()  # mmpretrain's MobileNetV2.train() returns None
    topo.eval()
    missing, unexpected = topo.load_state_dict(base.state_dict(), strict=False)
    assert not unexpected and all('.edge_source.' in k for k in missing)
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert torch.equal(topo(x)[0], base(x)[0])


def test_all_ones_resnet_stage_equals_residual_chain_reference():
    stage = _stage(4)
    x = _x()
    with torch.no_grad():
        torch.testing.assert_close(stage(x), residual_chain_reference(list(stage), x),
                                   rtol=0, atol=0)


# 2. chain-only alpha is a plain stack without shortcuts ------------------------------------

def _plain_stack(blocks, x):
    y = bottleneck_body_reference(blocks[0], x)
    for b in blocks[1:]:
        y = bottleneck_body_reference(b, F.relu(y))
    return F.relu(y)


def test_chain_only_alpha_equals_plain_stack():
    stage = _stage(4)
    n = stage.num_blocks + 2
    alpha = torch.zeros(n, n, dtype=torch.float64)
    for k in range(1, n - 1):
        alpha[k, k + 1] = 1.0
    stage.edge_source.edge_alpha.data.copy_(alpha)
    x = _x()
    with torch.no_grad():
        torch.testing.assert_close(stage(x), _plain_stack(list(stage), x), rtol=0, atol=0)
        # ... which is not the residual network
        assert not torch.allclose(stage(x), residual_chain_reference(list(stage), x))


def test_chain_topology_runs_only_the_chain():
    topo = randomize_bn(TopoResNet(50, topology='chain', out_indices=(0, ))).double()
    topo.eval()  # mmpretrain's ResNet.train() returns None
    stage = topo.layer1
    assert stage.live_nodes[0] is False  # the in node (projection) has no successor
    x = _x(c=64, size=8)
    with torch.no_grad():
        torch.testing.assert_close(stage(x), _plain_stack(list(stage), x), rtol=0, atol=0)


# 3. a zero edge is a removed edge; masked entries do nothing ------------------------------

@pytest.mark.parametrize('grad', [False, True], ids=['no_grad', 'autograd'])
@pytest.mark.parametrize('edge', [(0, 3), (1, 3), (2, 4), (3, 4)],
                         ids=['in->2', '0->2', '1->out', '2->out'])
def test_zero_edge_equals_removed_edge(edge, grad):
    zeroed = _stage(3)
    alpha = distinct_alphas(zeroed)
    alpha[edge] = 0.0
    zeroed.edge_source.edge_alpha.data.copy_(alpha)
    removed = copy.deepcopy(zeroed)
    mask = removed.edge_mask.clone()
    mask[edge] = False
    removed.set_edge_mask(mask)
    assert edge[1] in removed.preds and edge[0] not in removed.preds[edge[1]]
    x = _x()
    with torch.set_grad_enabled(grad):
        torch.testing.assert_close(zeroed(x), removed(x), rtol=0, atol=0)


def test_masked_entry_never_changes_output_and_gets_zero_gradient():
    stage = _stage(3).train()
    distinct_alphas(stage)
    x = _x()
    torch.manual_seed(0)
    out = stage(x)
    alpha = stage.edge_source.edge_alpha
    alpha.data[3, 2] = 123.0  # lower triangle: no edge
    alpha.data[0, 1] = -7.0  # in -> node 0: no edge
    torch.manual_seed(0)
    out2 = stage(x)
    torch.testing.assert_close(out, out2, rtol=0, atol=0)
    out2.square().sum().backward()
    absent = ~stage.edge_mask
    assert torch.all(alpha.grad[absent] == 0)
    assert torch.all(alpha.grad[stage.edge_mask] != 0)


# 4. the L1 term: value, gradient, subgradient and proximal steps ---------------------------

def test_edge_l1_is_sum_abs_over_learnable_edges_only():
    stage = _stage(3, learn_out_edges=False)
    alpha = distinct_alphas(stage)
    learnable = stage.edge_mask.clone()
    learnable[:, -1] = False  # the out column is fixed
    expected = alpha[learnable].abs().sum()
    l1 = stage.edge_l1()
    torch.testing.assert_close(l1, expected)
    l1.backward()
    grad = stage.edge_source.edge_alpha.grad
    torch.testing.assert_close(grad[learnable], alpha[learnable].sign())
    assert torch.all(grad[~learnable] == 0)


def test_fixed_out_edges_weigh_one_and_get_no_gradient():
    stage = _stage(3, learn_out_edges=False).train()
    distinct_alphas(stage)
    w = stage.edge_source.edge_weights()
    assert torch.all(w[:, -1][stage.edge_mask[:, -1]] == 1.0)
    stage(_x()).sum().backward()
    assert torch.all(stage.edge_source.edge_alpha.grad[:, -1] == 0)


def test_sgd_step_with_zero_task_loss_shrinks_every_abs_alpha():
    from .conftest import tiny_classifier
    model = tiny_classifier()
    stages = model.backbone.graph_stages()
    for i, s in enumerate(stages):
        distinct_alphas(s, seed=i)
    before = [s.edge_source.edge_alpha.detach().clone() for s in stages]
    opt = torch.optim.SGD(model.backbone.edge_parameters(), lr=0.5)
    model.edge_l1_term().backward()  # lambda = 0.01
    opt.step()
    for s, b in zip(stages, before):
        m = s.edge_mask
        after = s.edge_source.edge_alpha.detach()
        torch.testing.assert_close(after[m].abs(), b[m].abs() - 0.5 * 0.01)


def test_proximal_step_gives_exact_zeros_below_lr_lambda():
    stage = _stage(3)
    alpha = torch.zeros_like(stage.edge_source.edge_alpha)
    vals = torch.tensor([0.004, -0.009, 0.02, -0.5, 0.011, 0.0095, 1.3, -0.0001, 0.7],
                        dtype=torch.float64)
    alpha[stage.edge_mask] = vals
    stage.edge_source.edge_alpha.data.copy_(alpha)
    zeros = stage.edge_source.proximal_step(0.01)
    out = stage.edge_source.edge_alpha.detach()[stage.edge_mask]
    expected = torch.where(vals.abs() <= 0.01, torch.zeros_like(vals),
                           vals - 0.01 * vals.sign())
    assert torch.equal(out == 0, vals.abs() <= 0.01)
    torch.testing.assert_close(out, expected)
    assert zeros == int((vals.abs() <= 0.01).sum())


# 5. weight decay excluded from alpha in the built optim wrapper ---------------------------

def test_decay_mult_zero_puts_alpha_in_a_group_without_weight_decay():
    import os.path as osp

    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    from tests.conftest import REPO_ROOT

    from .conftest import tiny_classifier
    cfg = Config.fromfile(osp.join(REPO_ROOT,
                                   'configs/toponet/toponet-resnet18-tiny_1xb64-10e_digits.py'))
    model = tiny_classifier()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    alphas = {id(p) for p in model.backbone.edge_parameters()}
    assert len(alphas) == 4
    seen = 0
    for group in wrapper.optimizer.param_groups:
        ids = {id(p) for p in group['params']}
        if ids & alphas:
            assert ids <= alphas and group['weight_decay'] == 0
            seen += len(ids)
        elif any(p.dim() > 1 for p in group['params']):
            assert group['weight_decay'] == cfg.optim_wrapper.optimizer.weight_decay
    assert seen == 4


# 6. DAG: node count, topological forward order ---------------------------------------------

@pytest.mark.parametrize('depth, blocks', [(18, [2, 2, 2, 2]), (50, [3, 4, 6, 3])])
def test_node_count_per_stage_is_block_count_plus_two(depth, blocks):
    topo = TopoResNet(depth)
    stages = topo.graph_stages()
    assert [s.num_blocks for s in stages] == blocks
    assert [s.edge_mask.shape[0] for s in stages] == [b + 2 for b in blocks]


def test_forward_runs_every_node_after_all_its_predecessors():
    from projects.toponet import stage_edge_mask
    mask = stage_edge_mask('er', 6, True, seed=3, params=dict(p=0.5))
    stage = GraphStage(res_blocks(6), edge_source=dict(type='StaticEdgeSource'),
                       edge_mask=mask).eval()
    order = []
    for k in range(6):
        stage[k].conv1.register_forward_hook(lambda m, i, o, k=k: order.append(k + 1))
    with torch.no_grad():
        stage(_x().float())
    ran = [k for k in range(1, 7) if stage.live_nodes[k]]
    assert sorted(order) == ran and len(order) == len(set(order))
    pos = {k: i for i, k in enumerate(order)}
    for j in order:
        for i in stage.preds.get(j, []):
            if i >= 1:
                assert pos[i] < pos[j], (i, j)


# 7. shapes and state-dict keys -------------------------------------------------------------

@pytest.mark.parametrize('cls, base, kwargs', [
    (TopoResNet, ResNet, dict(depth=18, out_indices=(0, 1, 2, 3))),
    (TopoMobileNetV2, MobileNetV2, dict(widen_factor=0.5, out_indices=(1, 3, 7))),
], ids=['resnet18', 'mobilenet_v2'])
def test_shapes_and_block_keys_equal_mmpretrain(cls, base, kwargs):
    topo, ref = cls(**kwargs), base(**kwargs)
    topo.eval()
    ref.eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert [o.shape for o in topo(x)] == [o.shape for o in ref(x)]
    keys = {k for k in topo.state_dict() if '.edge_source.' not in k}
    assert keys == set(ref.state_dict())
    extra = {k.split('.edge_source.')[1] for k in topo.state_dict() if '.edge_source.' in k}
    assert extra == {'edge_alpha', 'edge_mask', 'learnable_mask'}
