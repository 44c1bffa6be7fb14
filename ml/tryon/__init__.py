"""Try-on previews with CAGAN: paint a new upper-body garment onto a person photo.

The app calls::

    tryon = load_tryon("ml/weights/tryon_cagan.pt")
    result, alpha = tryon.preview(person, worn, garment)  # PIL RGB at the person's size, PIL L mask

``worn`` is the article the person has on, as a product-style photo; when it is None it is cut out of the
person photo by the rule used in training (ml.tryon.regions). The network runs at the checkpoint's
resolution; α and x̃ are upsampled to the person's size and composited there, so pixels where α is 0 keep
the photo's full resolution.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ml.tryon.checkpoint import load_checkpoint, save_checkpoint
from ml.tryon.config import TryOnConfig
from ml.tryon.model import Discriminator, Generator, composite
from ml.tryon.regions import article_from_region, fit_on_white, garment_region


def to_input(rgb: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, H, W) in [-1, 1]."""
    return torch.from_numpy(np.array(rgb, dtype=np.uint8)).permute(2, 0, 1)[None].float() / 127.5 - 1


class TryOn:
    def __init__(self, path: str | os.PathLike) -> None:
        self.generator, self.config, self.meta = load_checkpoint(path)

    @property
    def size(self) -> tuple[int, int]:
        return self.config.height, self.config.width

    def person_input(self, person: Image.Image) -> np.ndarray:
        return np.asarray(person.convert("RGB").resize((self.config.width, self.config.height), Image.BILINEAR))

    def article_input(self, article: Image.Image) -> np.ndarray:
        return fit_on_white(np.asarray(article.convert("RGB")), self.size)

    def worn_from_person(self, small_person: np.ndarray) -> np.ndarray:
        return article_from_region(small_person, garment_region(small_person), self.size)

    def preview(
        self, person: Image.Image, worn: Image.Image | None, garment: Image.Image
    ) -> tuple[Image.Image, Image.Image]:
        """-> (try-on RGB at the person's size, α as an L image at the person's size)."""
        small = self.person_input(person)
        worn_rgb = self.worn_from_person(small) if worn is None else self.article_input(worn)
        with torch.inference_mode():
            _, alpha, painted = self.generator(
                to_input(small), to_input(worn_rgb), to_input(self.article_input(garment))
            )
            full = to_input(np.asarray(person.convert("RGB")))  # (1, 3, H, W)
            size = full.shape[2:]
            alpha = F.interpolate(alpha, size=size, mode="bilinear", align_corners=False)
            painted = F.interpolate(painted, size=size, mode="bilinear", align_corners=False)
            result = composite(alpha, painted, full)
        result_rgb = ((result[0].permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).byte().numpy()
        alpha_l = (alpha[0, 0] * 255).round().clamp(0, 255).byte().numpy()
        return Image.fromarray(result_rgb, "RGB"), Image.fromarray(alpha_l, "L")


@functools.cache
def load_tryon(path: str = "ml/weights/tryon_cagan.pt") -> TryOn:
    return TryOn(path)


__all__ = [
    "Discriminator",
    "Generator",
    "TryOn",
    "TryOnConfig",
    "composite",
    "load_checkpoint",
    "load_tryon",
    "save_checkpoint",
]
