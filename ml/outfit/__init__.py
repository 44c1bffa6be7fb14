"""Outfit grader: compatibility of an unordered bag of 2-8 items, with each item's contribution.

The app calls::

    grader = load_grader("ml/weights/outfit_grader.pt")
    score, contributions = grader.score([{"text_embedding": emb, "slot": "top"}, ...])
    results = grader.score_many(candidate_outfits)  # one padded forward pass

``text_embedding`` is the item's 384-d all-MiniLM-L6-v2 vector: ``ml.text_encoder`` on its name, or
``ml.bridge`` on its photo. ``slot`` is one of ``SLOTS`` (``slot_for_category`` maps the app taxonomy).
An optional ``extra`` vector is the item's colour families and pattern (``ml.outfit.features``:
``garment_extra``, ``product_extra``, ``name_extra``); zeros when absent, and ignored by graders trained
before it existed (``config.extra_features`` empty). ``contributions`` are the per-item terms whose sum is
the outfit logit (score = sigmoid(sum)); the lowest is the weakest item.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from ml.outfit.checkpoint import load_checkpoint, save_checkpoint
from ml.outfit.config import OutfitConfig
from ml.outfit.features import reads_extra
from ml.outfit.model import OutfitGrader
from ml.outfit.slots import SLOTS, slot_for_category


def pad_outfits(outfits: list[list[dict]], config: OutfitConfig) -> tuple[torch.Tensor, ...]:
    """Item dicts -> padded (text (B, N, T), slot (B, N, S), extra (B, N, E), mask (B, N))."""
    b, n = len(outfits), max(len(o) for o in outfits)
    text = np.zeros((b, n, config.text_dim), np.float32)
    slot = np.zeros((b, n, len(config.slots)), np.float32)
    extra = np.zeros((b, n, config.extra_dim), np.float32)
    mask = np.zeros((b, n), bool)
    use_extra = reads_extra(config)
    for i, outfit in enumerate(outfits):
        for j, item in enumerate(outfit):
            text[i, j] = item["text_embedding"]
            slot[i, j, config.slots.index(item["slot"])] = 1.0
            if use_extra and item.get("extra") is not None:
                extra[i, j] = item["extra"]
            mask[i, j] = True
    return tuple(torch.from_numpy(a) for a in (text, slot, extra, mask))


class Grader:
    def __init__(self, model: OutfitGrader, config: OutfitConfig, meta: dict) -> None:
        self.model, self.config, self.meta = model.eval(), config, meta
        self.model_version = meta.get("model_version", "")

    def score_many(self, outfits: list[list[dict]]) -> list[tuple[float, list[float]]]:
        """Score many outfits in one forward pass (padded, masked); each is ``(score, contributions)``."""
        if not outfits:
            return []
        for outfit in outfits:
            if not 1 <= len(outfit) <= self.config.max_items:
                raise ValueError(f"an outfit has {len(outfit)} items; 1 to {self.config.max_items} are allowed")
        with torch.inference_mode():
            logits, terms = self.model(*pad_outfits(outfits, self.config))
        scores = torch.sigmoid(logits).tolist()
        return [(scores[i], terms[i, : len(o)].tolist()) for i, o in enumerate(outfits)]

    def score(self, items: list[dict]) -> tuple[float, list[float]]:
        return self.score_many([items])[0]


def load_grader(path: str | os.PathLike = "ml/weights/outfit_grader.pt") -> Grader:
    return Grader(*load_checkpoint(path))


__all__ = [
    "SLOTS",
    "Grader",
    "OutfitConfig",
    "OutfitGrader",
    "load_checkpoint",
    "load_grader",
    "pad_outfits",
    "save_checkpoint",
    "slot_for_category",
]
