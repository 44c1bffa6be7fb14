"""Two small MLPs into one 128-d shop space: garment photo embeddings (ShopHead) and sentences (TextToShop)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ml.shop.config import ShopConfig


def _mlp(in_dim: int, config: ShopConfig) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(in_dim, config.hidden_dim),
        nn.GELU(),
        nn.Dropout(config.dropout),
        nn.Linear(config.hidden_dim, config.embed_dim),
    )


class ShopHead(nn.Module):
    """[1280-d garment-category embedding | colour feature] -> shop space.

    The colour feature (``config.colour_dim`` > 0; ml/shop/colour.py) is a soft Lab histogram of the
    garment's pixels: the category embedding carries little colour, and colour is half of what a match is.
    It is scaled by ``config.colour_weight`` inside the head, so callers pass the unit-norm feature as is.

    Trained with normalised softmax (a cosine classifier over learnt class proxies, temperature 0.1;
    Zhai & Wu 2018, "Classification is a strong baseline for deep metric learning"). With ~8k products
    and ~700 labels (articleType + baseColour, many with a handful of photos), one proxy per label gives
    every sample a signal against all classes at once, where in-batch losses (SupCon) see few positives
    per batch for the rare labels; and proxies shared by product and closet photos of one fine type pull
    the two domains together (ml/shop/train.py). The proxies stay in training and are not shipped.
    """

    def __init__(self, config: ShopConfig) -> None:
        super().__init__()
        self.config = config
        self.mlp = _mlp(config.image_dim + config.colour_dim, config)

    def forward(self, image_embedding: torch.Tensor, colour: torch.Tensor | None = None) -> torch.Tensor:
        """(B, image_dim) [+ (B, colour_dim)] -> unit vectors (B, embed_dim)."""
        x = image_embedding
        if self.config.colour_dim:
            if colour is None or colour.shape[-1] != self.config.colour_dim:
                got = None if colour is None else tuple(colour.shape)
                raise ValueError(f"this shop head needs (B, {self.config.colour_dim}) colour features, got {got}")
            x = torch.cat([x, colour * self.config.colour_weight], dim=-1)
        return F.normalize(self.mlp(x), dim=-1)


class TextToShop(nn.Module):
    """384-d sentence embedding -> shop space, so a typed query lands near matching product photos.

    Trained with ShopHead, by InfoNCE against its photo vectors with a learnt temperature (CLIP).
    """

    def __init__(self, config: ShopConfig) -> None:
        super().__init__()
        self.config = config
        self.mlp = _mlp(config.text_dim, config)
        self.logit_scale = nn.Parameter(torch.tensor(2.659))  # log(1/0.07), learnt as in CLIP

    def forward(self, text_embedding: torch.Tensor) -> torch.Tensor:
        """(B, text_dim) -> unit vectors (B, embed_dim)."""
        return F.normalize(self.mlp(text_embedding), dim=-1)


class ShopEmbedding(nn.Module):
    """Both maps under one module, so one state dict (and one model_version) covers the pair."""

    def __init__(self, config: ShopConfig) -> None:
        super().__init__()
        self.config = config
        self.head = ShopHead(config)
        self.text_map = TextToShop(config)


def embed_images(
    head: ShopHead,
    emb_1280: np.ndarray | torch.Tensor,
    colours: np.ndarray | torch.Tensor | None = None,
    batch_size: int = 4096,
) -> np.ndarray:
    """(N, 1280) garment-category embeddings [+ (N, colour_dim) colour features] -> (N, 128) unit vectors.

    ``colours`` (``ml.shop.colour.colour_feature`` with ``head.config.colour_bins``) is required when the
    head was trained with them (``head.config.colour_dim`` > 0) and ignored by a head without.
    """
    x = torch.as_tensor(emb_1280, dtype=torch.float32)
    if head.config.colour_dim:
        if colours is None:
            raise ValueError(f"this shop head needs colour features (colour_dim={head.config.colour_dim})")
        c = torch.as_tensor(colours, dtype=torch.float32)
        if c.shape != (len(x), head.config.colour_dim):
            raise ValueError(f"colour features {tuple(c.shape)} do not match ({len(x)}, {head.config.colour_dim})")
        x = torch.cat([x, c], dim=-1)
    return _apply(_Split(head), x, head.config.embed_dim, batch_size)


def embed_texts(text_map: TextToShop, text_384: np.ndarray | torch.Tensor, batch_size: int = 4096) -> np.ndarray:
    """(N, 384) all-MiniLM-L6-v2 vectors -> (N, 128) float32 unit vectors in the shop space."""
    return _apply(text_map, text_384, text_map.config.embed_dim, batch_size)


class _Split(nn.Module):
    """Feeds ShopHead one concatenated tensor, so ``_apply`` batches embedding and colour together."""

    def __init__(self, head: ShopHead) -> None:
        super().__init__()
        self.head = head
        self.train(head.training)  # so _apply restores the head's own mode afterwards

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d = self.head.config.image_dim
        return self.head(x[:, :d], x[:, d:] if self.head.config.colour_dim else None)


def _apply(module: torch.nn.Module, x: np.ndarray | torch.Tensor, dim: int, batch_size: int) -> np.ndarray:
    x = torch.as_tensor(x, dtype=torch.float32)
    device = next(module.parameters()).device
    was_training = module.training
    module.eval()
    with torch.inference_mode():
        out = [module(x[s : s + batch_size].to(device)).float().cpu() for s in range(0, len(x), batch_size)]
    module.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, dim), np.float32)
