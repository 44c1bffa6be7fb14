"""Try-on previews with CAGAN: paint a new upper-body garment onto a person photo.

The app calls::

    tryon = load_tryon("ml/weights/tryon_cagan.pt")
    result, alpha = tryon.preview(person, worn, garment)  # PIL RGB at the person's size, PIL L mask

``worn`` is the article the person has on, as a product-style photo; when it is None it is cut out of the
person photo: their upper body where ml.person parses the photo (below), else the rule used in training
(ml.tryon.regions). The network runs at the checkpoint's resolution; α and x̃ are upsampled to the person's
size and composited there, so pixels where α is 0 keep the photo's full resolution.

Where ml.person finds a person in the photo (its MediaPipe models installed by scripts/setup.sh), α is
confined to their upper body (``ml.person.upper_body_area``: torso and arms inside the person mask, so never
the background, face or legs), that area is the worn article y_i when none is given, and α is resolved
there: α / 0.5, capped at 1, so a garment the network painted half-heartedly is painted fully. No retraining
is involved; ``TryOn(path, person_parse=False)`` turns it off, and so does a missing model file (with a
warning). A photo with no person found is previewed as before.
"""

from __future__ import annotations

import functools
import logging
import os

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ml.tryon.checkpoint import load_checkpoint, save_checkpoint
from ml.tryon.config import TryOnConfig
from ml.tryon.model import Discriminator, Generator, composite
from ml.tryon.regions import article_from_region, fit_on_white, garment_region

log = logging.getLogger(__name__)
ALPHA_CERTAIN = 0.5  # inside the person's upper body, α at or above this paints fully


@functools.cache
def person_parser():
    """ml.person's parser, or None (warned once) when its model files are missing or not the pinned ones."""
    from ml.person import ModelFileError, PersonParser

    try:
        return PersonParser.shared()
    except ModelFileError as exc:
        log.warning("try-on previews run without the person parse: %s", exc)
        return None


def to_input(rgb: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, H, W) in [-1, 1]."""
    return torch.from_numpy(np.array(rgb, dtype=np.uint8)).permute(2, 0, 1)[None].float() / 127.5 - 1


class TryOn:
    def __init__(self, path: str | os.PathLike, person_parse: bool = True) -> None:
        self.generator, self.config, self.meta = load_checkpoint(path)
        self.person_parse = person_parse

    @property
    def size(self) -> tuple[int, int]:
        return self.config.height, self.config.width

    def person_input(self, person: Image.Image) -> np.ndarray:
        return np.asarray(person.convert("RGB").resize((self.config.width, self.config.height), Image.BILINEAR))

    def article_input(self, article: Image.Image) -> np.ndarray:
        return fit_on_white(np.asarray(article.convert("RGB")), self.size)

    def worn_from_person(self, small_person: np.ndarray, body: np.ndarray | None = None) -> np.ndarray:
        """y_i cut from the photo: the person's upper body when parsed (``body`` at any size), else the rule."""
        if body is None:
            region = garment_region(small_person)
        else:
            h, w = small_person.shape[:2]
            region = cv2.resize(body.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        return article_from_region(small_person, region, self.size)

    def upper_body(self, person_rgb: np.ndarray) -> np.ndarray | None:
        """(H, W) bool area α may cover, from the person parse; None when it is off or finds no one."""
        parser = person_parser() if self.person_parse else None
        parsed = parser.parse(person_rgb) if parser is not None else None
        if parsed is None:
            return None
        from ml.person import upper_body_area

        return upper_body_area(parsed)

    def preview(
        self, person: Image.Image, worn: Image.Image | None, garment: Image.Image, info: dict | None = None
    ) -> tuple[Image.Image, Image.Image]:
        """-> (try-on RGB at the person's size, α as an L image at the person's size).

        ``info``, when given, receives ``person_found``: whether the person parse shaped this preview.
        """
        person_rgb = np.asarray(person.convert("RGB"))
        body = self.upper_body(person_rgb)
        if info is not None:
            info["person_found"] = body is not None
        small = self.person_input(person)
        worn_rgb = self.worn_from_person(small, body) if worn is None else self.article_input(worn)
        with torch.inference_mode():
            _, alpha, painted = self.generator(
                to_input(small), to_input(worn_rgb), to_input(self.article_input(garment))
            )
            full = to_input(person_rgb)  # (1, 3, H, W)
            size = full.shape[2:]
            alpha = F.interpolate(alpha, size=size, mode="bilinear", align_corners=False)
            if body is not None:
                alpha = (alpha / ALPHA_CERTAIN).clamp(max=1) * torch.from_numpy(body)[None, None]
            painted = F.interpolate(painted, size=size, mode="bilinear", align_corners=False)
            result = composite(alpha, painted, full)
        result_rgb = ((result[0].permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).byte().numpy()
        alpha_l = (alpha[0, 0] * 255).round().clamp(0, 255).byte().numpy()
        return Image.fromarray(result_rgb, "RGB"), Image.fromarray(alpha_l, "L")


@functools.cache
def load_tryon(path: str | os.PathLike = "ml/weights/tryon_cagan.pt") -> TryOn:
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
