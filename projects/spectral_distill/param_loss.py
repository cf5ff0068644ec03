"""Parameter frequency-distribution loss (parameter distribution distillation).

Paper: arXiv 2009.06902. The abstract states that the frequency distribution of the
teacher's parameters guides the student. The transform (orthonormal 2D DCT-II of every kxk
kernel), the energy distribution over the k*k bins, the stage pairing and the divergence
``KL(p_T || p_S)`` are our reconstruction (see projects/spectral_distill/README.md).
"""
import math
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmaction.registry import MODELS


def dct_matrix(k: int, dtype: torch.dtype = torch.float32,
               device=None) -> torch.Tensor:
    """The orthonormal DCT-II matrix ``C`` (``C @ C.T = I``) of size ``k x k``.

    ``C[u, x] = a_u cos(pi (2x + 1) u / (2k))`` with ``a_0 = sqrt(1/k)``, ``a_u = sqrt(2/k)``.
    """
    if k < 1:
        raise ValueError(f'dct_matrix: k must be >= 1, got {k}')
    x = torch.arange(k, dtype=torch.float64)
    u = x[:, None]
    c = torch.cos(math.pi * (2 * x[None, :] + 1) * u / (2 * k)) * math.sqrt(2.0 / k)
    c[0] = c[0] / math.sqrt(2.0)
    return c.to(dtype=dtype, device=device)


def kernel_dct(weight: torch.Tensor) -> torch.Tensor:
    """2D DCT ``C W C^T`` of the last two (square) dimensions of a conv weight."""
    k = weight.shape[-1]
    if weight.shape[-2] != k:
        raise ValueError(f'kernel_dct: kernels must be square, got {tuple(weight.shape[-2:])}')
    c = dct_matrix(k, dtype=weight.dtype, device=weight.device)
    return c @ weight @ c.t()


def dct_energy_distribution(weight: torch.Tensor) -> torch.Tensor:
    """``p[u, v] = e[u, v] / sum(e)`` with ``e = mean over kernels of DCT(W)^2``.

    Args:
        weight: A conv weight ``[O, I, k, k]`` (or ``[O, I, t, k, k]``: every temporal slice
            counts as one more kxk kernel).

    Returns:
        A ``[k, k]`` distribution (non-negative, sums to 1), in float32 or float64.
    """
    if weight.dtype not in (torch.float32, torch.float64):
        weight = weight.float()
    k = weight.shape[-1]
    d = kernel_dct(weight.reshape(-1, weight.shape[-2], k))
    energy = d.pow(2).mean(dim=0)
    return energy / energy.sum().clamp_min(torch.finfo(energy.dtype).tiny)


def square_convs(module: nn.Module) -> List[Tuple[str, torch.Tensor]]:
    """``(name, weight)`` of every Conv2d/Conv3d in ``module`` with square spatial k > 1."""
    found = []
    for name, m in module.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Conv3d)):
            kh, kw = m.weight.shape[-2:]
            if kh == kw and kh > 1:
                found.append((name, m.weight))
    return found


def stage_distributions(module: nn.Module) -> Dict[int, torch.Tensor]:
    """Per kernel size k, the mean of the per-layer DCT distributions of a stage."""
    by_k: Dict[int, List[torch.Tensor]] = {}
    for _, w in square_convs(module):
        by_k.setdefault(w.shape[-1], []).append(dct_energy_distribution(w))
    return {k: torch.stack(ps).mean(0) for k, ps in by_k.items()}


@MODELS.register_module()
class ParamFreqDistLoss(nn.Module):
    """``sum over matched (stage, k) of KL(p_T || p_S)`` of DCT energy distributions.

    The teacher's distribution is detached (a fixed target). A stage pair contributes one
    term per kernel size that both stages contain; the distribution of a stage is the mean
    of its layers' distributions (our choice: stages of different architectures have
    different numbers of layers).

    Args:
        eps: Floor of the probabilities inside the logarithm.
        loss_weight: Multiplies the loss.
    """

    def __init__(self, eps: float = 1e-12, loss_weight: float = 1.0) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f'ParamFreqDistLoss: eps must be > 0, got {eps}')
        self.eps = eps
        self.loss_weight = loss_weight

    def kl(self, p_t: torch.Tensor, p_s: torch.Tensor) -> torch.Tensor:
        """``KL(p_T || p_S)`` of two distributions of the same shape (teacher detached)."""
        p_t = p_t.detach()
        return (p_t * (torch.log(p_t.clamp_min(self.eps)) -
                       torch.log(p_s.clamp_min(self.eps)))).sum()

    def forward(self, student_stages: Sequence[nn.Module],
                teacher_stages: Sequence[nn.Module],
                teacher_cache: Optional[dict] = None) -> torch.Tensor:
        """Loss over paired stages (modules); returns 0 when no kernel size matches.

        ``teacher_cache`` (a dict owned by the caller) keeps the teacher's distributions of
        a frozen teacher; an entry is recomputed when a teacher weight changes (its
        ``_version`` counter, bumped by every in-place update such as ``load_state_dict``).
        """
        if len(student_stages) != len(teacher_stages):
            raise ValueError('ParamFreqDistLoss: got '
                             f'{len(student_stages)} student and {len(teacher_stages)} '
                             'teacher stages')
        total = None
        for s_mod, t_mod in zip(student_stages, teacher_stages):
            p_s = stage_distributions(s_mod)
            if teacher_cache is None:
                p_t = stage_distributions(t_mod)
            else:
                key = tuple((id(w), w._version) for _, w in square_convs(t_mod))
                entry = teacher_cache.get(id(t_mod))
                if entry is None or entry[0] != key:
                    with torch.no_grad():
                        entry = (key, stage_distributions(t_mod))
                    teacher_cache[id(t_mod)] = entry
                p_t = entry[1]
            for k in sorted(set(p_s) & set(p_t)):
                term = self.kl(p_t[k], p_s[k])
                total = term if total is None else total + term
        if total is None:
            ref = next(iter(student_stages[0].parameters()), None) if student_stages else None
            return torch.zeros((), device=None if ref is None else ref.device)
        return self.loss_weight * total


def matched_kernel_sizes(student_stages: Iterable[nn.Module],
                         teacher_stages: Iterable[nn.Module]) -> List[List[int]]:
    """Kernel sizes that each stage pair has in common (for checks and logs)."""
    return [sorted({w.shape[-1] for _, w in square_convs(s)} &
                   {w.shape[-1] for _, w in square_convs(t)})
            for s, t in zip(student_stages, teacher_stages)]
