"""The shipped garment category checkpoint: it rebuilds itself, classifies real closet photos, and embeds them.

No database: these tests only load ``ml/weights/garment_category.pt`` and run it on ``closet/demo_photos``
(CC0 photos from clothing-dataset). Classification is checked on the demo photos whose sender is in the
held-out split, so the model never saw them in training.
"""

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from ml.garment_category import GarmentCategoryConfig, load_checkpoint, preprocess
from ml.garment_category.model import GarmentClassifier
from ml.taxonomy import CLASSES, EVAL_LABELS

REPO = Path(__file__).resolve().parents[2]
CHECKPOINT = REPO / "ml" / "weights" / "garment_category.pt"
DEMO = REPO / "closet" / "demo_photos"
SPLIT = REPO / "ml" / "garment_category" / "splits.json"
FINE_OF_PREFIX = {label.lower(): fine for label, fine in EVAL_LABELS.items()}  # "t-shirt" -> "tshirt"


@pytest.fixture(scope="module")
def loaded():
    torch.set_num_threads(2)
    return load_checkpoint(CHECKPOINT)


def demo_photos(heldout_only: bool) -> list[tuple[Path, str]]:
    held = json.loads(SPLIT.read_text())["heldout_images"]
    out = []
    for p in sorted(DEMO.glob("*.jpg")):
        prefix, short_id = p.stem.rsplit("-", 1)
        if not heldout_only or any(i.startswith(short_id) for i in held):
            out.append((p, FINE_OF_PREFIX[prefix]))
    return out


def load(path: Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


def test_checkpoint_rebuilds_its_model(loaded):
    model, config, meta = loaded
    assert isinstance(config, GarmentCategoryConfig) and isinstance(model, GarmentClassifier)
    assert config.classes == CLASSES
    assert model.classifier.out_features == len(config.classes)
    assert not model.training
    assert meta["command"].startswith("python -m ml.garment_category.train")
    assert meta["scores"]["top1"] >= 0.85 and meta["scores"]["n"] > 500
    assert meta["model_version"].startswith("garment-category-v1-")
    assert CHECKPOINT.stat().st_size <= 7 * 1024 * 1024


# Held-out demo photos the checkpoint must get right. The other held-out demo photos (a hat shot from
# above, shorts that look like pants) are harder; they count towards the accuracy floor only.
MUST_CLASSIFY = [
    "dress-d52566d2.jpg",
    "hat-047bf1cf.jpg",
    "shirt-8de3baf1.jpg",
    "skirt-0da586b0.jpg",
    "t-shirt-7f5a97ed.jpg",
]


def test_classifies_heldout_demo_photos(loaded):
    model, config, _ = loaded
    photos = demo_photos(heldout_only=True)
    assert {p.name for p, _ in photos} >= set(MUST_CLASSIFY)
    with torch.inference_mode():
        logits, _ = model(preprocess([load(p) for p, _ in photos], config))  # (B, C)
    predicted = [config.classes[i] for i in logits.argmax(1).tolist()]
    for (path, fine), pred in zip(photos, predicted):
        if path.name in MUST_CLASSIFY:
            assert pred == fine, f"{path.name}: predicted {pred}"
    accuracy = sum(pred == fine for (_, fine), pred in zip(photos, predicted)) / len(photos)
    assert accuracy >= 0.7


def test_embedding_is_normalised_and_flip_invariant(loaded):
    model, config, _ = loaded
    hat, dress = load(DEMO / "hat-047bf1cf.jpg"), load(DEMO / "dress-d52566d2.jpg")
    images = [hat, hat.transpose(Image.Transpose.FLIP_LEFT_RIGHT), dress]
    with torch.inference_mode():
        _, emb = model(preprocess(images, config))  # (3, D)
    assert emb.shape == (3, config.embedding_dim) == (3, 1280)
    assert torch.allclose(emb.norm(dim=1), torch.ones(3), atol=1e-4)
    assert emb[0] @ emb[1] > emb[0] @ emb[2]
