"""Image->text bridge: checkpoint, output geometry, and photos landing near their own names."""

from pathlib import Path

import numpy as np
import pytest
import torch

from ml.bridge import load_checkpoint, load_photo_embedder
from ml.bridge.train import is_heldout, product_pairs
from ml.text_encoder import load_text_encoder

BRIDGE = "ml/weights/image_to_text.pt"
GARMENT = "ml/weights/garment_category.pt"
DEMO = Path("closet/demo_photos")
PRODUCTS = Path("../shared/data/fashion-product-images")


@pytest.fixture(scope="module")
def embedder():
    return load_photo_embedder(BRIDGE, GARMENT)


def test_the_checkpoint_rebuilds_and_maps_to_unit_vectors_of_the_text_space():
    model, config, meta = load_checkpoint(BRIDGE)
    out = model(torch.nn.functional.normalize(torch.randn(5, config.image_dim), dim=-1))
    assert out.shape == (5, 384)
    assert torch.allclose(out.norm(dim=-1), torch.ones(5), atol=1e-5)
    assert meta["model_version"].startswith("image-to-text-v1-") and meta["scores"]["heldout"]["i2t_r10"] > 0


def test_a_photo_of_pants_is_nearer_blue_jeans_than_a_leather_handbag(embedder):
    photos = sorted(DEMO.glob("pants-*.jpg"))[:3]
    assert photos
    vectors = embedder.embed_paths([str(p) for p in photos])
    jeans, handbag = load_text_encoder().encode(["blue jeans", "leather handbag"])
    assert np.all(vectors @ jeans > vectors @ handbag)


@pytest.mark.skipif(not PRODUCTS.exists(), reason="needs ../shared/data")
def test_held_out_product_photos_are_nearer_their_own_name_than_another_product_name(embedder):
    held = [p for p in product_pairs(PRODUCTS) if is_heldout(p[0])]
    rng = np.random.default_rng(0)
    picked = [held[i] for i in rng.choice(len(held), 8, replace=False)]
    vectors = embedder.embed_paths([path for _, path, _ in picked])
    names = load_text_encoder().encode([name for _, _, name in picked])
    own = (vectors * names).sum(1)
    other = (vectors * np.roll(names, 1, axis=0)).sum(1)
    assert np.mean(own > other) >= 0.75
