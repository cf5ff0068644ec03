"""Log how much of each graph stage is connected during training (DG-Net, arXiv 2010.01097).

For every :class:`~projects.common.graph.GraphStage` of the model, every ``interval``
iterations: the share of existing edges that survived the threshold (counted by the stage's
own rule, :meth:`GraphStage.kept_edges`: ``w > tau``, or ``|w| > tau`` for a signed edge
source) and the mean weight of the kept edges, read from ``stage.last_adjacency`` of the last forward pass. They go
to the message hub as ``train/graph/<stage>/active`` and ``.../mean_weight``, so the text log,
``scalars.json`` and TensorBoard all have them. Registered in mmengine's root ``HOOKS``.
"""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from projects.common.graph import GraphStage


@HOOKS.register_module()
class ConnectivityStatsHook(Hook):
    """Active-edge share and mean kept weight per graph stage.

    Args:
        interval: Log every this many training iterations. Default 50.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 50) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for name, stage in model.named_modules():
            if not isinstance(stage, GraphStage) or stage.last_adjacency is None:
                continue
            adj = stage.last_adjacency
            n_edges = int(stage.edge_mask.sum()) * adj.shape[0]
            kept = stage.kept_edges()  # the threshold's own rule (|w| for signed sources)
            active = float(kept.sum()) / max(n_edges, 1)
            mean_w = float(adj[kept].mean()) if kept.any() else 0.0
            runner.message_hub.update_scalar(f'train/graph/{name}/active', active)
            runner.message_hub.update_scalar(f'train/graph/{name}/mean_weight', mean_w)


__all__ = ['ConnectivityStatsHook']
