"""Image->text bridge: garment photos into the all-MiniLM-L6-v2 space, so photos and names compare.

The app calls::

    embedder = load_photo_embedder("ml/weights/image_to_text.pt", "ml/weights/garment_category.pt")
    vectors = embedder.embed_images(pil_images)  # (N, 384) unit vectors, comparable to ml.text_encoder

or, holding a garment embedding already, ``bridge(torch.from_numpy(emb))`` with ``bridge = load_checkpoint(...)[0]``.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import torch
from PIL import Image

from ml.bridge.checkpoint import load_checkpoint, save_checkpoint
from ml.bridge.config import BridgeConfig
from ml.bridge.model import ImageToText


class PhotoEmbedder:
    """garment-category image embedding -> bridge, checked to be the pair the bridge was trained on."""

    def __init__(self, bridge_path: str | os.PathLike, garment_path: str | os.PathLike) -> None:
        from ml.garment_category import load_checkpoint as load_garment

        self.bridge, self.config, self.meta = load_checkpoint(bridge_path)
        self.garment, self.garment_config, garment_meta = load_garment(garment_path)
        if self.config.garment_model_version and garment_meta.get("model_version") != self.config.garment_model_version:
            raise ValueError(
                f"{bridge_path} was trained on {self.config.garment_model_version}, not {garment_meta.get('model_version')}"
            )

    def embed_images(self, images: list[Image.Image], batch_size: int = 32) -> np.ndarray:
        from ml.garment_category import preprocess

        out = []
        with torch.inference_mode():
            for s in range(0, len(images), batch_size):
                _, emb = self.garment(preprocess(images[s : s + batch_size], self.garment_config))  # (b, 1280)
                out.append(self.bridge(emb).numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, self.config.text_dim), np.float32)

    def embed_paths(self, paths: list[str], batch_size: int = 32) -> np.ndarray:
        out = []
        for s in range(0, len(paths), batch_size):
            images = []
            for p in paths[s : s + batch_size]:
                with Image.open(p) as im:
                    images.append(im.convert("RGB"))
            out.append(self.embed_images(images, batch_size))
        return np.concatenate(out) if out else np.zeros((0, self.config.text_dim), np.float32)


@functools.cache
def load_photo_embedder(
    bridge_path: str = "ml/weights/image_to_text.pt", garment_path: str = "ml/weights/garment_category.pt"
) -> PhotoEmbedder:
    return PhotoEmbedder(bridge_path, garment_path)


__all__ = ["BridgeConfig", "ImageToText", "PhotoEmbedder", "load_checkpoint", "load_photo_embedder", "save_checkpoint"]
