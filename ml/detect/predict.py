"""The detector as the app uses it: a batch of photos of any size in, garments with boxes in their pixels out."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from ml.detect.config import DetectorConfig
from ml.detect.model import GarmentDetector, postprocess

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "garment_detector.pt"


@dataclass(frozen=True)
class Detection:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the original photo's pixels
    label: str  # one of ml.detect.CLASSES
    score: float


def to_rgb(image: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB"))
    rgb = np.asarray(image)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected a PIL image or an (H, W, 3) uint8 array, got {rgb.shape} {rgb.dtype}")
    return rgb


def to_input(rgbs: list[np.ndarray], config: DetectorConfig) -> torch.Tensor:
    """RGB uint8 photos -> scaled (B, 3, S, S) float32, each squashed to S x S (as in training)."""
    s = config.image_size
    small = np.stack([cv2.resize(rgb, (s, s), interpolation=cv2.INTER_AREA) for rgb in rgbs])  # (B, S, S, 3)
    x = torch.from_numpy(small).permute(0, 3, 1, 2).float()  # (B, 3, S, S), channels_last strides
    return ((x - config.input_mean) / config.input_std).contiguous(memory_format=torch.channels_last)


class Detector:
    """``detect(images, min_score)`` -> per photo, its garments (best first); ``version`` names the weights.

    Photos go through the model ``batch_size`` at a time: 1 on CPU, where batches of 8 ran at about half the
    photos/s of one by one (``manage.py bench detect``: 10.6 vs 17.5, 11.9 vs 23.0), 8 on a GPU.
    """

    def __init__(self, model: GarmentDetector, config: DetectorConfig, meta: dict, batch_size: int | None = None):
        self.model, self.config, self.meta = model.eval(), config, meta
        model.backbone.to(memory_format=torch.channels_last)  # about twice as fast on CPU
        self.version: str = meta["model_version"]
        self.device = next(model.head.parameters()).device
        self.batch_size = batch_size or (8 if self.device.type == "cuda" else 1)

    def detect(self, images: list[Image.Image | np.ndarray], min_score: float = 0.3) -> list[list[Detection]]:
        rgbs = [to_rgb(im) for im in images]
        out: list[list[Detection]] = []
        s = self.config.image_size
        for start in range(0, len(rgbs), self.batch_size):
            chunk = rgbs[start : start + self.batch_size]
            with torch.inference_mode():
                logits, deltas = self.model(to_input(chunk, self.config).to(self.device))
                found = postprocess(logits, deltas, self.model.anchors, self.config, min_score)
            for rgb, (boxes, scores, classes) in zip(chunk, found):
                h, w = rgb.shape[:2]
                scale = torch.tensor([w / s, h / s, w / s, h / s])
                boxes = (boxes.cpu() * scale).tolist()
                out.append(
                    [
                        Detection(tuple(float(v) for v in box), self.config.classes[int(c)], float(p))
                        for box, p, c in zip(boxes, scores.cpu().tolist(), classes.cpu().tolist())
                    ]
                )
        return out


def load_detector(
    path: str | os.PathLike | None = None, device: str | torch.device = "cpu", batch_size: int | None = None
) -> Detector:
    """The detector in ``path`` (default ``ml/weights/garment_detector.pt``), ready to ``detect``."""
    from ml.detect.checkpoint import load_checkpoint

    path = Path(path) if path else DEFAULT_WEIGHTS
    if not path.exists():
        raise FileNotFoundError(
            f"garment detector weights not found at {path}: train them with "
            f"python -m ml.detect.train --data <shared data> --out {path}"
        )
    model, config, meta = load_checkpoint(path, map_location=device)
    return Detector(model, config, meta, batch_size)
