"""CAGAN try-on: generator geometry, the composite rule, the checkpoint, and previews at the photo's size."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.tryon import Generator, TryOn, TryOnConfig, composite, load_checkpoint, load_tryon, save_checkpoint
from ml.tryon.regions import article_from_region, garment_region

SHIPPED = "ml/weights/tryon_cagan.pt"
DEMO = Path("closet/demo_photos")
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "tryon-samples"  # absent in CI
CONFIG = TryOnConfig(base_channels=8, disc_channels=8)


def demo(prefix: str, n: int = 0) -> Image.Image:
    with Image.open(sorted(DEMO.glob(f"{prefix}-*.jpg"))[n]) as im:
        return im.convert("RGB")


def inputs(batch: int = 2) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return tuple(torch.rand(batch, 3, CONFIG.height, CONFIG.width, generator=g) * 2 - 1 for _ in range(3))


def test_the_generator_returns_a_result_a_mask_in_0_1_and_a_painted_image_of_the_input_size():
    torch.manual_seed(0)
    result, alpha, painted = Generator(CONFIG)(*inputs())
    assert result.shape == painted.shape == (2, 3, CONFIG.height, CONFIG.width)
    assert alpha.shape == (2, 1, CONFIG.height, CONFIG.width)
    assert alpha.min() >= 0 and alpha.max() <= 1
    assert painted.min() >= -1 and painted.max() <= 1


def test_the_result_is_exactly_alpha_times_painted_plus_one_minus_alpha_times_the_person():
    torch.manual_seed(0)
    person, worn, new = inputs()
    result, alpha, painted = Generator(CONFIG)(person, worn, new)
    assert torch.equal(result, alpha * painted + (1 - alpha) * person)
    assert torch.equal(composite(torch.zeros_like(alpha), painted, person), person)


def test_a_checkpoint_rebuilds_the_same_generator_with_its_config_and_meta(tmp_path):
    torch.manual_seed(0)
    model = Generator(CONFIG).eval()
    meta = save_checkpoint(tmp_path / "g.pt", model, CONFIG, {"recipe": "test"})
    loaded, config, loaded_meta = load_checkpoint(tmp_path / "g.pt")
    assert config == CONFIG and loaded_meta == meta and meta["model_version"].startswith("tryon-cagan-v1-")
    model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    with torch.inference_mode():
        assert torch.equal(loaded(*inputs())[0], model(*inputs())[0])


def test_a_preview_comes_back_at_the_person_photo_size_with_a_mask_of_the_same_size():
    tryon = load_tryon(SHIPPED)
    person = demo("shirt").resize((150, 200))
    for worn in (None, demo("longsleeve")):
        result, alpha = tryon.preview(person, worn, demo("t"))
        assert result.mode == "RGB" and result.size == person.size
        assert alpha.mode == "L" and alpha.size == person.size


def test_a_preview_whose_mask_is_zero_returns_the_photo_unchanged(tmp_path):
    model = Generator(CONFIG).eval()
    with torch.no_grad():
        model.head.bias[0] = -1e4  # α = sigmoid(-1e4) = 0
    save_checkpoint(tmp_path / "g.pt", model, CONFIG, {})
    person = demo("shirt")
    result, alpha = TryOn(tmp_path / "g.pt").preview(person, None, demo("t"))
    assert np.array_equal(np.asarray(result), np.asarray(person))
    assert np.asarray(alpha).max() == 0


def test_the_shipped_checkpoint_says_what_data_and_command_made_it_and_what_it_scored():
    meta = load_checkpoint(SHIPPED)[2]
    assert "tryon-samples" not in meta["data"]["source"]
    assert meta["command"].startswith("python -m ml.tryon.train") and meta["recipe"]
    assert {"alpha_iou", "ssim_outside", "color_delta_e", "baselines"} <= set(meta["scores"]["tryon_samples"])


@pytest.mark.parametrize("prefix", ["shirt", "t", "longsleeve"])
def test_the_worn_article_is_white_outside_the_garment_region(prefix):
    rgb = np.asarray(demo(prefix).resize((96, 128)))
    region = garment_region(rgb)
    assert region.shape == (128, 96) and region.dtype == bool
    full = np.ones_like(region)
    assert np.array_equal(article_from_region(rgb, full, (128, 96)), rgb)
    nothing_worn = article_from_region(rgb, np.zeros_like(region), (64, 48))
    assert nothing_worn.shape == (64, 48, 3) and (nothing_worn == 255).all()


def test_a_photo_with_no_person_in_it_is_previewed_exactly_as_without_the_person_parse():
    person, garment = demo("shirt").resize((150, 200)), demo("t")
    info = {}
    with_parse = TryOn(SHIPPED).preview(person, None, garment, info)
    without = TryOn(SHIPPED, person_parse=False).preview(person, None, garment)
    assert TryOn(SHIPPED).upper_body(np.asarray(person)) is None and info == {"person_found": False}
    for a, b in zip(with_parse, without):
        assert np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.skipif(not (SAMPLES / "image").is_dir(), reason="research-only person photos are not in this checkout")
def test_on_a_person_photo_the_preview_changes_only_their_upper_body():
    with Image.open(SAMPLES / "image" / "000001_0.jpg") as im:
        person = im.convert("RGB")
    with Image.open(SAMPLES / "cloth" / "004325_1.jpg") as im:
        garment = im.convert("RGB")
    tryon = TryOn(SHIPPED)
    body = tryon.upper_body(np.asarray(person))
    assert body is not None and 0.1 < body.mean() < 0.5
    info = {}
    result, alpha = tryon.preview(person, None, garment, info)
    alpha = np.asarray(alpha)
    assert info == {"person_found": True} and alpha[~body].max() == 0
    assert np.array_equal(np.asarray(result)[~body], np.asarray(person)[~body])  # face, legs, background untouched
    assert (alpha[body] == 255).mean() > 0.5  # most of the upper body is painted fully


def test_without_the_person_models_previews_run_as_before_with_a_warning(monkeypatch, caplog):
    import ml.tryon
    from ml.person import ModelFileError, PersonParser

    def missing():
        raise ModelFileError("var/models/mediapipe/pose_detection.tflite is missing; run scripts/setup.sh")

    monkeypatch.setattr(PersonParser, "shared", staticmethod(missing))
    ml.tryon.person_parser.cache_clear()
    try:
        person, garment = demo("shirt").resize((150, 200)), demo("t")
        result, alpha = TryOn(SHIPPED).preview(person, None, garment)
        expected = TryOn(SHIPPED, person_parse=False).preview(person, None, garment)
        assert np.array_equal(np.asarray(result), np.asarray(expected[0]))
        assert "without the person parse" in caplog.text and "run scripts/setup.sh" in caplog.text
    finally:
        ml.tryon.person_parser.cache_clear()


def tiny_training_data(config: TryOnConfig, n: int = 40) -> dict[str, np.ndarray]:
    """Random persons and flat articles with ids chosen so that both sides of the sha256 split are non-empty."""
    from ml.tryon.train import is_heldout

    ids = [str(i) for i in range(1000)]
    held = [i for i in ids if is_heldout(i)][:4]
    kept = [i for i in ids if not is_heldout(i)][: n - 4]
    rng = np.random.default_rng(0)
    shape = (n, config.height, config.width)
    masks = np.zeros(shape, dtype=bool)
    masks[:, 40:100, 20:76] = True
    return {
        "persons": rng.integers(0, 256, (*shape, 3), dtype=np.uint8),
        "masks": masks,
        "worn": rng.integers(0, 256, (*shape, 3), dtype=np.uint8),
        "backgrounds": ~masks,
        "person_ids": np.array(kept + held),
        "flats": rng.integers(0, 256, (*shape, 3), dtype=np.uint8),
        "flat_ids": np.array(kept + held),
    }


def test_a_resumed_run_starts_from_the_checkpoint_and_records_both_runs_in_its_lineage(tmp_path, monkeypatch):
    from ml.tryon import train

    monkeypatch.setattr(train, "build_dataset", lambda data_dir, config, limit: tiny_training_data(config))
    first, second, third = (str(tmp_path / f"{n}.pt") for n in ("first", "second", "third"))
    common = ["--threads", "1", "--batch-size", "2"]
    train.main(["--out", first, "--base-channels", "8", "--max-steps", "2", "--state-out", first + ".state", *common])
    before = load_checkpoint(first)
    train.main(["--out", second, "--init", first, "--max-steps", "0", "--warmup-steps", "1", *common])
    unchanged = load_checkpoint(second)
    assert unchanged[1] == before[1] and unchanged[2]["model_version"] == before[2]["model_version"]

    train.main(["--out", third, "--init", first, "--init-state", first + ".state", "--max-steps", "3", *common])
    meta = load_checkpoint(third)[2]
    lineage = meta["lineage"]
    assert [r["steps"] for r in lineage] == [2, 3] and meta["steps"] == 5
    assert lineage[0]["command"] == before[2]["command"] and lineage[0]["model_version"] == before[2]["model_version"]
    assert lineage[1]["command"] == meta["command"] and "--init" in meta["command"]
    assert lineage[1]["init_model_version"] == before[2]["model_version"] and lineage[1]["init_state"]
    assert meta["train_seconds"] == sum(r["train_seconds"] for r in lineage)
    assert meta["model_version"] != before[2]["model_version"]
