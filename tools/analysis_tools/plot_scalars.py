"""Plot the training loss and validation metrics of one or more work dirs.

Reads the ``<work_dir>/<timestamp>/vis_data/scalars.json`` files mmengine's LocalVisBackend
writes (a resumed run adds a new timestamp folder; all are merged by step) and draws one
panel per key, one line per work dir.

Usage::

    python tools/analysis_tools/plot_scalars.py work_dirs/a work_dirs/b \\
        --keys loss accuracy/top1 --out curves.png
"""
import argparse
import glob
import json
import os.path as osp
from typing import Dict, List, Tuple

Series = Dict[str, List[Tuple[int, float]]]


def read_scalars(work_dir: str) -> Series:
    """``key -> [(step, value), ...]`` sorted by step; a later record wins on equal steps.

    Training records are keyed by iteration; validation records (which carry no ``loss``) by
    their epoch or iteration, as mmengine logs them.
    """
    merged: Dict[str, Dict[int, float]] = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                step = int(record.get('step', 0))
                for key, value in record.items():
                    if key != 'step' and isinstance(value, (int, float)):
                        merged.setdefault(key, {})[step] = float(value)
    return {k: sorted(v.items()) for k, v in merged.items()}


def plot(work_dirs: List[str], keys: List[str], out: str) -> List[str]:
    """Draw ``keys`` of every work dir into ``out``; returns the keys that had data."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    series = {w: read_scalars(w) for w in work_dirs}
    found = [k for k in keys if any(k in s for s in series.values())]
    if not found:
        raise SystemExit(f'none of {keys} in the scalars.json files of {work_dirs}')
    fig, axes = plt.subplots(1, len(found), figsize=(5 * len(found), 3.6), squeeze=False)
    for ax, key in zip(axes[0], found):
        for work_dir, s in series.items():
            if key in s:
                steps, values = zip(*s[key])
                ax.plot(steps, values, label=osp.basename(osp.normpath(work_dir)),
                        marker='o' if len(steps) < 30 else None)
        ax.set(title=key, xlabel='step (iteration; epoch for epoch-based validation)')
        if key == 'loss' or key.endswith('/loss'):
            ax.set_yscale('log')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', help='work dirs of mmengine runs')
    parser.add_argument('--keys', nargs='+', default=['loss', 'accuracy/top1', 'coco/bbox_mAP'],
                        help='scalars to plot (those present are drawn)')
    parser.add_argument('--out', default='curves.png', help='output PNG')
    args = parser.parse_args(argv)
    found = plot(args.work_dirs, args.keys, args.out)
    print(f'wrote {args.out} ({", ".join(found)})')


if __name__ == '__main__':
    main()
