"""The detector as the app uses it: a batch of photos of any size in, garments with boxes in their pixels out."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from ml.detect.config import DetectorConfig
from ml.detect.model import GarmentDetector, box_iou, decode, postprocess

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "garment_detector.pt"
Box = tuple[float, float, float, float]
MIN_ANCHOR_IOU = 0.5  # anchors whose predicted box overlaps a queried box this much speak for it


@dataclass(frozen=True)
class Detection:
    box: Box  # x0, y0, x1, y1 in the original photo's pixels
    label: str  # one of ml.detect.CLASSES
    score: float
    # every class's probability at the anchor that made this box (``detect(..., class_scores=True)``), so a
    # rule can ask what the detector thought next; None when not asked for
    scores: dict[str, float] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PhotoLook:
    """One photo's detections plus the detector's class probabilities on any other box of the same photo,
    from the same forward pass (``Detector.look``)."""

    detections: list[Detection]
    boxes: torch.Tensor  # (N, 4) every anchor's predicted box, xyxy in the photo's pixels
    probs: torch.Tensor  # (N, C) every anchor's class probabilities (background left out)
    classes: list[str]

    def class_scores(self, boxes: Sequence[Box]) -> list[dict[str, float]]:
        """Per queried box: the class probabilities of the anchors whose predicted boxes overlap it by IoU
        >= 0.5, averaged with their IoU as weight (the 5 best-overlapping anchors when none reaches 0.5)."""
        if not boxes:
            return []
        iou = box_iou(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4), self.boxes)  # (Q, N)
        out = []
        for row in iou:
            weight = torch.where(row >= MIN_ANCHOR_IOU, row, torch.zeros_like(row))
            if not bool((weight > 0).any()):
                best = row.topk(min(5, row.numel())).indices
                weight = torch.zeros_like(row)
                weight[best] = row[best].clamp(min=1e-6)
            mean = (weight[:, None] * self.probs).sum(0) / weight.sum()  # (C,)
            out.append({c: float(v) for c, v in zip(self.classes, mean.tolist())})
        return out


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

    def detect(
        self, images: list[Image.Image | np.ndarray], min_score: float = 0.3, class_scores: bool = False
    ) -> list[list[Detection]]:
        """``class_scores``: fill each Detection's ``scores`` with every class's probability at its anchor."""
        out: list[list[Detection]] = []
        rgbs = [to_rgb(im) for im in images]
        for start in range(0, len(rgbs), self.batch_size):
            chunk = rgbs[start : start + self.batch_size]
            out += [look.detections for look in self._forward(chunk, min_score, class_scores, keep_all=False)]
        return out

    def look(self, image: Image.Image | np.ndarray, min_score: float = 0.3) -> PhotoLook:
        """One photo's detections (with ``scores``) and what the detector thinks of any other box in it."""
        return self._forward([to_rgb(image)], min_score, class_scores=True, keep_all=True)[0]

    def _forward(self, rgbs: list[np.ndarray], min_score: float, class_scores: bool, keep_all: bool):
        s, classes = self.config.image_size, self.config.classes
        with torch.inference_mode():
            logits, deltas = self.model(to_input(rgbs, self.config).to(self.device))
            found = postprocess(logits, deltas, self.model.anchors, self.config, min_score)
            if keep_all:
                every_box = decode(deltas.float(), self.model.anchors, self.config.box_variances).cpu()  # (B, N, 4)
                every_prob = logits.float().softmax(-1)[..., 1:].cpu()  # (B, N, C)
        looks = []
        for i, (rgb, (boxes, scores, labels, probs)) in enumerate(zip(rgbs, found)):
            h, w = rgb.shape[:2]
            scale = torch.tensor([w / s, h / s, w / s, h / s])
            detections = [
                Detection(
                    tuple(float(v) for v in box),
                    classes[int(c)],
                    float(p),
                    dict(zip(classes, (float(v) for v in row))) if class_scores else None,
                )
                for box, p, c, row in zip(
                    (boxes.cpu() * scale).tolist(), scores.cpu().tolist(), labels.cpu().tolist(), probs.cpu().tolist()
                )
            ]
            if keep_all:
                looks.append(PhotoLook(detections, every_box[i] * scale, every_prob[i], list(classes)))
            else:
                looks.append(PhotoLook(detections, torch.zeros(0, 4), torch.zeros(0, len(classes)), list(classes)))
        return looks


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
