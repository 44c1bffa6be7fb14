"""The bridge from outfits to ml/: the grader and the text encoder, loaded once per process."""

import functools

import numpy as np
from django.conf import settings


@functools.cache
def grader():
    from ml.outfit import load_grader

    return load_grader(settings.ML_WEIGHTS_DIR / "outfit_grader.pt")


def grader_version() -> str:
    return grader().meta["model_version"]


@functools.cache
def _text_encoder():
    from ml.text_encoder import load_text_encoder

    return load_text_encoder()


def encode_text(texts: list[str]) -> np.ndarray:
    """(N, 384) unit vectors in the MiniLM space that garments' style embeddings live in."""
    return _text_encoder().encode(texts)


@functools.cache
def wish_reader():
    """ml.wish.WishReader on the text encoder (its phrases encoded once per process)."""
    from ml.wish import WishReader

    return WishReader(encode_text)
