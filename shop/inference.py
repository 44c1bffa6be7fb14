"""The shop's bridge to `ml/`: the retrieval head and the query encoder, loaded once per process.

Photos are parsed on workers (closet.inference); a text query is embedded in the process that serves
the search (MiniLM on one short sentence is a few milliseconds) so a search needs no round trip.
"""

import functools

import numpy as np
import torch
from django.conf import settings

from closet import inference as closet_inference


@functools.cache
def shop_model():
    """(image head, text map, meta) of ml/weights/shop_embedding.pt, checked against the garment model."""
    from ml.shop import load_checkpoint

    closet_inference.configure_torch()
    head, text_map, config, meta = load_checkpoint(settings.ML_WEIGHTS_DIR / "shop_embedding.pt")
    if config.garment_model_version and config.garment_model_version != closet_inference.model_version():
        raise RuntimeError(
            f"shop_embedding.pt was trained on {config.garment_model_version}, not {closet_inference.model_version()}"
        )
    return head.eval(), text_map.eval(), meta


def shop_version() -> str:
    return shop_model()[2]["model_version"]


def shop_vectors(embeddings) -> np.ndarray:
    """(N, 1280) garment-model embeddings -> (N, 128) unit vectors in the shop space."""
    from ml.shop import embed_images

    with torch.inference_mode():
        return embed_images(shop_model()[0], np.asarray(embeddings, dtype=np.float32))


def text_vectors(texts: list[str]) -> np.ndarray:
    """Queries or titles -> (N, 128) unit vectors in the shop space."""
    from ml.shop import embed_texts
    from recommend.inference import encode_text

    with torch.inference_mode():
        return embed_texts(shop_model()[1], encode_text(texts))
