"""BSN++ proposal relation block (PRB).

Paper: BSN++ (arXiv 2009.07641), "Proposal Relation Block": position and channel
self-attention over the boundary-matching (BM) map (verified). The layout is DANet-like and
its details are our choices (spec [D]):

* position attention (PAM): ``Q = Wq M``, ``K = Wk M`` (C -> ``qk_channels``), ``V = Wv M``;
  ``attn = softmax_keys(Q^T K)`` with invalid BM cells (``bm_mask == 0``) excluded as keys
  and, for memory, also as queries (their output is ``M``); ``out_p = gamma_p V attn^T + M``.
  Queries are processed in chunks (recomputed in the backward pass when training), so memory
  is ``chunk x num_valid`` (about 20 MB at T=100) instead of the 1e4 x 1e4 (400 MB) full map.
* channel attention (CAM): ``E = X X^T`` over all cells, ``attn = softmax(max(E) - E)``,
  ``out_c = gamma_c attn X + M``.
* fusion: ``out_p + out_c - M`` = ``M + gamma_p (PAM) + gamma_c (CAM)``, so the block is the
  identity at init (``gamma = 0``). (DANet sums ``out_p + out_c``, i.e. ``2M`` at init.)
"""
from typing import Optional

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

from mmaction.registry import MODELS


class PositionAttention(nn.Module):
    """Self-attention over BM-map positions (see the module docstring)."""

    def __init__(self, in_channels: int, qk_channels: int = 16, chunk_size: int = 1024,
                 checkpoint_chunks: bool = True) -> None:
        super().__init__()
        self.query = nn.Conv1d(in_channels, qk_channels, 1)
        self.key = nn.Conv1d(in_channels, qk_channels, 1)
        self.value = nn.Conv1d(in_channels, in_channels, 1)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.chunk_size = chunk_size
        self.checkpoint_chunks = checkpoint_chunks

    @staticmethod
    def _chunk(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        logits = torch.einsum('bcq,bck->bqk', q, k)
        return torch.einsum('bck,bqk->bcq', v, logits.softmax(dim=-1))

    def attend(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (B, C, N) -> ``V attn^T`` (B, C, N), all N positions related."""
        q, k, v = self.query(x), self.key(x), self.value(x)
        use_ckpt = self.checkpoint_chunks and torch.is_grad_enabled() and x.requires_grad
        out = []
        for i in range(0, x.shape[-1], self.chunk_size):
            qi = q[..., i:i + self.chunk_size]
            if use_ckpt:  # keep only one chunk's attention for the backward pass
                out.append(checkpoint(self._chunk, qi, k, v, use_reentrant=False))
            else:
                out.append(self._chunk(qi, k, v))
        return torch.cat(out, dim=-1)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, c, d, t = x.shape
        flat = x.reshape(b, c, d * t)
        if mask is None:
            return x + self.gamma * self.attend(flat).reshape(b, c, d, t)
        idx = torch.nonzero(mask.reshape(-1) > 0).squeeze(1)
        delta = torch.zeros_like(flat)
        delta[:, :, idx] = self.attend(flat[:, :, idx])
        return x + self.gamma * delta.reshape(b, c, d, t)


class ChannelAttention(nn.Module):
    """DANet channel attention: ``softmax(max(E) - E)`` with ``E = X X^T``."""

    def __init__(self) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, d, t = x.shape
        flat = x.reshape(b, c, d * t)
        energy = torch.bmm(flat, flat.transpose(1, 2))
        attn = (energy.max(dim=-1, keepdim=True)[0] - energy).softmax(dim=-1)
        return x + self.gamma * torch.bmm(attn, flat).reshape(b, c, d, t)


@MODELS.register_module()
class ProposalRelationBlock(nn.Module):
    """Relate proposals by position and by channel.

    Args:
        in_channels: Channels of the BM map (BMN's ``hidden_dim_2d``).
        qk_channels: Channels of the PAM queries and keys (16 in the spec).
        use_pam: Use position attention.
        use_cam: Use channel attention.
        mask_invalid: Exclude ``bm_mask == 0`` cells from the PAM (keys and queries).
        chunk_size: PAM queries per chunk.
        checkpoint_chunks: In training, recompute each chunk's attention in the backward
            pass instead of storing it (memory of one chunk instead of the whole map).

    Example:
        >>> block = ProposalRelationBlock(16, qk_channels=4)
        >>> x = torch.randn(1, 16, 8, 8)
        >>> torch.equal(block(x), x)  # identity at init
        True
    """

    def __init__(self, in_channels: int = 128, qk_channels: int = 16, use_pam: bool = True,
                 use_cam: bool = True, mask_invalid: bool = True, chunk_size: int = 1024,
                 checkpoint_chunks: bool = True) -> None:
        super().__init__()
        if not (use_pam or use_cam):
            raise ValueError('ProposalRelationBlock needs use_pam or use_cam; '
                             'to switch the block off set prb=None in the localizer')
        if chunk_size <= 0:
            raise ValueError(f'chunk_size must be > 0, got {chunk_size}')
        self.pam = PositionAttention(in_channels, qk_channels, chunk_size,
                                     checkpoint_chunks) if use_pam else None
        self.cam = ChannelAttention() if use_cam else None
        self.mask_invalid = mask_invalid

    def forward(self, x: torch.Tensor, bm_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``x`` (B, C, D, T) BM features; ``bm_mask`` (D, T) of valid cells."""
        out = x
        if self.pam is not None:
            out = out + (self.pam(x, bm_mask if self.mask_invalid else None) - x)
        if self.cam is not None:
            out = out + (self.cam(x) - x)
        return out
