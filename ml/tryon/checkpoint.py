"""Save/load the try-on generator (see ml/checkpoint.py); the discriminator is not shipped."""

from __future__ import annotations

import os

import torch

from ml.checkpoint import load_fp16, save_fp16
from ml.tryon.config import TryOnConfig
from ml.tryon.model import Generator

VERSION_PREFIX = "tryon-cagan-v1"


def save_checkpoint(path: str | os.PathLike, model: Generator, config: TryOnConfig, meta: dict) -> dict:
    return save_fp16(path, model, config, meta, VERSION_PREFIX)


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> tuple[Generator, TryOnConfig, dict]:
    return load_fp16(path, TryOnConfig, Generator, map_location)
