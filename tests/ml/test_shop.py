"""Shop embedding: the shipped checkpoint rebuilds both maps, refuses another garment model, and a typed
query lands among real closet photos of its kind.

No ../shared data: only ``ml/weights/shop_embedding.pt``, the garment-category checkpoint and
``closet/demo_photos`` (CC0 clothing-dataset photos; most are from training senders, which the text map
never saw: it was trained on product names and product photos only).
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.shop import embed_images, embed_texts, load_checkpoint
from ml.text_encoder import load_text_encoder

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "ml" / "weights" / "shop_embedding.pt"
GARMENT = REPO / "ml" / "weights" / "garment_category.pt"
DEMO = REPO / "closet" / "demo_photos"


def garment_version() -> str:
    return torch.load(GARMENT, map_location="cpu", weights_only=True)["meta"]["model_version"]


@pytest.fixture(scope="module")
def shop():
    return load_checkpoint(SHOP, garment_model_version=garment_version())


@pytest.fixture(scope="module")
def demo_vectors(shop):
    """Shop-space vectors of the demo photos, by category prefix ("shoes", "t-shirt", ...)."""
    from ml.garment_category import load_checkpoint as load_garment
    from ml.garment_category import preprocess

    torch.set_num_threads(2)
    model, config, _ = load_garment(GARMENT)
    paths = sorted(DEMO.glob("*.jpg"))
    images = []
    for p in paths:
        with Image.open(p) as im:
            images.append(im.convert("RGB"))
    with torch.inference_mode():
        _, emb = model(preprocess(images, config))  # (N, 1280)
    vectors = embed_images(shop[0], emb)
    by_kind: dict[str, list[np.ndarray]] = {}
    for p, v in zip(paths, vectors):
        by_kind.setdefault(p.stem.rsplit("-", 1)[0], []).append(v)
    return {k: np.stack(v) for k, v in by_kind.items()}


def test_both_maps_give_128_dimensional_unit_vectors(shop):
    head, text_map, config, meta = shop
    images = embed_images(head, torch.nn.functional.normalize(torch.randn(6, config.image_dim), dim=-1))
    texts = embed_texts(text_map, load_text_encoder().encode(["red dress", "black leather shoes"]))
    assert images.shape == (6, 128) and texts.shape == (2, 128)
    assert images.dtype == np.float32 and texts.dtype == np.float32
    assert np.allclose(np.linalg.norm(images, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(texts, axis=1), 1, atol=1e-5)


def test_the_same_input_gives_the_same_vector_after_a_reload(shop):
    x = np.random.default_rng(0).standard_normal((4, 1280)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    head, text_map = load_checkpoint(SHOP)[:2]
    assert np.array_equal(embed_images(shop[0], x), embed_images(shop[0], x))
    assert np.array_equal(embed_images(shop[0], x), embed_images(head, x))
    t = load_text_encoder().encode(["navy blue shirt"])
    assert np.array_equal(embed_texts(shop[1], t), embed_texts(text_map, t))


def test_it_refuses_embeddings_of_another_garment_model():
    with pytest.raises(ValueError, match="garment model"):
        load_checkpoint(SHOP, garment_model_version="garment-category-v1-00000000")


def test_the_checkpoint_says_what_it_was_trained_on_and_scored(shop):
    _, _, config, meta = shop
    assert config.garment_model_version == garment_version() == meta["garment_model_version"]
    assert meta["model_version"].startswith("shop-embedding-v1-")
    assert "sha256" in meta["data"]["split_rule"] and meta["command"].startswith("python -m ml.shop.train")
    assert meta["scores"]["heldout"]["recall_at_10"] > 0.5


def test_black_leather_shoes_are_nearer_shoe_photos_than_t_shirt_photos(shop, demo_vectors):
    query = embed_texts(shop[1], load_text_encoder().encode(["black leather shoes"]))[0]
    shoes, tshirts = demo_vectors["shoes"] @ query, demo_vectors["t-shirt"] @ query
    assert shoes.max() > tshirts.max()
    assert np.median(shoes) > np.median(tshirts)


def test_a_typed_category_finds_its_own_demo_photos_first(shop, demo_vectors):
    kinds = sorted(demo_vectors)
    photos = np.concatenate([demo_vectors[k] for k in kinds])
    kind_of = np.concatenate([[k] * len(demo_vectors[k]) for k in kinds])
    queries = {"shoes": "a pair of shoes", "t-shirt": "printed t-shirt", "dress": "summer dress", "pants": "trousers"}
    vectors = embed_texts(shop[1], load_text_encoder().encode(list(queries.values())))
    for kind, v in zip(queries, vectors):
        assert kind_of[np.argmax(photos @ v)] == kind, kind


def test_a_closet_shoe_photo_is_nearer_other_shoes_than_t_shirts(demo_vectors):
    shoes, tshirts = demo_vectors["shoes"], demo_vectors["t-shirt"]
    same = (shoes @ shoes.T)[~np.eye(len(shoes), dtype=bool)].reshape(len(shoes), -1).mean(1)
    other = (shoes @ tshirts.T).mean(1)
    assert np.all(same > other)
