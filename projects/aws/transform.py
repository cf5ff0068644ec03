"""``AWSPolicyAugment``: apply an ordered pair of AWS ops, sampled from a policy, per image.

Paper: AWS (arXiv 2009.14737), section 3; official ``agent/base.py`` (``__call__``).

Per image: draw ``i ~ p1``, then ``j ~ p2[i]``, apply op ``i`` then op ``j`` (both always; no
per-op probability or magnitude, unlike AutoAugment) and record ``results['aws_pair'] = (i, j)``.
Add ``'aws_pair'`` to ``PackInputs``' ``meta_keys`` so the search loop can count the pairs in
the main process.

Workers. The probabilities live in shared-memory tensors (``share_memory_``): the search loop
writes a new policy with :meth:`AWSPolicyAugment.set_policy` in the main process and every
DataLoader worker, persistent ones included, samples from it from the next image on (tested).
Randomness is numpy's global generator, which mmengine seeds per worker.

Files. A policy path that does not exist yet when the pipeline is built (a final-training
config written before its search ran) is read at the first image, with a warning at build
time; a missing, unknown-op or wrong-shape file then fails with a one-line ``ValueError``
naming the file and the entry. An existing file is checked when the transform is built.
"""
import logging
import os.path as osp
from typing import Iterator, List, Optional, Tuple, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log
from mmpretrain.registry import TRANSFORMS

from .op_space import NUM_OPS, OP_NAMES, build_op_space
from .policy import AWSPolicy, sample_index


@TRANSFORMS.register_module()
class AWSPolicyAugment(BaseTransform):
    """Sample an ordered op pair from an AWS policy and apply it.

    Args:
        policy: ``'uniform'`` (the shared policy of stage 1), a policy JSON / official agent
            file, or a dict as written by :meth:`AWSPolicy.to_dict`.
        op_space: The op space; ``'aws36'`` (official).
        record_key: Key of ``results`` that receives ``(i, j)``.
    """

    def __init__(self, policy: Union[str, dict, AWSPolicy] = 'uniform', op_space: str = 'aws36',
                 record_key: str = 'aws_pair') -> None:
        self.ops = build_op_space(op_space)
        self.op_space = op_space
        self.record_key = record_key
        self.policy_source = policy if isinstance(policy, str) else type(policy).__name__
        self._cdf1 = torch.zeros(NUM_OPS, dtype=torch.float64).share_memory_()
        self._cdf2 = torch.zeros(NUM_OPS, NUM_OPS, dtype=torch.float64).share_memory_()
        self._pending = None
        if isinstance(policy, str) and policy != 'uniform' and not osp.exists(policy):
            # a config written before its search ran: read the file at the first image
            self._pending = policy
            print_log(f'AWSPolicyAugment: {policy} does not exist yet; it is read at the '
                      'first image', logger='current', level=logging.WARNING)
        else:
            self.set_policy(AWSPolicy.build(policy))

    @torch.no_grad()
    def set_policy(self, policy: AWSPolicy) -> None:
        """Use ``policy`` from now on, in this process and in every worker that shares it."""
        self._pending = None
        p1, p2 = policy.marginals()
        self._cdf1.copy_(p1.detach().cumsum(0))
        self._cdf2.copy_(p2.detach().cumsum(1))

    def probs(self) -> torch.Tensor:
        """The joint ``P(i, j)`` currently sampled from (recovered from the shared CDFs)."""
        p1 = torch.diff(self._cdf1, prepend=self._cdf1.new_zeros(1))
        p2 = torch.diff(self._cdf2, dim=1, prepend=self._cdf2.new_zeros(NUM_OPS, 1))
        return p1[:, None] * p2

    def sample_pair(self) -> Tuple[int, int]:
        """Draw ``(i, j)`` with numpy's global generator."""
        if self._pending is not None:
            self.set_policy(AWSPolicy.load(self._pending))
            self._pending = None
        i = int(sample_index(self._cdf1.numpy(), np.random.random()))
        j = int(sample_index(self._cdf2[i].numpy(), np.random.random()))
        return i, j

    def apply_pair(self, results: dict, i: int, j: int) -> dict:
        """Apply op ``i`` then op ``j`` and record the pair."""
        results = self.ops[i](results)
        results = self.ops[j](results)
        results[self.record_key] = (i, j)
        return results

    def transform(self, results: dict) -> dict:
        i, j = self.sample_pair()
        return self.apply_pair(results, i, j)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(policy={self.policy_source!r}, '
                f'op_space={self.op_space!r}, {len(self.ops)} ops)')


def iter_policy_transforms(dataset) -> Iterator[AWSPolicyAugment]:
    """Every :class:`AWSPolicyAugment` in a dataset's pipeline (through dataset wrappers)."""
    seen = set()
    stack = [dataset]
    while stack:
        ds = stack.pop()
        if ds is None or id(ds) in seen:
            continue
        seen.add(id(ds))
        pipeline = getattr(ds, 'pipeline', None)
        for t in getattr(pipeline, 'transforms', []) or []:
            if isinstance(t, AWSPolicyAugment):
                yield t
        stack.append(getattr(ds, 'dataset', None))
        stack.extend(getattr(ds, 'datasets', []) or [])


def pairs_from_samples(data_samples: List, key: str = 'aws_pair') -> Optional[List[tuple]]:
    """The recorded pairs of a batch, or None when the samples do not carry them."""
    pairs = []
    for sample in data_samples:
        pair = sample.metainfo.get(key) if hasattr(sample, 'metainfo') else None
        if pair is None:
            return None
        pairs.append((int(pair[0]), int(pair[1])))
    return pairs


__all__ = ['AWSPolicyAugment', 'iter_policy_transforms', 'pairs_from_samples', 'OP_NAMES']
