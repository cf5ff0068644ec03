"""Edge masks of a stage graph: complete, chain, and random ER/BA/WS graphs (networkx).

Paper: TopoNet (arXiv 2008.08261) compares learned connectivity with rule-based wiring:
residual, complete and random (RandWire's Erdos-Renyi, Barabasi-Albert and Watts-Strogatz
graphs). The random graphs come from networkx's generators; how they are laid onto the stage
index set (in, 0..N-1, out) is our design, after RandWire: the generator's node ``k`` is block
``k``, every undirected edge ``{u, v}`` is oriented from the lower to the higher index, a node
(other than node 0, which reads the raw stage input) without predecessors reads the ``in``
node (or node 0 in stages without an ``in`` node), and a node without successors feeds
``out``. The same masks serve as a fixed baseline and as the initial edge set of a learned
topology.
"""
from typing import Optional

import torch
from torch import Tensor

from projects.common.graph import complete_dag_mask

from projects.toponet.errors import TopoConfigError

TOPOLOGIES = ('complete', 'chain', 'er', 'ba', 'ws', 'custom')
#: generator parameters per random graph, with our defaults for stages of a few blocks (the
#: RandWire values, ER p=0.2, BA m=5, WS k=4 p=0.75, are for 32-node stages; see
#: projects/toponet/randwire.py)
RANDOM_DEFAULTS = dict(er=dict(p=0.4), ba=dict(m=2), ws=dict(k=2, p=0.5))


def chain_mask(num_blocks: int, has_in_node: bool) -> Tensor:
    """Only the edges ``k-1 -> k`` (and the last node -> out): a plain stack of bodies."""
    n = num_blocks + 2
    mask = torch.zeros(n, n, dtype=torch.bool)
    for k in range(1, n - 1):
        mask[k, k + 1] = True
    return mask


def random_graph_edges(kind: str, num_nodes: int, seed: int, **params) -> list:
    """Undirected edges ``(u, v)``, ``u < v``, of a networkx ER/BA/WS graph on ``num_nodes``."""
    import networkx as nx
    if kind not in RANDOM_DEFAULTS:
        raise TopoConfigError(f'random topology must be one of {tuple(RANDOM_DEFAULTS)}, '
                              f'got {kind!r}')
    cfg = dict(RANDOM_DEFAULTS[kind], **params)
    unknown = set(cfg) - set(RANDOM_DEFAULTS[kind])
    if unknown:
        raise TopoConfigError(f'topology_cfg for {kind!r} takes {sorted(RANDOM_DEFAULTS[kind])}, '
                         f'got {sorted(unknown)}')
    n = num_nodes
    if n < 2:
        return []
    if kind == 'er':
        g = nx.erdos_renyi_graph(n, float(cfg['p']), seed=seed)
    elif kind == 'ba':
        g = nx.barabasi_albert_graph(n, max(1, min(int(cfg['m']), n - 1)), seed=seed)
    else:
        k = min(int(cfg['k']), n - 1)
        g = nx.watts_strogatz_graph(n, k, float(cfg['p']), seed=seed)
    return sorted((min(u, v), max(u, v)) for u, v in g.edges())


def stage_edge_mask(topology: str, num_blocks: int, has_in_node: bool, seed: int = 0,
                    params: Optional[dict] = None) -> Tensor:
    """The (N+2) x (N+2) bool edge mask of one stage (order in, 0..N-1, out).

    Args:
        topology: ``'complete'`` (every i -> j, i < j), ``'chain'``, ``'er'``, ``'ba'`` or
            ``'ws'`` (``'custom'``, explicit masks, is handled by the backbone).
        num_blocks: N, the stage's blocks.
        has_in_node: Whether the stage has an ``in`` node (residual stages).
        seed: Seed of the random graph generator.
        params: Generator parameters (``p`` for ER; ``m`` for BA; ``k``, ``p`` for WS).
    """
    if topology not in TOPOLOGIES:
        raise TopoConfigError(f'topology must be one of {TOPOLOGIES}, got {topology!r}')
    if topology == 'complete':
        return complete_dag_mask(num_blocks, has_in_node)
    if topology == 'chain':
        return chain_mask(num_blocks, has_in_node)
    if topology == 'custom':
        raise TopoConfigError("topology='custom' takes its masks from topology_cfg=dict(masks=...)")
    n = num_blocks + 2
    mask = torch.zeros(n, n, dtype=torch.bool)
    for u, v in random_graph_edges(topology, num_blocks, seed, **(params or {})):
        mask[u + 1, v + 1] = True
    src = 0 if has_in_node else 1
    for j in range(2, n - 1):  # blocks 1..N-1 without an input read the stage input
        if not mask[:j, j].any():
            mask[src, j] = True
    for i in range(1, n - 1):  # blocks without a successor feed out
        if not mask[i, i + 1:].any():
            mask[i, n - 1] = True
    return mask
