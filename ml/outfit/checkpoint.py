"""Save/load an outfit grader checkpoint (see ml/checkpoint.py)."""

from __future__ import annotations

import os

import torch

from ml.checkpoint import load_fp16, save_fp16
from ml.outfit.config import OutfitConfig
from ml.outfit.model import OutfitGrader


def save_checkpoint(path: str | os.PathLike, model: OutfitGrader, config: OutfitConfig, meta: dict) -> dict:
    return save_fp16(path, model, config, meta, "outfit-grader-v1")


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> tuple[OutfitGrader, OutfitConfig, dict]:
    return load_fp16(path, OutfitConfig, OutfitGrader, map_location)
