"""Save/load the shop embedding checkpoint: ShopHead and TextToShop in one fp16 file (see ml/checkpoint.py)."""

from __future__ import annotations

import os

import torch

from ml.checkpoint import load_fp16, save_fp16
from ml.shop.config import ShopConfig
from ml.shop.model import ShopEmbedding, ShopHead, TextToShop

VERSION_PREFIX = "shop-embedding-v1"


def save_checkpoint(
    path: str | os.PathLike, head: ShopHead, text_map: TextToShop, config: ShopConfig, meta: dict
) -> dict:
    """Write the checkpoint; fills ``meta["model_version"]`` and returns the meta."""
    both = ShopEmbedding(config)
    both.head.load_state_dict(head.state_dict())
    both.text_map.load_state_dict(text_map.state_dict())
    return save_fp16(path, both, config, meta, VERSION_PREFIX)


def load_checkpoint(
    path: str | os.PathLike,
    map_location: str | torch.device = "cpu",
    garment_model_version: str | None = None,
) -> tuple[ShopHead, TextToShop, ShopConfig, dict]:
    """Rebuild ``(head, text_map, config, meta)``, float32, eval mode.

    Pass the ``model_version`` of the garment-category checkpoint whose embeddings will be fed in:
    a head trained on another garment model's embeddings maps them to meaningless places, so that is
    refused here rather than noticed in the results.
    """
    both, config, meta = load_fp16(path, ShopConfig, ShopEmbedding, map_location)
    if garment_model_version is not None and garment_model_version != config.garment_model_version:
        raise ValueError(
            f"{path} was trained on garment model {config.garment_model_version}, not {garment_model_version}"
        )
    return both.head, both.text_map, config, meta
