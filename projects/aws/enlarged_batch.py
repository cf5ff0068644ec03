"""Enlarged Batch: ``M`` independently augmented copies of every image in the same batch.

Paper: AWS (arXiv 2009.14737) reports its headline numbers with the Enlarged-Batch trick of
Adversarial AutoAugment (Zhang et al., ICLR 2020), ``M = 8`` [R: recalled, not checked against
the PDF; the official pre-release has no such option]. Each image of a batch is augmented
``M`` times, every copy through the whole train pipeline with its own random draws (its own
crop, flip, AWS pair and Cutout), and all copies go into the same optimizer step.

Two parts, used together in a final-training config:

- :class:`AWSEnlargedBatch` (mmpretrain ``DATASETS``) wraps a dataset. Its length is the
  wrapped one's (``N`` images); item ``k`` is a **list** of ``M`` samples, each a fresh call of
  the wrapped dataset's pipeline on image ``k``.
- ``aws_enlarged_collate`` (mmengine ``FUNCTIONS``) flattens those lists, then collates with
  ``collate`` (``pseudo_collate`` by default, as mmengine's runner).

So with ``batch_size=B`` an epoch is ``ceil(N / B)`` iterations (as without EB) and ``N * M``
samples, each step holds ``B * M`` samples (``M`` copies of each of ``B`` images), and every
image is seen ``M`` times per epoch (tested). Learning rate and epochs are left to the config
(the configs here keep the non-EB recipe's; ours [D]).

Example::

    train_dataloader = dict(
        batch_size=32,
        collate_fn=dict(type='aws_enlarged_collate'),
        dataset=dict(type='AWSEnlargedBatch', copies=8, dataset=dict(type='CIFAR10', ...)))
"""
from typing import Callable, List, Sequence, Union

from mmengine.registry import FUNCTIONS
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class AWSEnlargedBatch:
    """Emit ``copies`` independently augmented copies of every image.

    Args:
        dataset: Config (or built instance) of the wrapped dataset; its pipeline runs once per
            copy.
        copies: ``M``, copies per image (>= 1; 1 is the plain dataset, in a list).
    """

    def __init__(self, dataset: Union[dict, object], copies: int = 8) -> None:
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise ValueError(f'AWSEnlargedBatch: copies must be an integer >= 1, got {copies!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        self.copies = copies
        self.metainfo = getattr(self.dataset, 'metainfo', {})

    def get_gt_labels(self):
        return self.dataset.get_gt_labels()

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, idx: int) -> List[dict]:
        # every ``dataset[idx]`` copies the raw data info and runs the pipeline afresh
        return [self.dataset[idx] for _ in range(self.copies)]

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(copies={self.copies}, {len(self)} images)'


@FUNCTIONS.register_module(name='aws_enlarged_collate')
def aws_enlarged_collate(data_batch: Sequence, collate: Union[str, Callable] = 'pseudo_collate'):
    """Flatten the per-image lists of :class:`AWSEnlargedBatch`, then collate.

    Items that are not lists (a dataset without the wrapper) pass through unchanged, so the
    function is also safe on a plain dataset.

    Args:
        data_batch: The items of one batch.
        collate: The inner collate function or its ``FUNCTIONS`` name.
    """
    if isinstance(collate, str):
        fn = FUNCTIONS.get(collate)
        if fn is None:
            raise ValueError(f'aws_enlarged_collate: collate={collate!r} is not a registered '
                             'function (expected e.g. pseudo_collate or default_collate)')
        collate = fn
    flat = []
    for item in data_batch:
        if isinstance(item, list):
            flat.extend(item)
        else:
            flat.append(item)
    return collate(flat)


__all__ = ['AWSEnlargedBatch', 'aws_enlarged_collate']
