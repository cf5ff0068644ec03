"""BSN++ loss: BMN's loss with bi-directional boundary terms and scale-balanced re-sampling.

Paper: BSN++ (arXiv 2009.07641). ``L = L_CBG + w_reg L_reg + w_cls L_cls`` with BMN's weights
(1, 10, 1), BMN's ``pem_cls_loss`` (IoU > 0.9 positives) and ``pem_reg_loss`` (IoU-balanced
sampling of high > 0.7 / mid / low > 0 cells), both verified in mmaction2's ``BMNLoss``.

* ``L_CBG``: mmaction2's ``binary_logistic_regression_loss`` on start and end of the forward
  pass, plus, when the localizer is bi-directional, on the backward pass against the flipped
  and **swapped** labels ``(flip(g_e), flip(g_s))``. Deep-supervision heads (recalled) are
  averaged with the top head. An optional consistency MSE between the complementary pairs has
  weight 0 by default (our choice).
* Scale-balanced re-sampling (SBR; that it exists is verified, the rule is our choice):
  cells are binned by normalised duration ``(d+1)/T`` (edges ``sbr_bins``); every bin with
  positives gets the same total positive weight ``N_pos / K_nonempty`` and samples its mid and
  low cells with probability ``min(1, W_b/|Mid_b|)`` and ``min(1, W_b/|Low_b|)``. With one bin
  the expected sampling is BMN's. Applied to ``L_reg`` (default) and optionally ``L_cls``.
* A guard returns 0 (with a gradient path) where BMN's ``pem_reg_loss`` divides by zero (no
  positive, no mid or no low cells); otherwise the unbalanced path draws the same random
  numbers in the same order as ``BMNLoss.pem_reg_loss`` and equals it.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from mmaction.models.losses import BMNLoss
from mmaction.models.losses.binary_logistic_regression_loss import \
    binary_logistic_regression_loss
from mmaction.registry import MODELS

DEFAULT_BINS = (0.0, 0.06, 0.12, 0.25, 0.5, 1.0)


def duration_bins(tscale: int, edges: Sequence[float], device=None) -> torch.Tensor:
    """Bin index ``(T,)`` of every BM row ``d`` by its duration ``(d + 1) / T``.

    Bin ``b`` is ``(edges[b], edges[b+1]]``.
    """
    edges = torch.as_tensor(edges, dtype=torch.float64)
    if edges.ndim != 1 or len(edges) < 2 or not bool((edges[1:] > edges[:-1]).all()):
        raise ValueError(f'sbr_bins must be an increasing sequence of >= 2 edges, got {edges}')
    dur = (torch.arange(tscale, dtype=torch.float64) + 1) / tscale
    return torch.bucketize(dur, edges[1:-1]).to(device)


def quantile_edges(durations: Sequence[float], num_bins: int) -> Tuple[float, ...]:
    """Bin edges at the quantiles of ground-truth durations (normalised to [0, 1])."""
    q = torch.quantile(torch.as_tensor(durations, dtype=torch.float64),
                       torch.linspace(0, 1, num_bins + 1, dtype=torch.float64))
    q[0], q[-1] = 0.0, 1.0
    return tuple(float(v) for v in torch.unique(q))


def scale_balanced_weights(gt_iou_map: torch.Tensor, pos: torch.Tensor,
                           negatives: Sequence[torch.Tensor], bins: torch.Tensor,
                           generator: Optional[torch.Generator] = None
                           ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-cell weights of SBR and their expectation.

    Args:
        gt_iou_map: ``(B, D, T)`` targets (for the shape only).
        pos: ``(B, D, T)`` bool positives.
        negatives: Bool masks (e.g. mid, low) sampled per bin to the bin's positive mass.
        bins: ``(D,)`` bin index of every duration row.
        generator: Random generator of the sampling.

    Returns:
        ``(weights, expected)``: positives weigh ``W_b / |P_b|`` with ``W_b = N_pos /
        K_nonempty``; a sampled negative weighs 1; ``expected`` has the sampling probabilities
        in place of the draws.
    """
    num_bins = int(bins.max()) + 1
    cell_bin = bins.view(1, -1, 1).expand_as(gt_iou_map)
    onehot = F.one_hot(cell_bin, num_bins).to(gt_iou_map.dtype)  # (B, D, T, K)

    def per_bin(m):
        return (onehot * m.unsqueeze(-1).to(gt_iou_map.dtype)).sum(dim=(0, 1, 2))

    p_b = per_bin(pos)
    nonempty = p_b > 0
    n_pos = p_b.sum()
    w_b = torch.where(nonempty, n_pos / nonempty.sum().clamp(min=1), torch.zeros_like(p_b))
    pos_w = torch.where(nonempty, w_b / p_b.clamp(min=1), torch.zeros_like(p_b))
    weights = pos.to(gt_iou_map.dtype) * pos_w[cell_bin]
    expected = weights.clone()
    for neg in negatives:
        n_b = per_bin(neg)
        prob_b = torch.where(n_b > 0, (w_b / n_b.clamp(min=1)).clamp(max=1), torch.zeros_like(n_b))
        prob = neg.to(gt_iou_map.dtype) * prob_b[cell_bin]
        draw = torch.rand(gt_iou_map.shape, generator=generator, dtype=gt_iou_map.dtype,
                          device=gt_iou_map.device)
        weights = weights + (draw < prob).to(gt_iou_map.dtype)
        expected = expected + prob
    return weights, expected


@MODELS.register_module()
class BSNPPLoss(BMNLoss):
    """BSN++ loss (see the module docstring).

    Args:
        weight_tem: Weight of the boundary (CBG) loss.
        weight_pem_reg: Weight of the BM regression loss.
        weight_pem_cls: Weight of the BM classification loss.
        weight_consistency: Weight of the MSE between complementary boundary pairs.
        sbr: Use scale-balanced re-sampling in ``L_reg`` (False = BMN's sampling).
        sbr_cls: Also balance the positives of ``L_cls`` across duration bins.
        sbr_bins: Duration-bin edges: strictly increasing, from 0 to 1 (every normalised
            duration ``(d+1)/T`` in ``(0, 1]`` falls in a bin).
        high_iou, low_iou: BMN's IoU thresholds of the regression sampling.
        cls_threshold: IoU of a classification positive.
    """

    def __init__(self, weight_tem: float = 1.0, weight_pem_reg: float = 10.0,
                 weight_pem_cls: float = 1.0, weight_consistency: float = 0.0, sbr: bool = True,
                 sbr_cls: bool = False, sbr_bins: Sequence[float] = DEFAULT_BINS,
                 high_iou: float = 0.7, low_iou: float = 0.3, cls_threshold: float = 0.9) -> None:
        super().__init__()
        try:
            edges = [float(e) for e in sbr_bins]
        except (TypeError, ValueError):
            edges = []
        if len(edges) < 2 or edges[0] != 0.0 or edges[-1] != 1.0 or \
                any(b <= a for a, b in zip(edges, edges[1:])):
            raise ValueError(f'sbr_bins must increase strictly from 0 to 1 (e.g. '
                             f'{DEFAULT_BINS}), got {tuple(sbr_bins)}')
        if not 0 <= low_iou < high_iou <= 1:
            raise ValueError(f'need 0 <= low_iou < high_iou <= 1, got {low_iou}, {high_iou}')
        self.weight_tem = weight_tem
        self.weight_pem_reg = weight_pem_reg
        self.weight_pem_cls = weight_pem_cls
        self.weight_consistency = weight_consistency
        self.sbr = sbr
        self.sbr_cls = sbr_cls
        self.sbr_bins = tuple(float(e) for e in sbr_bins)
        self.high_iou = high_iou
        self.low_iou = low_iou
        self.cls_threshold = cls_threshold

    def _masks(self, gt_iou_map, mask):
        high = gt_iou_map > self.high_iou
        mid = (gt_iou_map <= self.high_iou) & (gt_iou_map > self.low_iou)
        low = (gt_iou_map <= self.low_iou) & (gt_iou_map > 0.) & (mask > 0)
        return high, mid, low

    def reg_loss(self, pred: torch.Tensor, gt_iou_map: torch.Tensor,
                 mask: torch.Tensor) -> torch.Tensor:
        """BM regression loss: BMN's sampling (``sbr=False``) or SBR, NaN-guarded."""
        high, mid, low = self._masks(gt_iou_map, mask)
        if self.sbr:
            bins = duration_bins(gt_iou_map.shape[-1], self.sbr_bins, gt_iou_map.device)
            weights, _ = scale_balanced_weights(gt_iou_map, high, (mid, low), bins)
        else:  # BMN's sampling; same random draws as BMNLoss.pem_reg_loss
            num_h, num_m, num_l = high.sum(), mid.sum(), low.sum()
            r_m = num_h / num_m if num_m > 0 else torch.zeros(())
            r_l = num_h / num_l if num_l > 0 else torch.zeros(())
            s_m = ((mid.float() * torch.rand_like(gt_iou_map)) > (1. - r_m)).float()
            s_l = ((low.float() * torch.rand_like(gt_iou_map)) > (1. - r_l)).float()
            weights = high.float() + s_m + s_l
        total = weights.sum()
        if total <= 0:
            return (pred * 0.).sum()
        return 0.5 * (weights * (pred - gt_iou_map) ** 2).sum() / total

    def cls_loss(self, pred: torch.Tensor, gt_iou_map: torch.Tensor, mask: torch.Tensor,
                 ratio_range=(1.05, 21), eps: float = 1e-5) -> torch.Tensor:
        """BMN ``pem_cls_loss``; with ``sbr_cls`` positives are re-weighted per duration bin."""
        if not self.sbr_cls:
            return self.pem_cls_loss(pred, gt_iou_map, mask, self.cls_threshold,
                                     ratio_range, eps)
        pos = gt_iou_map > self.cls_threshold
        bins = duration_bins(gt_iou_map.shape[-1], self.sbr_bins, gt_iou_map.device)
        pmask, _ = scale_balanced_weights(gt_iou_map, pos, (), bins)
        nmask = (gt_iou_map <= self.cls_threshold).float() * mask
        num_positive = max(pmask.sum(), 1)
        num_entries = num_positive + nmask.sum()
        ratio = torch.clamp(num_entries / num_positive, ratio_range[0], ratio_range[1])
        loss_pos = 0.5 * ratio * torch.log(pred + eps) * pmask
        loss_neg = 0.5 * ratio / (ratio - 1) * torch.log(1.0 - pred + eps) * nmask
        return -(loss_pos + loss_neg).sum() / num_entries

    def boundary_loss(self, boundary: Dict[str, list], gt_start: torch.Tensor,
                      gt_end: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """CBG loss over {start, end} x {fwd, bwd}, averaged over supervised depths."""
        terms = []
        for s_f, e_f in boundary['fwd']:
            terms.append(binary_logistic_regression_loss(s_f, gt_start) +
                         binary_logistic_regression_loss(e_f, gt_end))
        tem = torch.stack(terms).mean()
        cons = tem.new_zeros(())
        if boundary.get('bwd'):
            terms = []
            for s_b, e_b in boundary['bwd']:  # backward time: start <-> flipped end
                terms.append(binary_logistic_regression_loss(s_b, gt_end.flip(-1)) +
                             binary_logistic_regression_loss(e_b, gt_start.flip(-1)))
            tem = tem + torch.stack(terms).mean()
            if self.weight_consistency:
                (s_f, e_f), (s_b, e_b) = boundary['fwd'][-1], boundary['bwd'][-1]
                cons = F.mse_loss(s_f, e_b.flip(-1)) + F.mse_loss(e_f, s_b.flip(-1))
        return tem, cons

    def forward(self, pred_bm: torch.Tensor, boundary: Dict[str, list], gt_iou_map: torch.Tensor,
                gt_start: torch.Tensor, gt_end: torch.Tensor,
                bm_mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Loss parts and their weighted sum ``loss``.

        Args:
            pred_bm: ``(B, 2, D, T)``: channel 0 IoU regression, channel 1 classification.
            boundary: ``{'fwd': [(start, end), ...], 'bwd': [...]}`` per supervised depth
                (top head last); ``'bwd'`` in reversed time, or empty.
            gt_iou_map, gt_start, gt_end: BMN's labels.
            bm_mask: ``(D, T)`` valid cells.
        """
        gt_iou_map = gt_iou_map * bm_mask
        reg = self.reg_loss(pred_bm[:, 0].contiguous(), gt_iou_map, bm_mask)
        cls = self.cls_loss(pred_bm[:, 1].contiguous(), gt_iou_map, bm_mask)
        tem, cons = self.boundary_loss(boundary, gt_start, gt_end)
        loss = (self.weight_tem * tem + self.weight_pem_reg * reg + self.weight_pem_cls * cls +
                self.weight_consistency * cons)
        return dict(loss=loss, loss_tem=tem, loss_reg=reg, loss_cls=cls, loss_cons=cons)
