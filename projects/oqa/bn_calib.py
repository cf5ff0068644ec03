"""BN re-calibration of a subnet before it is evaluated.

OQA/OFA [CODE]: the running statistics of every BN are re-estimated on 2,000 random training
images (batch 100) at the subnet's resolution. Here the statistics are reset and recomputed as
the cumulative average over the batches (``momentum=None``), with the quantizers in eval mode
(no step re-init); in distributed runs each rank's statistics are averaged (all-reduce).
:class:`OQABNRecalibHook` runs it before every validation and test epoch.
"""
from typing import Iterable, Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS
from torch import nn


@torch.no_grad()
def recalibrate_bn(model: nn.Module, data_loader: Iterable, num_images: int = 2000) -> int:
    """Re-estimate the BN statistics of ``model`` (an mmpretrain classifier) on ``num_images``.

    Returns the number of images used. The model is left in eval mode.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [bn.momentum for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    model.eval()
    for bn in bns:
        bn.train()
    seen = 0
    try:
        while seen < num_images:
            progressed = False
            for batch in data_loader:
                data = model.data_preprocessor(batch, False)
                inputs = data['inputs'][:num_images - seen]
                model.extract_feat(inputs)
                seen += inputs.shape[0]
                progressed = True
                if seen >= num_images:
                    break
            if not progressed:
                raise ValueError('recalibrate_bn: the calibration data loader is empty')
    finally:
        for bn, m in zip(bns, saved):
            bn.momentum = m
        model.eval()
    for bn in bns:
        all_reduce(bn.running_mean, op='mean')
        all_reduce(bn.running_var, op='mean')
    return seen


@HOOKS.register_module()
class OQABNRecalibHook(Hook):
    """Re-calibrate BN on training images before every val/test epoch.

    Args:
        num_images: Images per re-calibration (OQA: 2000).
        batch_size: Calibration batch size (OQA: 100).
        dataloader: Dataloader config; ``None`` = the runner's ``train_dataloader`` config with
            ``batch_size`` and a shuffling ``DefaultSampler`` of fixed ``seed``.
        seed: Seed of the calibration subset (the same images every time).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, num_images: int = 2000, batch_size: int = 100,
                 dataloader: Optional[dict] = None, seed: int = 0) -> None:
        if num_images < 1 or batch_size < 1:
            raise ValueError(f'OQABNRecalibHook: num_images and batch_size must be >= 1, got '
                             f'{num_images}, {batch_size}')
        self.num_images, self.batch_size, self.seed = num_images, batch_size, seed
        self.dataloader_cfg = dataloader
        self._loader = None

    def build_loader(self, runner):
        if self._loader is None:
            cfg = self.dataloader_cfg or runner.cfg.get('train_dataloader')
            if cfg is None:
                raise ValueError('OQABNRecalibHook: no dataloader given and the config has no '
                                 'train_dataloader to calibrate BN on')
            cfg = dict(cfg)
            if self.dataloader_cfg is None:
                cfg.update(batch_size=self.batch_size,
                           sampler=dict(type='DefaultSampler', shuffle=True, seed=self.seed))
            from mmengine.runner import Runner
            self._loader = Runner.build_dataloader(cfg, seed=self.seed)
        return self._loader

    def _recalibrate(self, runner) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        n = recalibrate_bn(model, self.build_loader(runner), self.num_images)
        print_log(f'BN re-calibrated on {n} training images', logger='current')

    def before_val_epoch(self, runner) -> None:
        self._recalibrate(runner)

    def before_test_epoch(self, runner) -> None:
        self._recalibrate(runner)
