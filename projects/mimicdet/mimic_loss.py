"""Cosine mimic loss of MimicDet.

Paper: Lu et al., "MimicDet: Bridging the Gap Between One-Stage and Two-Stage Object Detection",
ECCV 2020 (arXiv 2009.11528), section "Dual-path head mimicking". Per sampled box,
``L = 1 - cos(F_T, F_S)`` (paper, via third-party notes). Averaging over boxes and blocking the
gradient into the teacher (``detach_teacher=True``) are our choices (see projects/mimicdet/README.md).
"""
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class CosineMimicLoss(nn.Module):
    """``1 - cos(student, teacher)`` averaged over rows.

    Equals mmpretrain's ``CosineSimilarityLoss(shift_factor=1, scale_factor=1)``.

    Args:
        loss_weight: Multiplier of the loss.
        detach_teacher: Block the gradient into the teacher features (our default, [D]).
        eps: Norm floor of the cosine.

    Example:
        >>> loss = CosineMimicLoss()
        >>> x = torch.randn(4, 8)
        >>> float(loss(x, -x))
        2.0
    """

    def __init__(self, loss_weight: float = 1.0, detach_teacher: bool = True,
                 eps: float = 1e-6) -> None:
        super().__init__()
        if loss_weight < 0:
            raise ValueError(f'loss_weight must be >= 0, got {loss_weight!r}')
        if eps <= 0:
            raise ValueError(f'eps must be > 0, got {eps!r}')
        self.loss_weight = float(loss_weight)
        self.detach_teacher = bool(detach_teacher)
        self.eps = float(eps)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Return the mean ``1 - cos`` over the rows of ``(K, D)`` inputs (0 if ``K == 0``)."""
        if student.shape != teacher.shape:
            raise ValueError(f'student {tuple(student.shape)} and teacher '
                             f'{tuple(teacher.shape)} must have the same shape')
        if self.detach_teacher:
            teacher = teacher.detach()
        if student.numel() == 0:
            return student.sum() * 0. + teacher.sum() * 0.
        cos = F.cosine_similarity(student.flatten(1), teacher.flatten(1), dim=1, eps=self.eps)
        return self.loss_weight * (1. - cos).mean()
