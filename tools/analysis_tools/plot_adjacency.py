"""Draw the mean edge weights of every graph stage of a trained DG-Net/TopoNet model.

Runs the config's validation set (``--split test`` for the test set) through the checkpoint
and averages each :class:`~projects.common.graph.GraphStage`'s ``last_adjacency`` over the
images: one heat map per stage, rows = source node, columns = target node, in the order
(in, 0..N-1, out). Also writes the matrices and the share of kept edges as JSON.

Usage::

    python tools/analysis_tools/plot_adjacency.py CONFIG CHECKPOINT [--out adjacency.png]
        [--max-images 2000] [--cfg-options ...]
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import _bootstrap  # noqa: E402,F401  (repo root on sys.path, stack fixes)
import torch  # noqa: E402


@torch.no_grad()
def mean_adjacency(config: str, checkpoint: str, split: str = 'val',
                   max_images: Optional[int] = None,
                   cfg_options: Optional[dict] = None) -> Dict[str, object]:
    """Mean per-sample adjacency of each graph stage over a data split.

    Returns ``dict(stages=[name...], mean=[N+2 x N+2 lists], kept=[share of existing edges
    above the threshold], images=count)``.
    """
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.runner import Runner, load_checkpoint

    from projects.common.graph import GraphStage
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu')
    model.eval()
    stages = [(n, m) for n, m in model.named_modules() if isinstance(m, GraphStage)]
    if not stages:
        raise ValueError(f'{config}: the model has no GraphStage (not a DG-Net/TopoNet model)')
    loader_cfg = cfg.get(f'{split}_dataloader')
    if not loader_cfg:
        raise ValueError(f'{config}: no {split}_dataloader')
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg)
    sums: List[Optional[torch.Tensor]] = [None] * len(stages)
    kept = [0.0] * len(stages)
    count = 0
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        model(data['inputs'], mode='tensor')
        for i, (_, stage) in enumerate(stages):
            adj = stage.last_adjacency
            sums[i] = adj.sum(0) if sums[i] is None else sums[i] + adj.sum(0)
            kept[i] += float(((adj > 0) & stage.edge_mask).sum()) / float(stage.edge_mask.sum())
        count += data['inputs'].shape[0]
        if max_images and count >= max_images:
            break
    return dict(stages=[n for n, _ in stages], mean=[(s / count).tolist() for s in sums],
                kept=[k / count for k in kept], images=count)


def plot_adjacency(result: Dict[str, object], out: str, title: str = '') -> None:
    """One heat map per stage (values written in the cells of existing edges)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    mats = result['mean']
    fig, axes = plt.subplots(1, len(mats), figsize=(3.2 * len(mats), 3.4), squeeze=False)
    im = None
    for ax, name, a, kept in zip(axes[0], result['stages'], mats, result['kept']):
        n = len(a)
        labels = ['in'] + [str(k) for k in range(n - 2)] + ['out']
        im = ax.imshow(a, vmin=0, vmax=1, cmap='viridis')
        ax.set_xticks(range(n), labels, fontsize=7)
        ax.set_yticks(range(n), labels, fontsize=7)
        ax.set_title(f'{name}\nkept {100 * kept:.0f} % of edges', fontsize=8)
        if n <= 10:
            for r in range(n):
                for c in range(n):
                    if a[r][c] > 0:
                        ax.text(c, r, f'{a[r][c]:.2f}', ha='center', va='center', fontsize=6,
                                color='w' if a[r][c] < 0.6 else 'k')
    fig.colorbar(im, ax=list(axes[0]), shrink=0.8, label='mean edge weight (row -> column)')
    fig.suptitle(title or f"mean per-sample adjacency over {result['images']} images")
    fig.savefig(out, dpi=120, bbox_inches='tight')
    plt.close(fig)


def main(argv=None) -> None:
    from mmengine.config import DictAction

    from projects.common.errors import MMPapersError, cli_errors
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='adjacency.png', help='PNG path (JSON beside it)')
    parser.add_argument('--split', default='val', choices=['val', 'test', 'train'])
    parser.add_argument('--max-images', type=int, default=None)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    holder = {}
    with cli_errors(args.config, holder):
        for path in (args.config, args.checkpoint):
            if not osp.isfile(path):
                raise MMPapersError(f'{path}: file not found')
        result = mean_adjacency(args.config, args.checkpoint, args.split, args.max_images,
                                args.cfg_options)
        plot_adjacency(result, args.out)
        with open(osp.splitext(args.out)[0] + '.json', 'w') as f:
            json.dump(result, f, indent=1)
        for name, kept in zip(result['stages'], result['kept']):
            print(f'{name}: kept {100 * kept:.1f} % of edges')
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
