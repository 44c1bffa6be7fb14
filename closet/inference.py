"""The only bridge from the app to `ml/`: models load once per process and run under inference_mode."""

import dataclasses
import functools
import threading

import numpy as np
import torch
from django.conf import settings
from PIL import Image

from ml.colours import dominant_colours
from ml.cutout import grabcut_cutout
from ml.garment_category import load_checkpoint, preprocess

_lock = threading.Lock()


def configure_torch() -> None:
    torch.set_num_threads(settings.TORCH_NUM_THREADS)


@functools.cache
def category_model():
    with _lock:
        configure_torch()
        model, config, meta = load_checkpoint(settings.ML_WEIGHTS_DIR / "garment_category.pt")
        model.eval().to(settings.TORCH_DEVICE)
    return model, config, meta


@functools.cache
def style_bridge():
    """Maps the category model's image embedding into the MiniLM text space (for outfits and wishes)."""
    from ml.bridge import load_checkpoint as load_bridge

    bridge, config, meta = load_bridge(settings.ML_WEIGHTS_DIR / "image_to_text.pt")
    if config.garment_model_version and config.garment_model_version != model_version():
        raise RuntimeError(f"image_to_text.pt was trained on {config.garment_model_version}, not {model_version()}")
    return bridge.eval().to(settings.TORCH_DEVICE)


def model_version() -> str:
    return category_model()[2]["model_version"]


@functools.cache
def product_model():
    """(model, config, meta) of ml/weights/product_features.pt, the tail fine-tuned on catalogue labels."""
    from ml.product_features import PRODUCT_FEATURES_FILE

    with _lock:
        configure_torch()
        model, config, meta = load_checkpoint(settings.ML_WEIGHTS_DIR / PRODUCT_FEATURES_FILE)
        model.eval().to(settings.TORCH_DEVICE)
    return model, config, meta


@functools.cache
def product_model_version() -> str:
    """The product-feature model's version, read from its checkpoint's meta without building the model: the web
    process needs only the version (the attribute heads check it, e.g. after a category correction), and
    building the tail costs about a second. Workers that build it check the weights themselves."""
    from ml.product_features import PRODUCT_FEATURES_FILE

    ckpt = torch.load(settings.ML_WEIGHTS_DIR / PRODUCT_FEATURES_FILE, map_location="cpu", weights_only=True)
    return ckpt["meta"]["model_version"]


@functools.cache
def two_tails():
    """The category model and the product-feature model sharing one pass of their frozen early blocks."""
    from ml.product_features import TwoTails

    garment, product = category_model()[0], product_model()[0]
    return TwoTails(garment, product).eval()


@functools.cache
def two_tails_frozen():
    """(input (3, S, S), ``two_tails()`` as a frozen TorchScript trace) or None where it cannot be traced
    (``ml.frozen``): the same outputs within float error, about a quarter faster on one CPU thread. The batch
    size stays free; ``classify`` runs the eager network for any other input size."""
    from ml.frozen import frozen_trace

    _, config, _ = category_model()
    example = preprocess([Image.new("RGB", (config.image_size, config.image_size))], config)
    traced = frozen_trace(two_tails(), example.to(settings.TORCH_DEVICE))
    return None if traced is None else (tuple(example.shape[1:]), traced)


@functools.cache
def attributes_model():
    """(heads, config, meta) of ml/weights/garment_attributes.pt, checked against the product-feature model."""
    from ml.attributes import load_checkpoint as load_attributes

    version = product_model_version()  # outside the lock: product_model takes it too
    with _lock:
        model, config, meta = load_attributes(
            settings.ML_WEIGHTS_DIR / "garment_attributes.pt", garment_model_version=version
        )
        model.eval().to(settings.TORCH_DEVICE)
    return model, config, meta


def attributes_version() -> str:
    return attributes_model()[2]["model_version"]


@functools.cache
def attributes_classes() -> dict[str, list[str]]:
    """{attribute: its values}, read from the checkpoint's config alone (no model built: the web pages need it)."""
    ckpt = torch.load(settings.ML_WEIGHTS_DIR / "garment_attributes.pt", map_location="cpu", weights_only=True)
    return {name: list(values) for name, values in ckpt["config"]["heads"].items()}


def attributes(
    features: np.ndarray, photos: list[tuple[np.ndarray, np.ndarray | None]], groups: list[str] | None = None
) -> list[dict]:
    """Attributes with softmax confidences for (N, 1280) product features (``classify``'s
    ``product_embedding``) and their (rgb, mask) photos.

    ``mask`` is the garment's cut-out (> 127 is garment); None for a catalogue shot on white, whose
    non-white pixels count. Each result is ``{"model_version", <attribute>: {"value", "confidence", "top"}}``.
    ``groups`` (each item's garment group, from its category) keeps the article type within it
    (``ml.attributes.model.within_group``).
    """
    from ml.attributes import predict
    from ml.shop.colour import colour_feature

    model, config, meta = attributes_model()
    colours = None
    if config.colour_dim:
        colours = np.stack([colour_feature(rgb, mask, config.colour_bins) for rgb, mask in photos])
    return [{"model_version": meta["model_version"], **p} for p in predict(model, features, colours, groups=groups)]


def classify(images: list[Image.Image]) -> list[dict]:
    """Category probabilities, the L2-normalised embedding, the style vector and the product feature of each
    image (one pass: the frozen early blocks run once for both tails)."""
    _, config, _ = category_model()
    batch = preprocess(images, config).to(settings.TORCH_DEVICE)
    frozen = two_tails_frozen()
    network = frozen[1] if frozen is not None and tuple(batch.shape[1:]) == frozen[0] else two_tails()
    with torch.inference_mode():
        logits, embedding, product = network(batch)
        style = style_bridge()(embedding).float().cpu().numpy()  # (B, 384)
        probs = logits.float().softmax(-1).cpu().numpy()  # (B, C)
        embedding = embedding.float().cpu().numpy()  # (B, D)
        product = product.float().cpu().numpy()  # (B, 1280)
    out = []
    for p, e, st, pe in zip(probs, embedding, style, product):
        order = np.argsort(-p)[:3]
        top = [{"category": config.classes[i], "confidence": round(float(p[i]), 4)} for i in order]
        out.append(
            {
                "category": top[0]["category"],
                "confidence": top[0]["confidence"],
                "top": top,
                "embedding": e,
                "style": st,
                "product_embedding": pe,
            }
        )
    return out


SEGMENT_FILE = "garment_segment.pt"


@functools.cache
def segment_model():
    """(model, config, meta) of the learned cut-out (ml/segment), or None where its weights are not shipped."""
    path = settings.ML_WEIGHTS_DIR / SEGMENT_FILE
    if not path.exists():
        return None
    from ml.segment import load_checkpoint as load_segment

    with _lock:
        configure_torch()
        model, config, meta = load_segment(path, map_location=settings.TORCH_DEVICE)
    return model, config, meta


def cutout(rgb: np.ndarray, rect: tuple[int, int, int, int] | None = None):
    """The garment's mask: the learned model's (method ``learned-<version hash>``), GrabCut from the user's box
    (``grabcut-rect``), or automatic GrabCut where the learned weights are missing."""
    learned = segment_model() if rect is None else None
    if learned is None:
        return grabcut_cutout(rgb, rect=rect)
    from ml.segment import learned_cutout

    model, config, meta = learned
    result = learned_cutout(model, config, rgb)
    return dataclasses.replace(result, method=f"learned-{meta['model_version'].rsplit('-', 1)[-1]}")


def colours(rgb: np.ndarray, mask: np.ndarray) -> list[dict]:
    return dominant_colours(rgb, mask, max_colours=3)
