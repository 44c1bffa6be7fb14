"""A small MLP from garment image embeddings into the all-MiniLM-L6-v2 sentence space."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ml.bridge.config import BridgeConfig


class ImageToText(nn.Module):
    def __init__(self, config: BridgeConfig) -> None:
        super().__init__()
        self.config = config
        self.mlp = nn.Sequential(
            nn.Linear(config.image_dim, config.hidden_dim),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden_dim, config.text_dim),
        )
        self.logit_scale = nn.Parameter(torch.tensor(2.659))  # log(1/0.07), learnt as in CLIP

    def forward(self, image_embedding: torch.Tensor) -> torch.Tensor:
        """(B, image_dim) -> unit vectors (B, text_dim)."""
        return F.normalize(self.mlp(image_embedding), dim=-1)
