"""The AWS augmentation policy: a distribution over ordered pairs of the 36 ops.

Paper: AWS (arXiv 2009.14737), section 3.2; official ``agent/base.py``.

Parameters ``theta1`` (36) and ``theta2`` (36 x 36), zero-initialised. With the official
"sigmoid-normalise" ``p1 = sigmoid(theta1) / sum(sigmoid(theta1))`` and row-wise
``p2[i] = sigmoid(theta2[i]) / sum(sigmoid(theta2[i]))`` (a ``'softmax'`` option exists); the
joint is ``P(i, j) = p1[i] * p2[i, j]``. Zero parameters give exactly ``1/1296`` per pair: the
uniform "shared" policy of stage 1.

Files. :meth:`AWSPolicy.save` writes JSON (``op_names``, ``normalize``, ``theta1``, ``theta2``
and, for reading, ``probs``); :meth:`AWSPolicy.load` reads that JSON or an official agent
checkpoint (``.pth``/``.pth.tar`` holding ``first_param``/``second_param``, top level or under
``'agent'``). A bad file raises a one-line ``ValueError`` naming the file and the entry.
"""
import json
import math
import os
import os.path as osp
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .op_space import NUM_OPS, OP_NAMES

from projects.common.errors import MMPapersError

NORMALIZE = ('sigmoid', 'softmax')


class AWSPolicyError(MMPapersError, ValueError):
    """A bad policy file or value; one line naming the file and entry (``tools/train.py``
    prints it as a single ``error:`` line)."""

FORMAT = 'aws-policy/v1'


def normalize_probs(theta: torch.Tensor, normalize: str = 'sigmoid') -> torch.Tensor:
    """Probabilities over the last dim: sigmoid-normalise (official default) or softmax."""
    if normalize == 'sigmoid':
        s = theta.sigmoid()
        return s / s.sum(dim=-1, keepdim=True)
    if normalize == 'softmax':
        return theta.softmax(dim=-1)
    raise AWSPolicyError(f'normalize must be one of {NORMALIZE}, got {normalize!r}')


class AWSPolicy:
    """Policy parameters and the pair distribution they define.

    Args:
        theta1: First-op logits, shape ``(36,)``; zeros if None.
        theta2: Second-op logits given the first, shape ``(36, 36)``; zeros if None.
        normalize: ``'sigmoid'`` (official) or ``'softmax'``.

    Example:
        >>> policy = AWSPolicy()
        >>> float(policy.joint()[0, 0]) == 1 / 1296
        True
    """

    def __init__(self, theta1: Optional[torch.Tensor] = None,
                 theta2: Optional[torch.Tensor] = None, normalize: str = 'sigmoid') -> None:
        if normalize not in NORMALIZE:
            raise AWSPolicyError(f'normalize must be one of {NORMALIZE}, got {normalize!r}')
        self.normalize = normalize
        t1 = torch.zeros(NUM_OPS, dtype=torch.float64) if theta1 is None else \
            torch.as_tensor(theta1, dtype=torch.float64).clone()
        t2 = torch.zeros(NUM_OPS, NUM_OPS, dtype=torch.float64) if theta2 is None else \
            torch.as_tensor(theta2, dtype=torch.float64).clone()
        if t1.shape != (NUM_OPS, ) or t2.shape != (NUM_OPS, NUM_OPS):
            raise AWSPolicyError(f'theta1/theta2 must have shapes ({NUM_OPS},)/'
                                 f'({NUM_OPS}, {NUM_OPS}),'
                             f' got {tuple(t1.shape)}/{tuple(t2.shape)}')
        self.theta1 = torch.nn.Parameter(t1)
        self.theta2 = torch.nn.Parameter(t2)

    # ---- probabilities -------------------------------------------------------------------
    def parameters(self):
        return [self.theta1, self.theta2]

    def marginals(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(p1, p2)``: ``p1[i]`` and the conditional ``p2[i, j]`` (differentiable)."""
        return (normalize_probs(self.theta1, self.normalize),
                normalize_probs(self.theta2, self.normalize))

    def joint(self) -> torch.Tensor:
        """``P(i, j) = p1[i] * p2[i, j]`` as a ``(36, 36)`` tensor (differentiable).

        The sigmoid form is computed as ``s1[i] s2[i, j] / (S1 S2[i])`` (one rounding per
        operation), so zero parameters give exactly ``1/1296``.
        """
        if self.normalize == 'sigmoid':
            s1, s2 = self.theta1.sigmoid(), self.theta2.sigmoid()
            return (s1[:, None] * s2) / (s1.sum() * s2.sum(dim=1, keepdim=True))
        p1, p2 = self.marginals()
        return p1[:, None] * p2

    def log_joint(self) -> torch.Tensor:
        return self.joint().log()

    @torch.no_grad()
    def sample(self, n: int, rng: Optional[np.random.Generator] = None) -> np.ndarray:
        """Draw ``n`` ordered pairs: ``i ~ p1`` then ``j ~ p2[i]``; returns ``(n, 2)`` ints."""
        rng = np.random.default_rng() if rng is None else rng
        p1, p2 = (p.detach().numpy() for p in self.marginals())
        first = sample_index(np.cumsum(p1), rng.random(n))
        cum2 = np.cumsum(p2, axis=1)
        u = rng.random(n)
        second = np.array([sample_index(cum2[i], u[k]) for k, i in enumerate(first)], dtype=int)
        return np.stack([first, second], axis=1)

    def top_pairs(self, k: int = 10) -> list:
        """The ``k`` most probable pairs as ``(op1 name, op2 name, probability)``."""
        joint = self.joint().detach().flatten()
        values, idx = joint.topk(k)
        return [(OP_NAMES[int(i) // NUM_OPS], OP_NAMES[int(i) % NUM_OPS], float(v))
                for v, i in zip(values, idx)]

    # ---- files ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return dict(format=FORMAT, op_names=list(OP_NAMES), normalize=self.normalize,
                    theta1=self.theta1.detach().tolist(), theta2=self.theta2.detach().tolist(),
                    probs=self.joint().detach().tolist())

    def save(self, path: str) -> None:
        """Write the policy as JSON (atomically)."""
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        tmp = f'{path}.tmp-{os.getpid()}'
        with open(tmp, 'w') as f:
            json.dump(self.to_dict(), f)
        os.replace(tmp, path)

    @classmethod
    def from_dict(cls, data: dict, source: str = '<dict>') -> 'AWSPolicy':
        """Build from :meth:`to_dict` output; errors name ``source`` and the entry."""
        if not isinstance(data, dict):
            raise AWSPolicyError(f'{source}: expected a JSON object with theta1/theta2, '
                             f'got {type(data).__name__}')
        names = data.get('op_names', list(OP_NAMES))
        if not isinstance(names, list) or len(names) != NUM_OPS:
            raise AWSPolicyError(f'{source}: op_names must list the {NUM_OPS} AWS ops, got '
                             f'{len(names) if isinstance(names, list) else type(names).__name__}')
        for k, name in enumerate(names):
            if name not in OP_NAMES:
                raise AWSPolicyError(f'{source}: op_names[{k}]={name!r} is not an AWS op '
                                 f'(expected one of {OP_NAMES[0]!r} ... {OP_NAMES[-1]!r})')
            if name != OP_NAMES[k]:
                raise AWSPolicyError(f'{source}: op_names[{k}]={name!r}, expected {OP_NAMES[k]!r} '
                                 '(the official sorted order)')
        normalize = data.get('normalize', 'sigmoid')
        if normalize not in NORMALIZE:
            raise AWSPolicyError(f'{source}: normalize={normalize!r}, expected one of {NORMALIZE}')
        thetas = []
        for key, shape in (('theta1', (NUM_OPS, )), ('theta2', (NUM_OPS, NUM_OPS))):
            if key not in data:
                raise AWSPolicyError(f'{source}: missing entry {key!r} (shape {shape})')
            try:
                value = np.asarray(data[key], dtype=np.float64)
            except (TypeError, ValueError):
                raise AWSPolicyError(f'{source}: {key} is not a numeric array of shape {shape}') \
                    from None
            if value.shape != shape:
                raise AWSPolicyError(f'{source}: {key} has shape {value.shape}, expected {shape}')
            if not np.isfinite(value).all():
                raise AWSPolicyError(f'{source}: {key} holds non-finite values')
            thetas.append(torch.from_numpy(value))
        return cls(thetas[0], thetas[1], normalize=normalize)

    @classmethod
    def load(cls, path: str, normalize: Optional[str] = None) -> 'AWSPolicy':
        """Read a policy JSON or an official agent checkpoint (``.pth``/``.tar``).

        Args:
            path: The file.
            normalize: Override of the normalisation (official checkpoints do not store it;
                they default to ``'sigmoid'``).
        """
        if not osp.isfile(path):
            raise AWSPolicyError(f'{path}: policy file not found')
        if path.endswith('.json'):
            try:
                with open(path) as f:
                    data = json.load(f)
            except json.JSONDecodeError as exc:
                raise AWSPolicyError(f'{path}: not valid JSON ({exc})') from None
            policy = cls.from_dict(data, source=path)
        else:
            policy = cls.from_official(path)
        if normalize is not None:
            policy = cls(policy.theta1.detach(), policy.theta2.detach(), normalize=normalize)
        return policy

    @classmethod
    def from_official(cls, path: str) -> 'AWSPolicy':
        """Load the official agent layout: ``{'first_param', 'second_param', ...}``, at the top
        level or under ``'agent'`` (the official best-agent files)."""
        try:
            state = torch.load(path, map_location='cpu', weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is a user error here
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise AWSPolicyError(f'{path}: not a readable agent checkpoint ({first})') from None
        if isinstance(state, dict) and 'agent' in state:
            state = state['agent']
        if not isinstance(state, dict) or not {'first_param', 'second_param'} <= set(state):
            raise AWSPolicyError(f'{path}: expected an official agent state with first_param and '
                             'second_param')
        return cls.from_dict(dict(theta1=torch.as_tensor(state['first_param']).tolist(),
                                  theta2=torch.as_tensor(state['second_param']).tolist()),
                             source=path)

    @classmethod
    def build(cls, policy: Union[str, 'AWSPolicy', dict, None]) -> 'AWSPolicy':
        """``'uniform'``/None, a path, a dict or a policy."""
        if isinstance(policy, AWSPolicy):
            return policy
        if policy is None or policy == 'uniform':
            return cls()
        if isinstance(policy, dict):
            return cls.from_dict(policy)
        if isinstance(policy, str):
            return cls.load(policy)
        raise TypeError(f"policy must be 'uniform', a file path, a dict or an AWSPolicy, "
                        f'got {type(policy).__name__}')


def sample_index(cdf: np.ndarray, u: Union[float, np.ndarray]) -> np.ndarray:
    """Inverse-CDF draw: the first index whose cumulative probability exceeds ``u``."""
    idx = np.searchsorted(cdf, u, side='right')
    return np.minimum(idx, len(cdf) - 1)


def reward_topk(accuracies: Sequence[float], k: int = 2) -> float:
    """The official reward: the mean of the best ``k`` per-epoch accuracies."""
    if not accuracies:
        raise AWSPolicyError('reward_topk needs at least one accuracy')
    best = sorted(accuracies)[-k:]
    return sum(best) / len(best)


def entropy(policy: AWSPolicy) -> float:
    p = policy.joint().detach()
    return float(-(p * p.log()).sum()) / math.log(NUM_OPS * NUM_OPS)
