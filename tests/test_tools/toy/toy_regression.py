"""``ToyRegressor`` and ``ToyRegressionData``: y = x @ w_true + noise, fitted by a 2-layer MLP.

``pad_numel`` adds a persistent buffer of that many float32 zeros, which makes every checkpoint
``4 * pad_numel`` bytes larger: a save then takes long enough to be killed halfway.
"""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from torch.utils.data import Dataset
from mmengine.model import BaseModel
from mmengine.evaluator import BaseMetric
from mmengine.registry import DATASETS, METRICS, MODELS


@MODELS.register_module()
class ToyRegressor(BaseModel):
    """A 4-8-1 MLP with an MSE loss.

    Args:
        pad_numel: Size of an extra persistent buffer (checkpoint bulk).
        dropout: Dropout after the hidden layer: training then draws from torch's global
            random generator.
    """

    def __init__(self, pad_numel: int = 0, dropout: float = 0.0) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(dropout),
                                 nn.Linear(8, 1))
        self.register_buffer('pad', torch.zeros(pad_numel))

    def forward(self, inputs: List[torch.Tensor], data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        x = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        pred = self.net(x).squeeze(1)
        if mode == 'loss':
            y = torch.stack(list(data_samples)) if isinstance(data_samples, (list, tuple)) \
                else data_samples
            return dict(loss=((pred - y) ** 2).mean())
        return pred


@METRICS.register_module()
class ToyMSE(BaseMetric):
    """Mean squared error of ``ToyRegressor``'s predictions (key ``mse``)."""

    def process(self, data_batch: dict, data_samples) -> None:
        targets = torch.stack(list(data_batch['data_samples']))
        preds = torch.stack(list(data_samples))  # the evaluator passes one tensor per sample
        self.results += ((preds - targets) ** 2).tolist()

    def compute_metrics(self, results: list) -> Dict[str, float]:
        return dict(mse=float(sum(results) / len(results)))


@DATASETS.register_module()
class ToyRegressionData(Dataset):
    """``num`` samples of 4 features and a noisy linear target (fixed generator seed)."""

    def __init__(self, num: int = 64) -> None:
        gen = torch.Generator().manual_seed(0)
        self.x = torch.randn(num, 4, generator=gen)
        self.y = self.x @ torch.tensor([0.5, -1.0, 2.0, 0.25]) + \
            0.1 * torch.randn(num, generator=gen)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, idx: int) -> Dict[str, torch.Tensor]:
        return dict(inputs=self.x[idx], data_samples=self.y[idx])
