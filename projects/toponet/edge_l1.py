"""TopoNet's sparsity constraint ``lambda * sum |alpha|`` for classifiers and any mmdet detector.

Paper: TopoNet (arXiv 2008.08261): ``L = L_task + lambda * sum_stages sum_edges |alpha|``, edge
weights and network weights trained jointly in one run. Two optimisers of that objective, a
switch (``edge_l1_mode``):

* ``'subgradient'`` (default): the term is a loss, ``loss_edge_l1``, which mmengine's
  ``parse_losses`` adds to the total and logs; alpha gets ``lambda * sign(alpha)`` besides its
  task gradient.
* ``'proximal'`` (our option, from the spec): after each optimizer step the learnable alphas are
  soft-thresholded, ``alpha <- sign(alpha) * max(|alpha| - lr * lambda, 0)`` with the learning
  rate of alpha's parameter group, which gives exact zeros. The term is then logged as
  ``edge_l1`` (no ``loss`` in the name: not back-propagated).

The terms only read the model's :class:`~projects.common.graph.GraphStage` modules, so one
mixin serves every model: :class:`TopoImageClassifier` for mmpretrain and
``type='TopoL1Detector', detector=dict(...)`` for any mmdet detector (RetinaNet, Faster R-CNN,
...): it builds the detector as usual and gives the instance the same mixin, keeping its class
behaviour, state-dict keys and data preprocessor.
"""
from typing import Dict, List

import torch
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from torch import Tensor

from projects.common.graph import GraphStage
from projects.toponet.errors import TopoConfigError
from projects.common.graph.edge_source import StaticEdgeSource

L1_MODES = ('subgradient', 'proximal')


def _trained_sources(model: torch.nn.Module) -> List[StaticEdgeSource]:
    return [m.edge_source for m in model.modules()
            if isinstance(m, GraphStage) and isinstance(m.edge_source, StaticEdgeSource)
            and isinstance(m.edge_source.edge_alpha, torch.nn.Parameter)
            and m.edge_source.edge_alpha.requires_grad]


class EdgeL1Mixin:
    """Adds ``lambda * sum |alpha|`` of every graph stage to ``loss()`` (see module doc)."""

    def _init_edge_l1(self, edge_l1_weight: float, edge_l1_mode: str) -> None:
        name = type(self).__name__
        if edge_l1_mode not in L1_MODES:
            raise TopoConfigError(f'{name}: edge_l1_mode must be one of {L1_MODES}, '
                             f'got {edge_l1_mode!r}')
        if not isinstance(edge_l1_weight, (int, float)) or edge_l1_weight < 0:
            raise TopoConfigError(f'{name}: edge_l1_weight must be a number >= 0, '
                             f'got {edge_l1_weight!r}')
        self.edge_l1_weight = float(edge_l1_weight)
        self.edge_l1_mode = edge_l1_mode
        if edge_l1_mode == 'proximal':
            for src in _trained_sources(self):
                if src.edge_act != 'identity':
                    raise TopoConfigError(f"{name}: edge_l1_mode='proximal' needs "
                                     f"edge_act='identity', got {src.edge_act!r}")

    def edge_l1_term(self) -> Tensor:
        """``lambda * sum |alpha|`` over the learnable edges of every trained stage."""
        sources = _trained_sources(self)
        if not sources:
            return next(self.parameters()).new_zeros(())
        return self.edge_l1_weight * torch.stack([s.edge_l1() for s in sources]).sum()

    def loss(self, *args, **kwargs) -> Dict[str, Tensor]:
        losses = super().loss(*args, **kwargs)
        term = self.edge_l1_term()
        if self.edge_l1_mode == 'subgradient':
            losses['loss_edge_l1'] = term
        else:
            losses['edge_l1'] = term.detach()
        return losses

    def train_step(self, data, optim_wrapper):
        log_vars = super().train_step(data, optim_wrapper)
        if self.edge_l1_mode == 'proximal' and self.edge_l1_weight > 0 \
                and optim_wrapper.should_update():
            self.proximal_step(optim_wrapper)
        return log_vars

    @torch.no_grad()
    def proximal_step(self, optim_wrapper) -> int:
        """Soft-threshold every trained alpha by ``lr * lambda`` (lr of its param group);
        returns how many learnable alphas are exactly 0 afterwards."""
        lrs = {}
        for group in optim_wrapper.optimizer.param_groups:
            for p in group['params']:
                lrs[id(p)] = group['lr']
        zeros = 0
        for src in _trained_sources(self):
            lr = lrs.get(id(src.edge_alpha))
            if lr is None:
                continue  # not optimised by this wrapper
            zeros += src.proximal_step(lr * self.edge_l1_weight)
        return zeros


@MODELS.register_module()
class TopoImageClassifier(EdgeL1Mixin, ImageClassifier):
    """mmpretrain ``ImageClassifier`` whose loss adds TopoNet's L1 term on the edge weights.

    Args:
        edge_l1_weight: lambda (not verified in the paper; the spec recalls ~1e-4).
        edge_l1_mode: ``'subgradient'`` (a logged loss term, default) or ``'proximal'``.
        **kwargs: ``ImageClassifier`` arguments (backbone, neck, head, ...).
    """

    def __init__(self, *args, edge_l1_weight: float = 1e-4,
                 edge_l1_mode: str = 'subgradient', **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._init_edge_l1(edge_l1_weight, edge_l1_mode)


_WITH_L1: Dict[type, type] = {}


def with_edge_l1(model: torch.nn.Module, edge_l1_weight: float = 1e-4,
                 edge_l1_mode: str = 'subgradient') -> torch.nn.Module:
    """Give a built model (any mmdet detector) the L1 term, in place; returns it.

    The instance's class becomes a subclass ``EdgeL1<Class>(EdgeL1Mixin, <Class>)`` (one per
    class, cached), so its forward, state dict and data preprocessor are the detector's own.
    """
    cls = type(model)
    if not issubclass(cls, EdgeL1Mixin):
        if cls not in _WITH_L1:
            _WITH_L1[cls] = type(f'EdgeL1{cls.__name__}', (EdgeL1Mixin, cls),
                                 dict(__module__=cls.__module__))
        model.__class__ = _WITH_L1[cls]
    model._init_edge_l1(edge_l1_weight, edge_l1_mode)
    return model


def _register_detector_wrapper() -> None:
    try:
        from mmdet.registry import MODELS as DET_MODELS
    except ImportError:  # mmdet is optional for classification
        return

    @DET_MODELS.register_module(name='TopoL1Detector', force=True)
    def build_topo_l1_detector(detector: dict, edge_l1_weight: float = 1e-4,
                               edge_l1_mode: str = 'subgradient') -> torch.nn.Module:
        """Build ``detector`` (an mmdet model config) and add TopoNet's L1 term to its loss.

        Args:
            detector: The detector config (``type='RetinaNet'``, ``'FasterRCNN'``, ...).
            edge_l1_weight: lambda.
            edge_l1_mode: ``'subgradient'`` or ``'proximal'``.
        """
        if not isinstance(detector, dict) or 'type' not in detector:
            raise TopoConfigError(f'TopoL1Detector: detector must be a model config dict with a '
                            f'type, got {detector!r}')
        return with_edge_l1(DET_MODELS.build(detector), edge_l1_weight, edge_l1_mode)


_register_detector_wrapper()
