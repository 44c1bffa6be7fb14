"""Shop embedding: the shipped checkpoint rebuilds both maps, refuses another garment model, and a typed
query lands among real closet photos of its kind; the colour feature of the garment's pixels (ml/shop/colour.py)
is what the head reads besides the embedding.

No ../shared data: only ``ml/weights/shop_embedding.pt``, the garment-category checkpoint and
``closet/demo_photos`` (CC0 clothing-dataset photos; most are from training senders, which the text map
never saw: it was trained on product names and product photos only).
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.cutout import grabcut_cutout
from ml.shop import ShopConfig, ShopHead, TextToShop, embed_images, embed_texts, load_checkpoint, save_checkpoint
from ml.shop.colour import colour_feature, colour_feature_rgba, feature_dim
from ml.text_encoder import load_text_encoder

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "ml" / "weights" / "shop_embedding.pt"
GARMENT = REPO / "ml" / "weights" / "garment_category.pt"
DEMO = REPO / "closet" / "demo_photos"


def garment_version() -> str:
    return torch.load(GARMENT, map_location="cpu", weights_only=True)["meta"]["model_version"]


def demo_colours(images: list[Image.Image], config: ShopConfig) -> np.ndarray | None:
    """Colour features of closet photos as the app's ingest makes them: 512 px, GrabCut cut-out."""
    if not config.colour_dim:
        return None
    out = []
    for im in images:
        small = im.copy()
        small.thumbnail((512, 512), Image.Resampling.BILINEAR)
        rgb = np.asarray(small)
        out.append(colour_feature(rgb, grabcut_cutout(rgb).mask, config.colour_bins))
    return np.stack(out)


def random_colours(n: int, config: ShopConfig, seed: int = 0) -> np.ndarray | None:
    if not config.colour_dim:
        return None
    c = np.random.default_rng(seed).random((n, config.colour_dim)).astype(np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


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
    vectors = embed_images(shop[0], emb, demo_colours(images, shop[2]))
    by_kind: dict[str, list[np.ndarray]] = {}
    for p, v in zip(paths, vectors):
        by_kind.setdefault(p.stem.rsplit("-", 1)[0], []).append(v)
    return {k: np.stack(v) for k, v in by_kind.items()}


def test_both_maps_give_128_dimensional_unit_vectors(shop):
    head, text_map, config, meta = shop
    emb = torch.nn.functional.normalize(torch.randn(6, config.image_dim), dim=-1)
    images = embed_images(head, emb, random_colours(6, config))
    texts = embed_texts(text_map, load_text_encoder().encode(["red dress", "black leather shoes"]))
    assert images.shape == (6, 128) and texts.shape == (2, 128)
    assert images.dtype == np.float32 and texts.dtype == np.float32
    assert np.allclose(np.linalg.norm(images, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(texts, axis=1), 1, atol=1e-5)


def test_the_same_input_gives_the_same_vector_after_a_reload(shop):
    x = np.random.default_rng(0).standard_normal((4, 1280)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    head, text_map = load_checkpoint(SHOP)[:2]
    c = random_colours(4, shop[2])
    assert np.array_equal(embed_images(shop[0], x, c), embed_images(shop[0], x, c))
    assert np.array_equal(embed_images(shop[0], x, c), embed_images(head, x, c))
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
    assert config.colour_dim == feature_dim(config.colour_bins) > 0
    assert meta["data"]["colour_feature"].startswith("lab-soft-")


def test_the_head_reads_the_colour_and_says_when_it_is_missing(shop):
    head, _, config, _ = shop
    x = np.random.default_rng(1).standard_normal((1, 1280)).astype(np.float32)
    x /= np.linalg.norm(x)
    navy, blue = np.full((40, 40, 3), (31, 42, 72), np.uint8), np.full((40, 40, 3), (36, 86, 180), np.uint8)
    as_navy, as_blue = (embed_images(head, x, colour_feature(c, None, config.colour_bins)[None]) for c in (navy, blue))
    assert float(as_navy[0] @ as_blue[0]) < 0.98  # the same garment embedding, another colour: another place
    with pytest.raises(ValueError, match="colour features"):
        embed_images(head, x)
    with pytest.raises(ValueError, match="colour features"):
        embed_images(head, x, np.zeros((1, config.colour_dim + 1), np.float32))


def test_a_checkpoint_from_before_the_colour_feature_still_loads_and_ignores_colours(tmp_path):
    config = ShopConfig(garment_model_version="g")  # colour_dim 0, as written before it existed
    torch.manual_seed(0)
    head, text_map = ShopHead(config).eval(), TextToShop(config).eval()
    save_checkpoint(tmp_path / "old.pt", head, text_map, config, {})
    again, _, loaded, _ = load_checkpoint(tmp_path / "old.pt")
    x = np.random.default_rng(2).standard_normal((3, 1280)).astype(np.float32)
    assert loaded.colour_dim == 0
    assert np.array_equal(embed_images(again, x), embed_images(again, x, np.ones((3, 5), np.float32)))
    assert np.allclose(embed_images(head, x), embed_images(again, x), atol=1e-2)  # float16 weights


def test_the_colour_feature_counts_the_garment_not_the_white_studio_background():
    red = np.zeros((120, 90, 3), np.uint8)
    red[:] = (200, 30, 40)
    shot = np.full((224, 224, 3), 255, np.uint8)
    shot[50:170, 60:150] = red
    f = colour_feature(shot)
    assert f.shape == (feature_dim((5, 7, 7)),) and f.dtype == np.float32
    assert np.isclose(np.linalg.norm(f), 1, atol=1e-5)
    assert np.allclose(f, colour_feature(red), atol=1e-3)  # white background left out
    white_shirt = shot.copy()  # a white garment: its outline encloses white that is not background
    white_shirt[50:170, 60:150] = (250, 250, 250)
    white_shirt[50:170, 60:62] = white_shirt[50:170, 148:150] = white_shirt[50:52, 60:150] = (150, 150, 150)
    white_shirt[168:170, 60:150] = (150, 150, 150)
    w = colour_feature(white_shirt)
    assert w.argmax() == colour_feature(np.full((10, 10, 3), 250, np.uint8)).argmax()


def test_the_colour_feature_follows_the_mask_and_the_cutouts_alpha():
    rgb = np.zeros((100, 100, 3), np.uint8)
    rgb[:, :50] = (20, 120, 40)  # green floor
    rgb[:, 50:] = (240, 200, 30)  # yellow garment
    mask = np.zeros((100, 100), np.uint8)
    mask[:, 50:] = 255
    yellow = colour_feature(np.full((10, 10, 3), (240, 200, 30), np.uint8))
    assert np.allclose(colour_feature(rgb, mask), yellow, atol=1e-3)
    assert np.allclose(colour_feature_rgba(np.dstack([rgb, mask])), yellow, atol=1e-3)
    assert not np.allclose(colour_feature(rgb), yellow, atol=0.1)  # without the mask the floor counts
    assert not colour_feature(rgb, np.zeros_like(mask)).any()  # nothing is garment: the zero vector
    with pytest.raises(ValueError, match="mask"):
        colour_feature(rgb, mask[:50])


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


def test_label_recall_on_a_hand_made_gallery_whose_answers_are_known():
    from ml.shop.evaluate import label_recall

    v = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.99], [-1, 0]], np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    # Each A sits next to a B, so top-1 always misses; the second-nearest is the other B for the Bs only.
    # C has no match and leaves n.
    out = label_recall(v, ["A", "B", "A", "B", "C"], ks=(1, 2))
    assert out["recall_at_1"] == 0.0 and out["recall_at_2"] == 0.5
    assert out["n"] == 4 and out["n_without_match"] == 1
    assert out["recall_at_2_by_matches"] == {"1": {"n": 4, "recall_at_2": 0.5}}


def test_attribute_agreement_and_the_reranked_recall_on_a_hand_made_gallery():
    from ml.shop.rerank import distribution, hypotheses, reranked_recall, top_k_rows

    entry = {
        "value": "Tshirts",
        "confidence": 0.6,
        "top": [{"value": "Tshirts", "confidence": 0.6}, {"value": "Tops", "confidence": 0.3}],
    }
    assert distribution(entry) == {"tshirts": 0.6, "tops": 0.3}
    assert distribution(entry, declared="Shirts ") == {"shirts": 1.0}
    assert distribution(None) == {}
    a = {"articleType": {"tshirts": 0.6, "tops": 0.3}, "baseColour": {"blue": 0.5}}
    b = {"articleType": {"tops": 1.0}, "baseColour": {"blue": 0.8, "navy blue": 0.2}}
    match, prior = hypotheses(a, [b, {"articleType": {"tops": 1.0}}])
    assert (match @ prior).tolist() == pytest.approx([0.3 * 0.4, 0.0])  # the second's colour is unknown
    assert top_k_rows(np.array([[0.1, 0.5, 0.4]]), k=2).tolist() == [[0.0, 0.5, 0.4]]

    from ml.shop.rerank import rerank

    cos, agree = np.array([0.9, 0.8, 0.7, 0.6]), np.array([0.0, 0.0, 1.0, 1.0])
    assert rerank(cos, agree, weight=0.3, promote=1).tolist() == [2, 0, 1, 3]  # only the best is promoted
    assert rerank(cos, agree, weight=0.3, promote=4).tolist() == [2, 0, 3, 1]  # scores 1.0, 0.9, 0.9, 0.8
    assert rerank(cos, agree, weight=0.0, promote=4).tolist() == [0, 1, 2, 3]

    # rows 0 and 2 share a label; row 1 is nearer row 0 by cosine but the heads say it differs
    vectors = np.array([[1.0, 0.0], [0.99, 0.141], [0.9, -0.436], [-1.0, 0.0]], np.float32)
    labels = ["a", "b", "a", "c"]
    probs = {
        "articleType": np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]),
        "baseColour": np.ones((4, 1)),
    }
    plain = reranked_recall(vectors, probs, labels, weight=0.0, ks=(1,))
    reranked = reranked_recall(vectors, probs, labels, weight=0.3, ks=(1,), promote=1)
    assert plain == {"recall_at_1": 0.5, "n": 2}  # row 0 finds row 1 first; row 2 finds row 0 (its nearest)
    assert reranked == {"recall_at_1": 1.0, "n": 2}
    assert reranked_recall(vectors, probs, labels, weight=0.3, ks=(1,), queries=np.array([0, 3])) == {
        "recall_at_1": 1.0,
        "n": 1,
    }


def test_covering_promotes_a_second_hypothesis_instead_of_a_second_copy_of_the_first():
    """The query is a t-shirt, 55% navy and 40% blue. The plain re-rank promotes the two nearest navy ones;
    covering promotes one navy and then the blue one, since a second navy adds nothing if navy is wrong."""
    from ml.shop.rerank import cover, hypotheses, rerank, reranked_recall

    query = {"articleType": {"tshirts": 1.0}, "baseColour": {"navy blue": 0.55, "blue": 0.4}}
    cands = [
        {"articleType": {"tshirts": 1.0}, "baseColour": {"navy blue": 1.0}},  # A, cosine 0.9
        {"articleType": {"tshirts": 1.0}, "baseColour": {"navy blue": 1.0}},  # B, 0.89
        {"articleType": {"tshirts": 1.0}, "baseColour": {"blue": 1.0}},  # C, 0.8
        {"articleType": {"shirts": 1.0}, "baseColour": {"blue": 1.0}},  # D, 0.95
    ]
    cos = np.array([0.9, 0.89, 0.8, 0.95])
    match, prior = hypotheses(query, cands)
    assert prior.tolist() == pytest.approx([0.55, 0.4]) and match.tolist() == [[1, 0], [1, 0], [0, 1], [0, 0]]
    agree = match @ prior  # each candidate's agreement, a first pick's gain
    assert agree.tolist() == pytest.approx([0.55, 0.55, 0.4, 0.0])
    assert rerank(cos, agree, weight=4.0, promote=2).tolist() == [0, 1, 3, 2]
    assert cover(cos, match, prior, weight=4.0, promote=2).tolist() == [0, 2, 3, 1]
    assert cover(cos, match, prior, weight=4.0, promote=1).tolist() == rerank(cos, agree, 4.0, 1).tolist()
    assert cover(cos, match, prior, weight=0.0, promote=4).tolist() == [3, 0, 1, 2]  # weight 0: cosine order
    unknown, none = hypotheses({"articleType": {"tshirts": 1.0}}, cands)  # colour unknown: no hypothesis
    assert unknown.shape == (4, 0) and cover(cos, unknown, none, weight=4.0, promote=2).tolist() == [3, 0, 1, 2]
    empty, _ = hypotheses(query, [])  # nothing near (a filter left no candidates): an empty order
    assert empty.shape == (0, 2) and cover(np.zeros(0), empty, prior, weight=4.0, promote=2).tolist() == []

    # the same through the vectorised recall: row 0 (label "a") is 55% the colour of rows 1 and 2 (label "b",
    # nearest) and 45% that of row 3 (label "a", third nearest); promoting two, only covering reaches row 3
    vectors = np.array([[1, 0], [0.99, 0.141], [0.98, 0.199], [0.9, -0.436], [-1, 0]], np.float32)
    labels = ["a", "b", "b", "a", "c"]
    probs = {
        "articleType": np.ones((5, 1)),
        "baseColour": np.array([[0.55, 0.45], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]),
    }
    kw = {"weight": 4.0, "promote": 2, "ks": (1, 2), "queries": np.array([0])}
    assert reranked_recall(vectors, probs, labels, covering=False, **kw) == {
        "recall_at_1": 0.0,
        "recall_at_2": 0.0,
        "n": 1,
    }
    assert reranked_recall(vectors, probs, labels, covering=True, **kw) == {
        "recall_at_1": 0.0,
        "recall_at_2": 1.0,
        "n": 1,
    }
