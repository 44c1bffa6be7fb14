"""Save/load an image->text bridge checkpoint (see ml/checkpoint.py)."""

from __future__ import annotations

import os

import torch

from ml.bridge.config import BridgeConfig
from ml.bridge.model import ImageToText
from ml.checkpoint import load_fp16, save_fp16


def save_checkpoint(path: str | os.PathLike, model: ImageToText, config: BridgeConfig, meta: dict) -> dict:
    return save_fp16(path, model, config, meta, "image-to-text-v1")


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> tuple[ImageToText, BridgeConfig, dict]:
    return load_fp16(path, BridgeConfig, ImageToText, map_location)
