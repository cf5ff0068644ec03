"""GraphStage against a hand-written stage with distinct per-edge, per-sample weights.

Every expected value here is computed by hand from the spec (``x_j = sum_i w_ij * y_i``,
``r_i = sigmoid(FC(GAP(y_i)))``, keep iff ``w > tau`` or ``|w| > tau`` for signed weights),
never by the stage itself, and the weights are distinct so that a swapped index shows.
"""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones.resnet import Bottleneck, ResLayer

from projects.common.graph import GraphStage, block_body

from .conftest import bottleneck_body_reference, res_blocks, res_stage


def _x(b=3, seed=1, dtype=torch.float64):
    return torch.randn(b, 8, 12, 12, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _spread_routers(stage, std=2.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    for r in stage.edge_source.routers:
        r.fc.weight.data.normal_(0, std, generator=g)
        r.fc.bias.data.normal_(0, 1.0, generator=g)


def _successors(i, n):
    """Successors of node i in the order (in, 0..n-1, out): every j > i but in -> node 0."""
    return [j for j in range(i + 1, n + 2) if not (i == 0 and j == 1)]


def _hand_router(stage, i, y):
    fc = stage.edge_source.routers[i].fc  # row i has successors, so it owns router i
    return torch.sigmoid(y.mean(dim=(2, 3)) @ fc.weight.T + fc.bias)


def _hand_static(alpha):
    return lambda i, y: alpha[i, _successors(i, alpha.shape[0] - 2)].expand(y.shape[0], -1)


def reference_stage(stage, x, weight_fn, tau=None, magnitude=False):
    """The spec's stage written out: returns (output, adjacency used)."""
    blocks = list(stage)
    n = len(blocks)
    ys = {0: blocks[0].downsample(x) if blocks[0].downsample is not None else x,
          1: bottleneck_body_reference(blocks[0], x)}
    adj = torch.zeros(x.shape[0], n + 2, n + 2, dtype=x.dtype)

    def fill(i):
        w = weight_fn(i, ys[i])
        for k, j in enumerate(_successors(i, n)):
            adj[:, i, j] = w[:, k]

    fill(0)
    fill(1)
    for j in range(2, n + 2):
        if tau is not None:
            strength = adj[:, :j, j].abs() if magnitude else adj[:, :j, j]
            adj[:, :j, j] = adj[:, :j, j] * (strength > tau)
        x_j = sum(adj[:, i, j].reshape(-1, 1, 1, 1) * ys[i] for i in range(j))
        if j == n + 1:
            return F.relu(x_j), adj
        ys[j] = bottleneck_body_reference(blocks[j - 1], F.relu(x_j))
        fill(j)


@pytest.mark.parametrize('grad', [False, True], ids=['no_grad', 'autograd'])
def test_distinct_router_weights_match_hand_reference(grad):
    stage = res_stage(4).double()
    _spread_routers(stage)
    x = _x()
    with torch.set_grad_enabled(grad):
        out = stage(x)
    with torch.no_grad():
        ref, adj = reference_stage(stage, x, lambda i, y: _hand_router(stage, i, y))
    # the weights really are distinct per edge and per sample
    col = adj[:, :5, 5]
    assert len(torch.unique(col)) == col.numel()
    torch.testing.assert_close(stage.last_adjacency, adj)
    torch.testing.assert_close(out.detach(), ref)


@pytest.mark.parametrize('grad', [False, True], ids=['no_grad', 'autograd'])
def test_signed_static_weights_and_magnitude_threshold_match_hand_reference(grad):
    tau = 0.3
    stage = res_stage(4, edge_source=dict(type='StaticEdgeSource'), edge_threshold=tau).double()
    g = torch.Generator().manual_seed(5)
    alpha = ((torch.rand(6, 6, generator=g, dtype=torch.float64) * 2 - 1) * stage.edge_mask)
    alpha[1, 5] = -0.9  # a strong negative edge: kept by |w| > tau
    alpha[2, 5] = 0.1   # a weak positive one: dropped
    stage.edge_source.edge_alpha.data.copy_(alpha)
    x = _x()
    with torch.set_grad_enabled(grad):
        out = stage(x)
    with torch.no_grad():
        ref, adj = reference_stage(stage, x, _hand_static(alpha), tau=tau, magnitude=True)
    assert stage.threshold_rule == 'magnitude'
    assert torch.all(adj[:, 1, 5] == -0.9) and torch.all(adj[:, 2, 5] == 0)
    torch.testing.assert_close(stage.last_adjacency, adj)
    torch.testing.assert_close(out.detach(), ref)


def test_threshold_is_strict_and_on_magnitude_for_signed_edges():
    stage = res_stage(3, edge_source=dict(type='StaticEdgeSource', learnable=False),
                      edge_threshold=0.5)
    alpha = torch.zeros(5, 5)
    alpha[0, 2:] = torch.tensor([0.5, -0.5, 0.75])   # equal to tau: dropped (w > tau)
    alpha[1, 2:] = torch.tensor([-0.75, 0.25, -0.5])
    alpha[2, 3:] = torch.tensor([0.6, -0.6])
    alpha[3, 4] = 0.9
    stage.edge_source.edge_alpha.copy_(alpha)
    with torch.no_grad():
        stage(_x(dtype=torch.float32))
    expected = alpha * (alpha.abs() > 0.5)
    assert torch.equal(stage.last_adjacency[0], expected)
    assert torch.equal(stage.kept_edges()[0], expected != 0)


def test_unsigned_sources_threshold_the_value():
    stage = res_stage(3, edge_source=dict(type='StaticEdgeSource', edge_act='sigmoid',
                                          learnable=False), edge_threshold=0.5)
    assert stage.threshold_rule == 'value'
    stage2 = res_stage(3)
    assert stage2.threshold_rule == 'value' and not stage2.edge_source.signed


def _capture_rows(stage):
    rows = {}
    orig = stage.edge_source.row_weights

    def capture(row, y, x):
        w = orig(row, y, x)
        rows[row] = w.detach().clone()
        return w

    stage.edge_source.row_weights = capture
    return rows


@pytest.mark.parametrize('grad', [False, True], ids=['no_grad', 'autograd'])
def test_keep_top1_if_empty_keeps_the_largest_weight(grad):
    stage = res_stage(4, edge_threshold=1.0, keep_top1_if_empty=True)
    _spread_routers(stage, seed=3)
    rows = _capture_rows(stage)
    with torch.set_grad_enabled(grad):
        stage(_x(b=4, dtype=torch.float32))
    adj = stage.last_adjacency
    n = 4
    for col in range(2, n + 2):
        raw = torch.stack([rows[i][:, _successors(i, n).index(col)] for i in range(col)], 1)
        assert len(torch.unique(raw)) == raw.numel()  # distinct: argmax vs argmin shows
        expected = torch.zeros_like(raw)
        best = raw.argmax(dim=1)
        expected[torch.arange(raw.shape[0]), best] = raw[torch.arange(raw.shape[0]), best]
        assert torch.equal(adj[:, :col, col], expected), col


def test_keep_top1_for_signed_edges_keeps_the_largest_magnitude():
    stage = res_stage(3, edge_source=dict(type='StaticEdgeSource', learnable=False),
                      edge_threshold=5.0, keep_top1_if_empty=True)
    alpha = torch.zeros(5, 5)
    alpha[:4, 4] = torch.tensor([0.4, -0.9, 0.7, 0.2])  # column out: strongest is -0.9
    alpha[:3, 3] = torch.tensor([-0.3, 0.5, 0.1])       # column 3: strongest is 0.5
    alpha[:2, 2] = torch.tensor([-0.6, -0.2])            # column 2: strongest is -0.6
    stage.edge_source.edge_alpha.copy_(alpha)
    with torch.no_grad():
        stage(_x(dtype=torch.float32))
    expected = torch.zeros(5, 5)
    expected[1, 4], expected[1, 3], expected[0, 2] = -0.9, 0.5, -0.6
    assert torch.equal(stage.last_adjacency[0], expected)


def _node_outputs(stage):
    """Hooks that record y_in (the projection) and every node body's output (bn3)."""
    seen = {}
    stage[0].downsample.register_forward_hook(lambda m, i, o: seen.__setitem__(0, o))
    for k in range(len(stage)):
        stage[k].norm3.register_forward_hook(
            lambda m, i, o, k=k: seen.__setitem__(k + 1, o))
    return seen


def test_router_reads_the_node_output_not_its_input():
    stage = res_stage(3)
    _spread_routers(stage)
    outputs = _node_outputs(stage)
    router_inputs = {}
    for k, r in enumerate(stage.edge_source.routers):
        r.register_forward_pre_hook(lambda m, i, k=k: router_inputs.__setitem__(k, i[0]))
    with torch.no_grad():
        stage(_x(dtype=torch.float32))
    assert sorted(router_inputs) == [0, 1, 2, 3]
    for row, feat in router_inputs.items():
        assert torch.equal(feat, outputs[row]), row


def test_router_gradient_reaches_the_node_body_through_gap():
    # node 1 is row 2; its router's path adds (dL/dw * w(1-w)) @ W_fc / HW to dL/dy at
    # every pixel. Only that router is toggled, so the difference is exactly that term.
    stage = res_stage(3).double()
    _spread_routers(stage)
    stage.train()
    router = stage.edge_source.routers[2]
    x = _x(b=2)
    results = []
    for detach in (False, True):
        router.detach_input = detach
        grabbed = {}

        def keep_y(m, i, o):
            o.retain_grad()
            grabbed['y'] = o

        h = stage[1].norm3.register_forward_hook(keep_y)
        rows = {}
        orig = stage.edge_source.row_weights

        def capture(row, y, x_, orig=orig):
            w = orig(row, y, x_)
            w.retain_grad()
            rows[row] = w
            return w

        stage.edge_source.row_weights = capture
        torch.manual_seed(0)
        stage(x).pow(2).mean().backward()
        h.remove()
        del stage.edge_source.row_weights
        results.append((grabbed['y'].grad.clone(), rows[2].grad.clone(), rows[2].detach()))
        stage.zero_grad()
    (g_on, dw, w), (g_off, dw_off, _) = results
    torch.testing.assert_close(dw, dw_off)
    hw = g_on.shape[2] * g_on.shape[3]
    router_term = ((dw * w * (1 - w)) @ router.fc.weight) / hw
    assert router_term.abs().max() > 0
    torch.testing.assert_close(g_on - g_off, router_term[:, :, None, None].expand_as(g_on))
    assert router.detach_input is True
    router.detach_input = False


def test_with_cp_recomputes_node_bodies_with_equal_gradients():
    torch.manual_seed(0)
    plain_blocks = res_blocks(3)
    cp_blocks = copy.deepcopy(plain_blocks)
    for b in cp_blocks:
        b.with_cp = True
    plain, cped = (GraphStage(bl) for bl in (plain_blocks, cp_blocks))
    cped.edge_source.load_state_dict(plain.edge_source.state_dict())
    _spread_routers(plain)
    cped.edge_source.load_state_dict(plain.edge_source.state_dict())
    calls = []
    for b in cp_blocks:
        b.conv2.register_forward_hook(lambda m, i, o: calls.append(1))
    grads = []
    for stage in (plain, cped):
        stage.train()
        x = _x(b=2, dtype=torch.float32).requires_grad_()
        stage(x).square().mean().backward()
        grads.append([x.grad] + [p.grad for p in stage.parameters()])
    assert len(calls) == 2 * 3  # every body ran again in backward
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b)


def test_drop_path_drops_whole_node_outputs_per_sample():
    torch.manual_seed(0)
    block = list(ResLayer(Bottleneck, 1, 8, 16, stride=1, drop_path_rate=0.5))[0]
    block.train()
    x = torch.randn(16, 8, 6, 6)
    ref = bottleneck_body_reference(block, x)  # train-mode BN: same batch, same statistics
    torch.manual_seed(3)
    out = block_body(block)(x)
    dropped = out.flatten(1).abs().sum(1) == 0
    assert 0 < int(dropped.sum()) < 16
    torch.testing.assert_close(out[~dropped], ref[~dropped] / 0.5)
    block.eval()
    with torch.no_grad():
        torch.testing.assert_close(block_body(block)(x), bottleneck_body_reference(block, x))


def test_edge_mask_has_one_owner():
    stage = res_stage(3)
    assert stage.edge_mask is stage.edge_source.edge_mask
    masks = [n for n, _ in stage.named_buffers() if n.endswith('edge_mask')]
    assert masks == ['edge_source.edge_mask']
    assert not any('edge_mask' in k for k in stage.state_dict())
    stage.to('meta')
    assert stage.edge_mask.device.type == 'meta'


def test_body_that_returns_its_input_keeps_it():
    # the no-grad path reuses one buffer for node inputs; a node body that hands back its
    # input (block 1 below: every layer an identity, so its body is the in-place ReLU of its
    # input) must not see that buffer overwritten by the next node's aggregation
    c = 0.7
    stage = res_stage(3, force_edge_weight=c)
    block = stage[1]
    for name in ('conv1', 'conv2', 'conv3', block.norm1_name, block.norm2_name,
                 block.norm3_name):
        setattr(block, name, torch.nn.Identity())
    x = _x(dtype=torch.float32)
    with torch.no_grad():
        out = stage(x)
        ref, _ = reference_stage(stage, x, lambda i, y: torch.full(
            (y.shape[0], len(_successors(i, 3))), c))
    torch.testing.assert_close(out, ref)
