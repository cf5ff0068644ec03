"""Per-stage statistics of TopoNet's learned edge weights during training.

For every :class:`~projects.common.graph.GraphStage` with static (learned) edge weights, every
``interval`` training iterations: the share of the stage's live edges whose weight is active
(``|w| > tau``; ``tau`` = ``active_threshold``), the share active by the per-node relative rule
(``|w_ij| / max_i |w_ij| > rel_threshold`` over each node's inputs: the spec's scale-invariance
note says that raw magnitudes drift towards 0 together), and the mean ``|alpha|`` of the
learnable edges. They go to the message hub as ``train/edges/<stage>/{active,rel_active,
mean_abs_alpha}`` (text log, ``scalars.json``, TensorBoard); with a TensorBoard backend the
learnable alphas of each stage also go there as a histogram. With ``dump_json`` the weight
matrices are written to ``<work_dir>/topology/epoch_<k>.json`` after every epoch.
"""
import json
import os
import os.path as osp
from typing import Iterator, Optional, Tuple

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from projects.common.graph import GraphStage
from projects.common.graph.edge_source import StaticEdgeSource
from projects.toponet.errors import TopoConfigError


def relative_strength(weights: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``|w_ij| / max_i |w_ij|`` over the existing inputs of each column ``j`` (0 elsewhere)."""
    mag = weights.abs() * mask
    col_max = mag.max(dim=0, keepdim=True).values
    return torch.where(col_max > 0, mag / col_max.clamp_min(1e-30), torch.zeros_like(mag))


def topo_stages(model) -> Iterator[Tuple[str, GraphStage]]:
    """``(name, stage)`` of every graph stage with a static edge source."""
    model = model.module if is_model_wrapper(model) else model
    for name, m in model.named_modules():
        if isinstance(m, GraphStage) and isinstance(m.edge_source, StaticEdgeSource):
            yield name, m


@HOOKS.register_module()
class EdgeStatsHook(Hook):
    """Active-edge shares, mean |alpha| and alpha histograms per TopoNet stage.

    Args:
        interval: Log every this many training iterations. Default 50.
        active_threshold: ``tau`` of the absolute rule. Default 1e-3.
        rel_threshold: Threshold of the per-node relative rule. Default 0.1.
        histogram: Send alpha histograms to a TensorBoard backend if there is one.
        dump_json: Write the weight matrices after every epoch (our ``TopologyDumpHook``).
    """

    priority = 'LOW'

    def __init__(self, interval: int = 50, active_threshold: float = 1e-3,
                 rel_threshold: float = 0.1, histogram: bool = True,
                 dump_json: bool = True) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise TopoConfigError(f'EdgeStatsHook: interval must be an int >= 1, got {interval!r}')
        if active_threshold < 0 or not 0 <= rel_threshold <= 1:
            raise TopoConfigError('EdgeStatsHook: active_threshold must be >= 0 and rel_threshold '
                             f'in [0, 1], got {active_threshold!r}, {rel_threshold!r}')
        self.interval = interval
        self.active_threshold = float(active_threshold)
        self.rel_threshold = float(rel_threshold)
        self.histogram = histogram
        self.dump_json = dump_json

    @torch.no_grad()
    def stage_stats(self, stage: GraphStage) -> dict:
        src = stage.edge_source
        live = stage.live_edge_mask.to(src.edge_mask.device)
        w = src.edge_weights().detach().float()
        n_live = max(int(live.sum()), 1)
        learn = src.learnable_edges() & live
        rel = relative_strength(w, live)
        return dict(
            active=float(((w.abs() > self.active_threshold) & live).sum()) / n_live,
            rel_active=float(((rel > self.rel_threshold) & live).sum()) / n_live,
            mean_abs_alpha=float(src.edge_alpha.detach()[learn].abs().mean())
            if learn.any() else 0.0)

    def _tensorboard(self, runner):
        for backend in getattr(runner.visualizer, '_vis_backends', {}).values():
            if type(backend).__name__ == 'TensorboardVisBackend':
                return backend.experiment
        return None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        writer = self._tensorboard(runner) if self.histogram else None
        for name, stage in topo_stages(runner.model):
            for key, value in self.stage_stats(stage).items():
                runner.message_hub.update_scalar(f'train/edges/{name}/{key}', value)
            learn = stage.edge_source.learnable_edges()
            if writer is not None and learn.any():
                writer.add_histogram(f'edges/{name}/alpha',
                                     stage.edge_source.edge_alpha.detach()[learn].cpu(),
                                     runner.iter + 1)

    def after_train_epoch(self, runner) -> None:
        if not self.dump_json or not is_main_process():
            return
        out = {name: dict(weights=stage.edge_source.edge_weights().detach().cpu().tolist(),
                          edge_mask=stage.live_edge_mask.int().tolist())
               for name, stage in topo_stages(runner.model)}
        folder = osp.join(runner.work_dir, 'topology')
        os.makedirs(folder, exist_ok=True)
        with open(osp.join(folder, f'epoch_{runner.epoch + 1}.json'), 'w') as f:
            json.dump(out, f)


__all__ = ['EdgeStatsHook', 'relative_strength', 'topo_stages']
