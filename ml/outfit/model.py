"""Outfit compatibility over an unordered bag of items (after Tangseng, Yamaguchi & Okatani 2018).

Each item is a text-space embedding, a one-hot slot and an optional extra vector. A per-item MLP and a
few self-attention blocks without positional encoding let every item see the others; each item then
gets a scalar term (the outfit's slot counts are added to every item, so a missing or doubled slot
is plain to see), and the outfit logit is their mean over real items. Permuting items permutes the
terms and leaves the logit unchanged; padding never reaches a real item.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ml.outfit.config import OutfitConfig


class SetAttentionBlock(nn.Module):
    def __init__(self, d: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :])  # (B, H, N, D/H)
        x = x + self.drop(self.proj(y.transpose(1, 2).reshape(b, n, d)))
        return x + self.drop(self.ffn(self.norm2(x)))


class OutfitGrader(nn.Module):
    def __init__(self, config: OutfitConfig) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        in_dim = config.text_dim + len(config.slots) + config.extra_dim
        self.item = nn.Sequential(nn.Linear(in_dim, d), nn.GELU(), nn.Dropout(config.dropout), nn.Linear(d, d))
        self.slot_counts = nn.Linear(len(config.slots), d)  # how many items of each slot the outfit holds
        self.blocks = nn.ModuleList(
            SetAttentionBlock(d, config.n_heads, config.dropout) for _ in range(config.n_layers)
        )
        self.head = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 1))

    def forward(
        self, text: torch.Tensor, slot: torch.Tensor, extra: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """text (B, N, T), slot one-hot (B, N, S), extra (B, N, E), mask (B, N) bool of real items.

        Returns the outfit logit (B,) and per-item terms (B, N) that sum to it (zero at padding)."""
        counts = (slot * mask.unsqueeze(-1)).sum(1, keepdim=True)  # (B, 1, S), order-invariant
        x = self.item(torch.cat([text, slot, extra], dim=-1)) + self.slot_counts(counts)  # (B, N, d)
        for block in self.blocks:
            x = block(x, mask)
        terms = self.head(x).squeeze(-1) * mask  # (B, N)
        terms = terms / mask.sum(1, keepdim=True).clamp(min=1)
        return terms.sum(1), terms
