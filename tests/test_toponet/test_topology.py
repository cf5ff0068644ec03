"""Settable, saved topologies; random graphs from networkx; nodes without inputs or outputs."""
import copy

import networkx as nx
import pytest
import torch

from projects.common.graph import GraphStage, complete_dag_mask
from projects.toponet import TopoResNet, stage_edge_mask
from tests.test_common.test_graph.conftest import res_blocks

from .conftest import distinct_alphas, randomize_bn


def _x(b=2):
    return torch.randn(b, 8, 12, 12, generator=torch.Generator().manual_seed(1),
                       dtype=torch.float64)


def _stage(n=4, mask=None):
    return GraphStage(res_blocks(n), edge_source=dict(type='StaticEdgeSource'),
                      edge_mask=mask).double().eval()


def test_topology_is_saved_and_restored_with_its_predecessor_lists():
    pruned = _stage(4)
    distinct_alphas(pruned)
    mask = pruned.edge_mask.clone()
    mask[0, 3] = mask[2, 4] = mask[1, 5] = False
    pruned.set_edge_mask(mask)
    sd = pruned.state_dict()
    assert torch.equal(sd['edge_source.edge_mask'], mask)
    fresh = _stage(4)
    assert fresh.preds[4] == [0, 1, 2, 3]
    fresh.load_state_dict(sd)
    assert torch.equal(fresh.edge_mask, mask)
    assert fresh.preds[4] == [0, 1, 3] and fresh.preds[3] == [1, 2]
    x = _x()
    with torch.no_grad():
        torch.testing.assert_close(fresh(x), pruned(x), rtol=0, atol=0)


def test_mmengine_checkpoint_loader_sets_the_topology_too():
    from mmengine.runner.checkpoint import load_state_dict
    src = _stage(3)
    mask = src.edge_mask.clone()
    mask[0, 4] = False
    src.set_edge_mask(mask)
    dst = _stage(3)
    load_state_dict(dst, src.state_dict())
    x = _x()
    with torch.no_grad():  # the first forward after loading picks up the new topology
        torch.testing.assert_close(dst(x), src(x), rtol=0, atol=0)
    assert dst.preds[4] == [1, 2, 3]


def test_router_topology_is_fixed_and_not_saved():
    stage = GraphStage(res_blocks(3)).eval()  # DG-Net routers
    assert 'edge_source.edge_mask' not in stage.state_dict()
    mask = stage.edge_mask.clone()
    mask[0, 4] = False
    with pytest.raises(ValueError, match='fixed topology'):
        stage.set_edge_mask(mask)
    assert stage.edge_mask[0, 4]  # unchanged


@pytest.mark.parametrize('edit, match', [
    (lambda m: m[:4, :4], r'must be 6 x 6'),
    (lambda m: m.index_put_((torch.tensor(3), torch.tensor(2)), torch.tensor(True)),
     'strictly upper triangular'),
    (lambda m: m.index_put_((torch.tensor(0), torch.tensor(1)), torch.tensor(True)),
     'node 0'),
    (lambda m: m.index_fill_(1, torch.tensor(5), False), 'out'),
])
def test_bad_topologies_are_rejected_and_leave_the_stage_unchanged(edit, match):
    stage = _stage(4)
    before = stage.edge_mask.clone()
    with pytest.raises(ValueError, match=match):
        stage.set_edge_mask(edit(stage.edge_mask.clone()))
    assert torch.equal(stage.edge_mask, before)


@pytest.mark.parametrize('grad', [False, True], ids=['no_grad', 'autograd'])
def test_node_without_successors_is_not_run_and_its_in_edges_are_absent(grad):
    mask = complete_dag_mask(4, True)
    mask[3, :] = False  # node 2 reaches nothing: dead, though live nodes have edges into it
    stage = _stage(4, mask)
    assert stage.live_nodes == [True, True, True, False, True, True]
    distinct_alphas(stage)
    with torch.set_grad_enabled(grad):
        stage(_x())
    adj = stage.last_adjacency
    assert adj[:, :, 3].abs().sum() == 0  # the live rows' weights into node 2 are dropped
    expected = stage.live_edge_mask.expand_as(adj)
    assert torch.equal(adj != 0, expected)  # every other edge between live nodes is kept


def test_node_without_inputs_is_not_run_and_its_edges_are_absent():
    mask = complete_dag_mask(4, True)
    mask[:, 3] = False  # node 2 has no input
    stage = _stage(4, mask)
    assert stage.live_nodes == [True, True, True, False, True, True]
    calls = []
    stage[2].conv1.register_forward_hook(lambda *a: calls.append(1))
    distinct_alphas(stage)
    with torch.no_grad():
        out = stage(_x())
    assert calls == []
    assert stage.last_adjacency[:, 3].abs().sum() == 0  # its out-edges are absent
    # same as removing node 2 with all its edges
    ref = copy.deepcopy(stage)
    mask2 = mask.clone()
    mask2[3, :] = False
    ref.set_edge_mask(mask2)
    with torch.no_grad():
        torch.testing.assert_close(out, ref(_x()), rtol=0, atol=0)


def test_node_without_successors_is_not_run():
    mask = complete_dag_mask(4, True)
    mask[3, :] = False  # node 2 feeds nobody
    stage = _stage(4, mask)
    calls = []
    stage[2].conv1.register_forward_hook(lambda *a: calls.append(1))
    with torch.no_grad():
        stage(_x())
    assert calls == [] and not stage.live_nodes[3]


@pytest.mark.parametrize('kind, params, make', [
    ('er', dict(p=0.5), lambda n, s: nx.erdos_renyi_graph(n, 0.5, seed=s)),
    ('ba', dict(m=2), lambda n, s: nx.barabasi_albert_graph(n, 2, seed=s)),
    ('ws', dict(k=2, p=0.5), lambda n, s: nx.watts_strogatz_graph(n, 2, 0.5, seed=s)),
])
def test_random_masks_are_networkx_graphs_oriented_low_to_high(kind, params, make):
    n, seed = 6, 4
    mask = stage_edge_mask(kind, n, has_in_node=True, seed=seed, params=params)
    g = make(n, seed)
    for u, v in g.edges():
        assert mask[min(u, v) + 1, max(u, v) + 1]
    inner = mask[1:-1, 1:-1]
    assert int(inner.sum()) == g.number_of_edges()
    for j in range(2, n + 1):  # blocks 1..N-1: an input, from in if the graph gave none
        assert mask[:j, j].any()
        assert mask[0, j] == (not inner[:, j - 1].any())
    for i in range(1, n + 1):  # every block reaches something; sinks feed out
        assert mask[i].any()
        assert mask[i, -1] == (not inner[i - 1].any())


def test_random_topology_seeds_differ_per_stage_and_reproduce():
    a = TopoResNet(50, topology='er', topology_cfg=dict(seed=7, p=0.5), learnable=False)
    b = TopoResNet(50, topology='er', topology_cfg=dict(seed=7, p=0.5), learnable=False)
    for sa, sb, (i, s) in zip(a.graph_stages(), b.graph_stages(), enumerate(a.graph_stages())):
        assert torch.equal(sa.edge_mask, sb.edge_mask)
        assert torch.equal(sa.edge_mask, stage_edge_mask('er', s.num_blocks, True, seed=7 + i,
                                                         params=dict(p=0.5)))


def test_custom_masks_build_the_pruned_network_from_the_config():
    base = TopoResNet(18, out_indices=(3, ))
    masks = [s.edge_mask.int().tolist() for s in base.graph_stages()]
    masks[2][0][3] = 0
    net = randomize_bn(TopoResNet(18, out_indices=(3, ), topology='custom',
                                  topology_cfg=dict(masks=masks)))
    assert net.layer3.preds[3] == [1, 2]
    with pytest.raises(ValueError, match='3 masks, too few'):
        TopoResNet(18, topology='custom', topology_cfg=dict(masks=masks[:3]))
    with pytest.raises(ValueError, match='5 masks, the network has 4'):
        TopoResNet(18, topology='custom', topology_cfg=dict(masks=masks + masks[:1]))


def test_mask_set_on_the_edge_source_is_picked_up_by_the_next_forward():
    stage = _stage(3)
    distinct_alphas(stage)
    ref = copy.deepcopy(stage)
    mask = stage.edge_mask.clone()
    mask[0, 4] = False
    ref.set_edge_mask(mask)
    stage.edge_source.set_edge_mask(mask)  # behind the stage's back
    x = _x()
    with torch.no_grad():
        torch.testing.assert_close(stage(x), ref(x), rtol=0, atol=0)
    assert stage.preds[4] == [1, 2, 3]


@pytest.mark.parametrize('cls', ['TopoResNet', 'TopoResNet_CIFAR'])
@pytest.mark.parametrize('topology', ['chain', 'er'])
def test_graphs_without_identity_path_do_not_zero_init_the_last_bn(topology, cls):
    import projects.toponet as T
    net = getattr(T, cls)(18, topology=topology,
                          topology_cfg=dict(p=0.4) if topology == 'er' else None)
    net.init_weights()
    assert all(float(s[k].norm2.weight.abs().sum()) > 0 for s in net.graph_stages()
               for k in range(s.num_blocks))
    complete = TopoResNet(18)
    complete.init_weights()  # the residual network keeps mmpretrain's zero init
    assert float(complete.layer1[0].norm2.weight.abs().sum()) == 0
