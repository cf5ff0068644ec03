"""A stratified, seeded subset of a classification dataset (the search's train/val split).

Paper: AWS (arXiv 2009.14737) searches on a stratified random 40k/10k split of the CIFAR
training set; :class:`StratifiedSubset` makes such splits from one dataset config: every class
is shuffled with ``seed`` and the images at positions ``[offset, offset + per_class)`` (or the
fraction ``[start, end)`` of each class) are kept, so two subsets with the same seed and
disjoint ranges are disjoint.
"""
from typing import Optional

import numpy as np
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class StratifiedSubset:
    """Keep a seeded, per-class range of a dataset.

    Args:
        dataset: Config (or built instance) of the wrapped dataset.
        per_class: Images per class; or None to use ``start``/``end`` fractions.
        offset: First position per class. Without ``per_class`` the fractions apply to the
            positions from ``offset`` on, so ``offset=50`` alone keeps all but the 50 images per
            class that ``per_class=50, offset=0`` keeps.
        start: First fraction per class (without ``per_class``).
        end: Last fraction per class (without ``per_class``).
        seed: Seed of the per-class shuffle.
    """

    def __init__(self, dataset, per_class: Optional[int] = None, offset: int = 0,
                 start: float = 0.0, end: float = 1.0, seed: int = 0) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        if offset < 0 or (per_class is not None and per_class < 1):
            raise ValueError(f'per_class must be >= 1 and offset >= 0, got {per_class}, {offset}')
        if per_class is None and not 0 <= start < end <= 1:
            raise ValueError(f'need 0 <= start < end <= 1, got start={start}, end={end}')
        labels = np.asarray(self.dataset.get_gt_labels())
        rng = np.random.default_rng(seed)
        keep = []
        for c in np.unique(labels):
            idx = rng.permutation(np.flatnonzero(labels == c))
            if per_class is not None:
                if offset + per_class > len(idx):
                    raise ValueError(f'class {c} has {len(idx)} images, fewer than '
                                     f'offset + per_class = {offset + per_class}')
                keep.append(idx[offset:offset + per_class])
            else:
                idx = idx[offset:]
                keep.append(idx[int(round(start * len(idx))):int(round(end * len(idx)))])
        self.indices = np.sort(np.concatenate(keep)).tolist()
        self.metainfo = getattr(self.dataset, 'metainfo', {})
        self.pipeline = None

    def get_gt_labels(self) -> np.ndarray:
        labels = np.asarray(self.dataset.get_gt_labels())
        return labels[self.indices]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int) -> dict:
        return self.dataset[self.indices[idx]]
