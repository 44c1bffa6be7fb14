"""Type-aware pairwise outfit compatibility (after Vasileva et al. 2018, "Learning type-aware embeddings").

Each item (its 384-d text-space vector, one-hot slot and optional extra vector) goes through a shared
MLP into a ``d_model`` space. Every unordered slot pair (s, t) has a learned diagonal mask m_st, and a
pair of items is compatible when they are close in their pair's masked subspace::

    c_ij = -|| m_{s_i s_j} * (f_i - f_j) ||_2 + bias_{s_i s_j}

The outfit logit is ``scale * mean_{i<j} c_ij + bias + g(slot counts)``, where ``g`` is a small MLP on
how many items of each slot the outfit holds (so two tops and no shoes can score low whatever the items).
Item i's contribution is ``scale * sum_{j != i} c_ij / (n (n - 1))`` (its pair terms, each pair split
evenly between its two items) plus ``(bias + g) / n``: the contributions sum to the logit, and the lowest
belongs to the item whose pairs are worst. Permuting items permutes the terms; padding reaches no real item.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ml.outfit.config import OutfitConfig


class OutfitGrader(nn.Module):
    def __init__(self, config: OutfitConfig) -> None:
        super().__init__()
        self.config = config
        d, h, s = config.d_model, config.hidden, len(config.slots)
        in_dim = config.text_dim + s + config.extra_dim
        self.item = nn.Sequential(
            nn.Dropout(config.input_dropout),
            nn.Linear(in_dim, h),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(h, d),
        )
        self.pair_mask = nn.Parameter(torch.ones(s, s, d))  # symmetrised in forward
        self.pair_bias = nn.Parameter(torch.zeros(s, s))  # symmetrised in forward
        self.scale = nn.Parameter(torch.tensor(4.0))
        self.bias = nn.Parameter(torch.tensor(0.0))
        self.slot_counts = nn.Sequential(nn.Linear(s, 32), nn.GELU(), nn.Linear(32, 1))

    def embed(self, text: torch.Tensor, slot: torch.Tensor, extra: torch.Tensor) -> torch.Tensor:
        f = self.item(torch.cat([text, slot, extra], dim=-1))  # (B, N, d)
        return F.normalize(f, dim=-1)

    def forward(
        self, text: torch.Tensor, slot: torch.Tensor, extra: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """text (B, N, T), slot one-hot (B, N, S), extra (B, N, E), mask (B, N) bool of real items.

        Returns the outfit logit (B,) and per-item terms (B, N) that sum to it (zero at padding)."""
        b, n, _ = text.shape
        f = self.embed(text, slot, extra)  # (B, N, d)
        si = slot.argmax(-1)  # (B, N)
        masks = 0.5 * (self.pair_mask + self.pair_mask.transpose(0, 1))  # (S, S, d)
        biases = 0.5 * (self.pair_bias + self.pair_bias.T)  # (S, S)
        m = masks[si[:, :, None], si[:, None, :]]  # (B, N, N, d)
        diff = f[:, :, None, :] - f[:, None, :, :]  # (B, N, N, d)
        c = -((m * diff).pow(2).sum(-1) + 1e-6).sqrt() + biases[si[:, :, None], si[:, None, :]]  # (B, N, N)
        eye = torch.eye(n, dtype=torch.bool, device=text.device)
        pairs = mask[:, :, None] & mask[:, None, :] & ~eye  # (B, N, N)
        k = mask.sum(1).clamp(min=1).float()  # (B,) items per outfit
        ordered = (k * (k - 1)).clamp(min=1)  # (B,) ordered pairs
        pair_terms = self.scale * (c * pairs).sum(2) / ordered[:, None]  # (B, N)
        counts = (slot * mask.unsqueeze(-1)).sum(1)  # (B, S), order-invariant
        set_term = self.bias + self.slot_counts(counts).squeeze(-1)  # (B,)
        terms = (pair_terms + (set_term / k)[:, None]) * mask  # (B, N)
        return terms.sum(1), terms
