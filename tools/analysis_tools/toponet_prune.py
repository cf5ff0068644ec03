"""Prune a trained TopoNet: drop weak edges, remove dead nodes, write checkpoint + config.

Paper: TopoNet (arXiv 2008.08261): after training, the learned edge weights define the
topology; thresholding them extracts a discrete graph. Two rules (``--rule``):

* ``absolute``: keep an edge when ``|w| > threshold``;
* ``relative`` (default): keep it when ``|w_ij| / max_i |w_ij| > threshold`` over the inputs
  of its target node ``j``. A node body starts ReLU -> conv -> BN, so in training all of a
  node's input weights can shrink together without changing the loss, and the L1 term drives
  them towards 0 as a group (the spec's scale-invariance note): only their ratios carry
  information, which the relative rule compares.

Fixed (not learnable) edges are kept. Then every node left without a live input or output is
removed with its edges (:func:`projects.common.graph.live_nodes`); the remaining weights are
kept as they are (the pruned network still scales features by them). The pruned model's
network really skips what was removed: its stages run only live nodes and sum only kept edges.

Writes into ``--out-dir``: ``pruned.pth`` (the checkpoint, with the pruned edge masks and the
removed alphas zeroed), ``<config name>_pruned.py`` (the config with ``topology='custom'`` and
the masks, so the config alone builds the pruned network; evaluate it with
``tools/test.py <out>/<name>_pruned.py <out>/pruned.pth``), ``prune.json`` (edges per stage,
FLOPs and parameters before/after), ``adjacency.png`` (per stage, the relative strength of every
edge before pruning, drawn by ``plot_adjacency.py``) and ``graph.png`` (each stage as a graph:
kept edges black with width by strength, removed edges dashed grey, removed nodes hollow).

Usage::

    python tools/analysis_tools/toponet_prune.py CONFIG CHECKPOINT [--rule relative]
        [--threshold 0.1] [--out-dir DIR] [--shape 224] [--cfg-options ...]
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import _bootstrap  # noqa: E402,F401  (repo root on sys.path, stack fixes)
import torch  # noqa: E402

RULES = ('absolute', 'relative')


def _stages(model):
    from projects.toponet import topo_stages
    return list(topo_stages(model))


@torch.no_grad()
def prune_model(model: torch.nn.Module, threshold: float, rule: str = 'relative') -> List[dict]:
    """Prune every TopoNet stage of ``model`` in place; returns one record per stage.

    Raises:
        ValueError: on an unknown rule, a negative threshold, a model without TopoNet
            stages, or a threshold that disconnects a stage's output.
    """
    from projects.common.graph import live_nodes
    from projects.toponet import relative_strength
    if rule not in RULES:
        raise ValueError(f'rule must be one of {RULES}, got {rule!r}')
    if threshold < 0:
        raise ValueError(f'threshold must be >= 0, got {threshold}')
    stages = _stages(model)
    if not stages:
        raise ValueError('the model has no TopoNet graph stage (GraphStage with a '
                         'StaticEdgeSource) to prune')
    records = []
    for name, stage in stages:
        src = stage.edge_source
        live = stage.live_edge_mask.clone()
        w = src.edge_weights().detach().cpu().double()
        strength = w.abs() if rule == 'absolute' else relative_strength(w, live)
        fixed = live & ~src.learnable_edges().cpu()
        keep = live & ((strength > threshold) | fixed)
        alive = torch.tensor(live_nodes(keep, stage.has_in_node))
        if not alive[-1]:
            raise ValueError(f'{name}: a {rule} threshold of {threshold} leaves the stage '
                             'output without an input; use a lower threshold')
        keep &= alive[:, None] & alive[None, :]
        stage.set_edge_mask(keep)
        removed = live & ~keep
        if removed.any():
            alpha = src.edge_alpha
            alpha.data[removed.to(alpha.device)] = 0.0
        records.append(dict(
            stage=name, edges_before=int(live.sum()), edges_after=int(keep.sum()),
            removed_nodes=[k - 1 for k in range(1, keep.shape[0] - 1) if not alive[k]],
            in_node_removed=bool(stage.has_in_node and not alive[0]),
            strength=strength.tolist(), kept=keep.int().tolist(), live_before=live.int().tolist()))
    return records


def active_parameters(model: torch.nn.Module) -> int:
    """Parameters the forward pass uses: all, minus the blocks of removed nodes (and the
    shortcut projection of a removed ``in`` node)."""
    total = sum(p.numel() for p in model.parameters())
    for _, stage in _stages(model):
        live = stage.live_nodes
        if stage.has_in_node and not live[0] and getattr(stage[0], 'downsample', None) is not None:
            total -= sum(p.numel() for p in stage[0].downsample.parameters())
        for k in range(stage.num_blocks):
            if not live[k + 1]:
                block_params = sum(p.numel() for p in stage[k].parameters())
                if k == 0 and stage.has_in_node and live[0] and stage[0].downsample is not None:
                    block_params -= sum(p.numel() for p in stage[0].downsample.parameters())
                total -= block_params
    return total


@torch.no_grad()
def complexity(model: torch.nn.Module, shape) -> Dict[str, float]:
    """FLOPs (mmengine's counter on one forward, plus the analytic cost of the weighted sums
    beyond one add per block, which counters miss) and active parameters."""
    from mmengine.analysis import get_model_complexity_info

    class _Tensor(torch.nn.Module):

        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(x, mode='tensor')

    was = model.training
    model.eval()
    flops = get_model_complexity_info(_Tensor(model), inputs=(torch.zeros(1, 3, *shape), ),
                                      show_table=False, show_arch=False)['flops']
    backbone = getattr(model, 'backbone', model)
    extra = backbone.extra_macs((3, *shape))['aggregation'] if hasattr(
        backbone, 'extra_macs') else 0
    model.train(was)
    return dict(flops=float(flops + extra), aggregation_macs=float(extra),
                params=float(active_parameters(model)))


def draw_graphs(records: List[dict], out: str) -> None:
    """Each stage as a DAG: nodes left to right, kept edges solid, removed edges dashed."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import networkx as nx
    fig, axes = plt.subplots(len(records), 1, figsize=(7, 2.4 * len(records)), squeeze=False)
    for ax, rec in zip(axes[:, 0], records):
        live, kept, strength = rec['live_before'], rec['kept'], rec['strength']
        n = len(live)
        labels = {0: 'in', n - 1: 'out', **{k: str(k - 1) for k in range(1, n - 1)}}
        g = nx.DiGraph()
        g.add_nodes_from(range(n))
        pos = {k: (k, 0.35 * ((k % 2) * 2 - 1) if 0 < k < n - 1 else 0.0) for k in range(n)}
        solid, dashed, widths = [], [], []
        for i in range(n):
            for j in range(n):
                if live[i][j]:
                    g.add_edge(i, j)
                    if kept[i][j]:
                        solid.append((i, j))
                        widths.append(0.5 + 2.5 * min(strength[i][j], 1.0))
                    else:
                        dashed.append((i, j))
        used = {i for e in solid for i in e}
        nx.draw_networkx_nodes(g, pos, ax=ax, nodelist=sorted(used), node_color='tab:blue',
                               node_size=260)
        nx.draw_networkx_nodes(g, pos, ax=ax, nodelist=[k for k in range(n) if k not in used],
                               node_color='white', edgecolors='grey', node_size=260)
        nx.draw_networkx_labels(g, pos, labels, ax=ax, font_size=7, font_color='k')
        nx.draw_networkx_edges(g, pos, edgelist=dashed, ax=ax, style='dashed',
                               edge_color='lightgrey', connectionstyle='arc3,rad=0.25')
        nx.draw_networkx_edges(g, pos, edgelist=solid, ax=ax, width=widths,
                               connectionstyle='arc3,rad=0.25')
        ax.set_title(f"{rec['stage']}: {rec['edges_after']} of {rec['edges_before']} edges kept",
                     fontsize=8)
        ax.axis('off')
    fig.savefig(out, dpi=110, bbox_inches='tight')
    plt.close(fig)


def prune(config: str, checkpoint: str, threshold: float = 0.1, rule: str = 'relative',
          out_dir: Optional[str] = None, shape=(224, 224),
          cfg_options: Optional[dict] = None) -> dict:
    """Prune ``checkpoint`` of ``config``; write the outputs listed in the module docstring
    into ``out_dir`` and return the summary (also written as ``prune.json``)."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.runner import load_checkpoint

    from tools.analysis_tools.plot_adjacency import plot_adjacency
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    out_dir = out_dir or osp.join(osp.dirname(osp.abspath(checkpoint)), 'pruned')
    os.makedirs(out_dir, exist_ok=True)
    model = MODELS.build(cfg.model)
    try:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    except RuntimeError as err:  # missing/unexpected keys or shapes: name the first one
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        raise ValueError(f'{checkpoint} does not fit the model of {config}: '
                         f"{lines[1] if len(lines) > 1 else lines[0]}"[:400]) from None
    model.eval()
    before = complexity(model, shape)
    records = prune_model(model, threshold, rule)
    after = complexity(model, shape)
    # checkpoint: the original dict with the pruned state dict
    ckpt = dict(ckpt) if isinstance(ckpt, dict) else {}
    ckpt['state_dict'] = {k: v.cpu() for k, v in model.state_dict().items()}
    meta = dict(ckpt.get('meta') or {})
    meta['toponet_prune'] = dict(source=osp.abspath(checkpoint), rule=rule,
                                 threshold=threshold)
    ckpt['meta'] = meta
    for key in ('optimizer', 'param_schedulers', 'message_hub'):
        ckpt.pop(key, None)  # a pruned model is evaluated or fine-tuned, not resumed
    ckpt_path = osp.join(out_dir, 'pruned.pth')
    torch.save(ckpt, ckpt_path)
    # config: the same model, the masks written out
    pruned_cfg = copy.deepcopy(cfg)
    backbone = pruned_cfg.model.get('detector', pruned_cfg.model).backbone
    backbone.topology = 'custom'
    backbone.topology_cfg = dict(masks=[r['kept'] for r in records])
    backbone.pop('init_cfg', None)  # the weights come from pruned.pth
    stem = osp.splitext(osp.basename(config))[0]
    cfg_path = osp.join(out_dir, f'{stem}_pruned.py')
    pruned_cfg.dump(cfg_path)
    # pictures
    plot_adjacency(dict(stages=[r['stage'] for r in records],
                        mean=[r['strength'] if rule == 'relative' else
                              _relative(r) for r in records],
                        kept=[r['edges_after'] / max(r['edges_before'], 1) for r in records],
                        images=0), osp.join(out_dir, 'adjacency.png'),
                   title=f'relative edge strength |w_ij| / max_i |w_ij| before pruning '
                         f'({rule} threshold {threshold})')
    draw_graphs(records, osp.join(out_dir, 'graph.png'))
    summary = dict(config=config, checkpoint=checkpoint, rule=rule, threshold=threshold,
                   input_shape=list(shape), before=before, after=after,
                   edges_before=sum(r['edges_before'] for r in records),
                   edges_after=sum(r['edges_after'] for r in records),
                   stages=[{k: r[k] for k in ('stage', 'edges_before', 'edges_after',
                                                'removed_nodes', 'in_node_removed', 'kept')}
                           for r in records],
                   pruned_checkpoint=ckpt_path, pruned_config=cfg_path)
    with open(osp.join(out_dir, 'prune.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    return summary


def _relative(rec: dict) -> list:
    from projects.toponet import relative_strength
    w = torch.tensor(rec['strength'])
    return relative_strength(w, torch.tensor(rec['live_before']).bool()).tolist()


def main(argv=None) -> None:
    from mmengine.config import DictAction

    from projects.common.errors import MMPapersError, cli_errors
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--rule', default='relative', choices=RULES)
    parser.add_argument('--threshold', type=float, default=0.1)
    parser.add_argument('--out-dir', default=None,
                        help='default: <checkpoint folder>/pruned')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input height and width for the FLOPs (one value: square)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    holder = {}
    with cli_errors(args.config, holder):
        for path in (args.config, args.checkpoint):
            if not osp.isfile(path):
                raise MMPapersError(f'{path}: file not found')
        shape = tuple(args.shape * 2 if len(args.shape) == 1 else args.shape[:2])
        try:
            s = prune(args.config, args.checkpoint, args.threshold, args.rule, args.out_dir,
                      shape, args.cfg_options)
        except ValueError as err:
            raise MMPapersError(f'{args.checkpoint}: {err}') from None
        for st in s['stages']:
            gone = f", nodes removed: {st['removed_nodes']}" if st['removed_nodes'] else ''
            print(f"{st['stage']}: {st['edges_after']} of {st['edges_before']} edges kept{gone}")
        b, a = s['before'], s['after']
        print(f"edges {s['edges_before']} -> {s['edges_after']}; "
              f"GFLOPs {b['flops'] / 1e9:.4f} -> {a['flops'] / 1e9:.4f}; "
              f"params {b['params'] / 1e6:.3f}M -> {a['params'] / 1e6:.3f}M "
              f"(input {shape[0]}x{shape[1]})")
        print(f"wrote {s['pruned_checkpoint']} and {s['pruned_config']}")


if __name__ == '__main__':
    main()
