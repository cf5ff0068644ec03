"""TopoRandWire: RandWire-style triplet stages on networkx graphs, as a learned search space."""
import networkx as nx
import torch
import torch.nn.functional as F

from projects.toponet import TopoRandWire, TripletNode

from .conftest import distinct_alphas, randomize_bn


def test_stage_graph_is_the_ws_graph_with_node0_feeding_sources():
    net = TopoRandWire(channels=8, num_nodes=6, topology='ws', topology_cfg=dict(seed=3))
    g = nx.watts_strogatz_graph(6, 4, 0.75, seed=3)  # RandWire's WS(4, 0.75), stage 1: seed 3
    mask = net.stage1.edge_mask
    for u, v in g.edges():
        assert mask[min(u, v) + 1, max(u, v) + 1]
    assert not mask[0].any()  # no in node
    for j in range(2, 7):
        assert mask[:j, j].any()


def test_triplet_is_relu_sepconv_bn():
    node = TripletNode(4, 6, stride=2)
    randomize_bn(node)
    node.eval()
    x = torch.randn(2, 4, 8, 8)
    ref = F.relu(x)
    ref = F.conv2d(ref, node.depthwise.weight, stride=2, padding=1, groups=4)
    ref = F.conv2d(ref, node.pointwise.weight)
    ref = F.batch_norm(ref, node.bn.running_mean, node.bn.running_var, node.bn.weight,
                       node.bn.bias, False, 0.0, node.bn.eps)
    torch.testing.assert_close(node(x), ref)


def test_stage_sums_weighted_node_outputs_by_hand():
    net = TopoRandWire(regime='regular', channels=8, num_nodes=8, topology='er',
                       topology_cfg=dict(p=0.5, seed=1), out_indices=(0, ))
    randomize_bn(net)
    net.eval()
    stage = net.stage1
    alpha = distinct_alphas(stage).float()
    x = torch.randn(2, 4, 16, 16)  # the stem's output: C/2 channels
    with torch.no_grad():
        out = stage(x)
        ys = {1: stage[0](x)}
        n = stage.num_blocks
        for j in range(2, n + 2):
            if not stage.live_nodes[j]:
                continue
            xj = sum(alpha[i, j] * ys[i] for i in range(1, j)
                     if stage.edge_mask[i, j] and stage.live_nodes[i])
            if j == n + 1:
                ref = xj
            else:
                ys[j] = stage[j - 1](xj)
    torch.testing.assert_close(out, ref)


def test_small_and_regular_regimes_shapes_and_l1():
    for regime, stages in (('small', 3), ('regular', 4)):
        net = TopoRandWire(regime=regime, channels=8, num_nodes=4,
                           out_indices=tuple(range(stages + 1)))
        outs = net(torch.rand(2, 3, 64, 64))
        widths = [8 * 2 ** i for i in range(stages)] + [1280]
        assert [o.shape[1] for o in outs] == widths
        assert outs[-1].shape[-1] == 64 // 32  # both regimes downsample by 32
        assert float(net.edge_l1()) == sum(int(s.edge_mask.sum()) for s in net.graph_stages())
