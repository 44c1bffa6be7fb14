"""Image preprocessing shared by training, evaluation and the app: RGB, squash to a square, TF-style scaling."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from ml.garment_category.config import GarmentCategoryConfig


def resize_rgb(image: Image.Image, size: int) -> np.ndarray:
    """RGB uint8 array (size, size, 3): the whole photo squashed to a square (bilinear, antialiased)."""
    return np.asarray(image.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.uint8)


def scale(x: torch.Tensor, config: GarmentCategoryConfig) -> torch.Tensor:
    """uint8/float 0..255 (B, 3, H, W) -> float32 scaled input."""
    return (x.float() - config.input_mean) / config.input_std


def preprocess(images: list[Image.Image], config: GarmentCategoryConfig) -> torch.Tensor:
    """PIL images -> float32 (B, 3, S, S) scaled model input, channels_last."""
    arr = np.stack([resize_rgb(im, config.image_size) for im in images])  # (B, S, S, 3)
    x = torch.from_numpy(arr).permute(0, 3, 1, 2)  # (B, 3, S, S), channels_last strides
    return scale(x, config).contiguous(memory_format=torch.channels_last)
