"""Save/load an image->text bridge checkpoint: ``{config, state_dict, meta}`` that rebuilds its own model."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

from ml.bridge.config import BridgeConfig
from ml.bridge.model import ImageToText


def model_version(state_dict: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for k in sorted(state_dict):
        h.update(k.encode())
        h.update(state_dict[k].contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return f"image-to-text-v1-{h.hexdigest()[:8]}"


def save_checkpoint(path: str | os.PathLike, model: ImageToText, config: BridgeConfig, meta: dict) -> dict:
    """Write the checkpoint (weights as float16); fills ``meta["model_version"]`` and returns the meta."""
    state = {k: v.detach().cpu().half() for k, v in model.state_dict().items()}
    meta = {**meta, "model_version": model_version(state)}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": config.to_dict(), "state_dict": state, "meta": meta}, path)
    return meta


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> tuple[ImageToText, BridgeConfig, dict]:
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    config = BridgeConfig.from_dict(ckpt["config"])
    model = ImageToText(config)
    model.load_state_dict({k: v.float() for k, v in ckpt["state_dict"].items()}, strict=True)
    return model.eval().to(map_location), config, ckpt["meta"]
