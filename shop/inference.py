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
    if config.features_model_version:  # ml.shop.train --features-checkpoint: an experiment, not fed by the app
        raise RuntimeError("shop_embedding.pt reads product features too, which the app does not feed it")
    return head.eval(), text_map.eval(), meta


def shop_version() -> str:
    return shop_model()[2]["model_version"]


def colour_feature(rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """The shop head's colour input for one photo: ``mask`` is the garment cut-out's (> 127 is garment);
    without one (a catalogue shot on white) the non-white foreground counts. Zero-length for a head without."""
    from ml.shop.colour import colour_feature as feature

    config = shop_model()[0].config
    if not config.colour_dim:
        return np.zeros(0, np.float32)
    return feature(rgb, mask, config.colour_bins)


def product_colour_feature(rgb: np.ndarray, cutout_mask: np.ndarray) -> np.ndarray:
    """A catalogue photo's colour input: on a white studio background (as the training catalogue), its
    non-white pixels; otherwise (a garment photographed on a floor, like the demo catalogue) its cut-out's."""
    from ml.shop.colour import studio_shot

    return colour_feature(rgb, None if studio_shot(rgb) else cutout_mask)


def colour_feature_rgba(rgba: np.ndarray) -> np.ndarray:
    """``colour_feature`` of a stored cut-out (RGBA, the alpha its mask)."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"expected an (H, W, 4) RGBA cut-out, got {rgba.shape}")
    return colour_feature(np.ascontiguousarray(rgba[..., :3]), rgba[..., 3])


def shop_vectors(embeddings, colours=None) -> np.ndarray:
    """(N, 1280) garment-model embeddings and their (N, C) ``colour_feature``s -> (N, 128) unit shop vectors.

    The app passes the colour of the same pixels (garment cut-out, product photo). Tools that hold only
    embeddings (benchmarks, synthetic catalogues) may pass none: the head was trained with colour dropped
    for a share of rows, so the zero feature gives an embedding-only vector, worse on colour.
    """
    from ml.shop import embed_images

    head = shop_model()[0]
    emb = np.asarray(embeddings, dtype=np.float32)
    if head.config.colour_dim:
        c = np.zeros((len(emb), head.config.colour_dim), np.float32) if colours is None else colours
        colours = np.asarray(c, dtype=np.float32).reshape(len(emb), -1)
    with torch.inference_mode():
        return embed_images(head, emb, colours)


def text_vectors(texts: list[str]) -> np.ndarray:
    """Queries or titles -> (N, 128) unit vectors in the shop space."""
    from ml.shop import embed_texts
    from recommend.inference import encode_text

    with torch.inference_mode():
        return embed_texts(shop_model()[1], encode_text(texts))
