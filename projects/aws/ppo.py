"""PPO agent with a moving-average baseline for the AWS policy.

Paper: AWS (arXiv 2009.14737), section 3.3; official ``agent/ppo.py`` and ``agent/base.py``.

One agent step per search loop, given each trajectory's reward ``r`` and pair counts:

1. Baselines (official): per trajectory slot ``B <- m * B + (1 - m) * r`` (``m = 0.9``), updated
   **before** the advantage; in the first loop ``B = r`` (so the first advantage is 0) and the
   initial baseline ``B0`` is the mean reward of the first loop.
2. Advantage ``A = s * (rho0 * (r - B0) + (1 - rho0) * (r - B))`` (``s = 0.5``, ``rho0 = 0``),
   spread over the pairs by frequency: ``A_ij = A * count_ij / sum(count)``.
3. The learning-rate scheduler steps once, then up to ``max_updates`` Adam steps on
   ``-sum_ij min(ratio_ij A_ij, clip(ratio_ij, 1 - eps, 1 + eps) A_ij)`` with the **standard**
   ratio ``P_theta / P_old`` (the official pre-release computes ``P_old / P_theta``, which
   reverses the update). Gradients are averaged over all trajectories (all ranks). After each
   step, the approximate KL ``sum P_old (log P_old - log P_theta)`` of the parameters that step
   was computed at is compared with ``kl_stop`` (the official order), and a larger one stops.

Ours (configurable, [D]/[R] in the README): the exact warm-up formula of the agent lr
(``lr_k = start + (lr - start) * min(k, warmup_loops) / warmup_loops`` after the ``k``-th
scheduler step), float64 parameters, and several trajectories per rank run one after another.
"""
import copy
from typing import List, Optional, Sequence

import torch
import torch.distributed as torch_dist
from mmengine import dist as mmengine_dist

from .policy import AWSPolicy


def _dist_world() -> int:
    if torch_dist.is_available() and torch_dist.is_initialized():
        return torch_dist.get_world_size()
    return 1


class AWSPPOAgent:
    """The policy, its Adam optimizer and the PPO bookkeeping.

    Args:
        policy: The policy to train (zeros, i.e. uniform, if None).
        clip: PPO clip epsilon.
        max_updates: Adam steps per loop at most.
        kl_stop: Approximate-KL threshold of the early stop.
        lr: Agent learning rate after warm-up.
        warmup_start_lr: Agent learning rate at the start of the warm-up.
        warmup_loops: Loops of linear warm-up (the scheduler steps once per loop).
        betas: Adam betas.
        baseline_mom: Momentum ``m`` of the running baseline.
        adv_scale: ``s`` (official ``grad_scale``).
        initial_baseline_ratio: ``rho0``, the weight of the initial-baseline term.
        normalize: ``'sigmoid'`` (official) or ``'softmax'``.
    """

    def __init__(self, policy: Optional[AWSPolicy] = None, clip: float = 0.2,
                 max_updates: int = 5, kl_stop: float = 0.002, lr: float = 0.1,
                 warmup_start_lr: float = 0.0125, warmup_loops: int = 10,
                 betas: Sequence[float] = (0.5, 0.999), baseline_mom: float = 0.9,
                 adv_scale: float = 0.5, initial_baseline_ratio: float = 0.0,
                 normalize: str = 'sigmoid') -> None:
        if not 0 < clip < 1:
            raise ValueError(f'clip must be in (0, 1), got {clip}')
        if max_updates < 1:
            raise ValueError(f'max_updates must be >= 1, got {max_updates}')
        if not 0 <= baseline_mom < 1:
            raise ValueError(f'baseline_mom must be in [0, 1), got {baseline_mom}')
        if warmup_loops < 0:
            raise ValueError(f'warmup_loops must be >= 0, got {warmup_loops}')
        self.policy = policy if policy is not None else AWSPolicy(normalize=normalize)
        self.clip, self.max_updates, self.kl_stop = clip, int(max_updates), kl_stop
        self.base_lr, self.warmup_start_lr, self.warmup_loops = lr, warmup_start_lr, warmup_loops
        self.baseline_mom, self.adv_scale = baseline_mom, adv_scale
        self.initial_baseline_ratio = initial_baseline_ratio
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=self.lr_at(0),
                                          betas=tuple(betas), weight_decay=0)
        self.scheduler_steps = 0
        self.running_baselines: Optional[List[float]] = None
        self.initial_baseline: Optional[float] = None

    # ---- schedule and baselines ----------------------------------------------------------
    def lr_at(self, steps: int) -> float:
        """Agent lr after ``steps`` scheduler steps."""
        if self.warmup_loops == 0:
            return self.base_lr
        frac = min(steps, self.warmup_loops) / self.warmup_loops
        return self.warmup_start_lr + (self.base_lr - self.warmup_start_lr) * frac

    def advantages(self, rewards: Sequence[float]) -> List[float]:
        """Update the baselines with the rewards of all trajectories; return their ``A``."""
        rewards = [float(r) for r in rewards]
        if self.running_baselines is None:  # first loop: B = r, B0 = mean reward
            self.running_baselines = list(rewards)
            self.initial_baseline = sum(rewards) / len(rewards)
        elif len(self.running_baselines) != len(rewards):
            raise ValueError(f'{len(rewards)} trajectories this loop, '
                             f'{len(self.running_baselines)} before')
        m = self.baseline_mom
        self.running_baselines = [m * b + (1 - m) * r
                                  for b, r in zip(self.running_baselines, rewards)]
        rho0 = self.initial_baseline_ratio
        return [self.adv_scale * (rho0 * (r - self.initial_baseline) + (1 - rho0) * (r - b))
                for r, b in zip(rewards, self.running_baselines)]

    # ---- PPO -----------------------------------------------------------------------------
    def surrogate(self, log_joint: torch.Tensor, old_log_joint: torch.Tensor,
                  advantage: torch.Tensor) -> torch.Tensor:
        """``sum_ij min(ratio A, clip(ratio) A)`` with ``ratio = P / P_old``."""
        ratio = (log_joint - old_log_joint).exp()
        clipped = ratio.clamp(1 - self.clip, 1 + self.clip)
        return torch.min(ratio * advantage, clipped * advantage).sum()

    @staticmethod
    def pair_advantage(counts: torch.Tensor, advantage: float) -> torch.Tensor:
        """``A_ij = A * count_ij / sum(count)``."""
        counts = torch.as_tensor(counts, dtype=torch.float64)
        total = counts.sum()
        if total <= 0:
            raise ValueError('a trajectory recorded no augmentation pair')
        return counts / total * advantage

    def update(self, local_counts: Sequence[torch.Tensor], local_advantages: Sequence[float],
               num_trajectories: Optional[int] = None,
               old_log_joint: Optional[torch.Tensor] = None) -> dict:
        """One agent step (steps the lr scheduler, then PPO).

        Args:
            local_counts: Pair counts of this rank's trajectories.
            local_advantages: Their scalar advantages (from :meth:`advantages`).
            num_trajectories: Trajectories over all ranks (default: local x world size).
            old_log_joint: ``log P_old``; the current policy's if None.

        Returns:
            ``dict(updates=<Adam steps>, kl=<last approximate KL>, lr=<agent lr>)``.
        """
        total = num_trajectories or len(local_counts) * _dist_world()
        # one surrogate per trajectory (as one per worker officially): summing the advantage
        # matrices first would clip a pair's opposite advantages together
        advs = [self.pair_advantage(c, a) for c, a in zip(local_counts, local_advantages)]
        with torch.no_grad():
            old = self.policy.log_joint() if old_log_joint is None else old_log_joint
            old_p = old.exp()
        self.scheduler_steps += 1
        for group in self.optimizer.param_groups:
            group['lr'] = self.lr_at(self.scheduler_steps)
        updates, kl = 0, 0.0
        world = _dist_world()
        for _ in range(self.max_updates):
            log_joint = self.policy.log_joint()
            loss = -sum(self.surrogate(log_joint, old, adv) for adv in advs) / total
            self.optimizer.zero_grad()
            loss.backward()
            if world > 1:  # mmengine moves CPU tensors to the backend's device (nccl: cuda)
                for p in self.policy.parameters():
                    mmengine_dist.all_reduce(p.grad, op='sum')
            self.optimizer.step()
            updates += 1
            kl = float((old_p * (old - log_joint.detach())).sum())
            if kl > self.kl_stop:
                break
        return dict(updates=updates, kl=kl, lr=self.optimizer.param_groups[0]['lr'])

    # ---- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return dict(theta1=self.policy.theta1.detach().clone(),
                    theta2=self.policy.theta2.detach().clone(),
                    normalize=self.policy.normalize,
                    optimizer=copy.deepcopy(self.optimizer.state_dict()),
                    scheduler_steps=self.scheduler_steps,
                    running_baselines=None if self.running_baselines is None
                    else list(self.running_baselines),
                    initial_baseline=self.initial_baseline)

    def load_state_dict(self, state: dict) -> None:
        with torch.no_grad():
            self.policy.theta1.copy_(state['theta1'])
            self.policy.theta2.copy_(state['theta2'])
        self.optimizer.load_state_dict(state['optimizer'])
        self.scheduler_steps = int(state['scheduler_steps'])
        self.running_baselines = state['running_baselines']
        self.initial_baseline = state['initial_baseline']


def approx_kl(old_log_joint: torch.Tensor, log_joint: torch.Tensor) -> float:
    return float((old_log_joint.exp() * (old_log_joint - log_joint)).sum())


__all__ = ['AWSPPOAgent', 'approx_kl']
