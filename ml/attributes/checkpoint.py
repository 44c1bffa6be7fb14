"""Save/load the attribute heads as ``{config, state_dict, meta}`` in fp16 (see ml/checkpoint.py)."""

from __future__ import annotations

import os

import torch

from ml.attributes.config import AttributesConfig
from ml.attributes.model import AttributeHeads
from ml.checkpoint import load_fp16, save_fp16

VERSION_PREFIX = "garment-attributes-v1"


def save_checkpoint(path: str | os.PathLike, model: AttributeHeads, config: AttributesConfig, meta: dict) -> dict:
    """Write the checkpoint; fills ``meta["model_version"]`` and returns the meta."""
    return save_fp16(path, model, config, meta, VERSION_PREFIX)


def load_checkpoint(
    path: str | os.PathLike,
    map_location: str | torch.device = "cpu",
    garment_model_version: str | None = None,
) -> tuple[AttributeHeads, AttributesConfig, dict]:
    """Rebuild ``(model, config, meta)``, float32, eval mode.

    Heads trained on another garment model's embeddings read meaningless inputs, so a mismatch with
    ``garment_model_version`` (the one whose embeddings will be fed in) is refused.
    """
    model, config, meta = load_fp16(path, AttributesConfig, AttributeHeads, map_location)
    if garment_model_version is not None and garment_model_version != config.garment_model_version:
        raise ValueError(
            f"{path} was trained on garment model {config.garment_model_version}, not {garment_model_version}"
        )
    return model, config, meta
