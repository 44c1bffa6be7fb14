"""Named dominant colours of garment pixels."""

import numpy as np

from ml.colours import PALETTE, ciede2000, dominant_colours, rgb_to_lab


def square(rgb: tuple[int, int, int], size: int = 120) -> np.ndarray:
    return np.full((size, size, 3), rgb, np.uint8)


def test_rgb_to_lab_matches_reference_values():
    lab = rgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]], np.uint8))
    assert np.allclose(lab[0], [100, 0, 0], atol=0.05)
    assert np.allclose(lab[1], [0, 0, 0], atol=0.05)
    assert np.allclose(lab[2], [53.24, 80.09, 67.20], atol=0.05)


def test_ciede2000_matches_sharma_reference_pair():
    assert abs(ciede2000(np.array([50, 2.6772, -79.7751]), np.array([50, 0, -82.7485])) - 2.0425) < 1e-3


def test_a_navy_square_is_navy():
    colours = dominant_colours(square((31, 42, 72)), None)
    assert [c["name"] for c in colours] == ["navy"]
    assert colours[0]["share"] > 0.99
    assert colours[0]["hex"] == "#1f2a48"


def test_half_red_half_white_gives_both_with_equal_shares():
    image = square((200, 20, 30))
    image[:, 60:] = (250, 250, 250)
    colours = dominant_colours(image, None)
    assert {c["name"] for c in colours} == {"red", "white"}
    assert all(abs(c["share"] - 0.5) < 0.05 for c in colours)


def test_pixels_outside_the_mask_are_ignored():
    image = square((30, 140, 60), 200)
    image[50:150, 50:150] = (200, 20, 30)
    mask = np.zeros((200, 200), np.uint8)
    mask[50:150, 50:150] = 255
    colours = dominant_colours(image, mask)
    assert [c["name"] for c in colours] == ["red"]


def test_shares_are_of_garment_pixels_sorted_and_small_ones_dropped():
    rng = np.random.default_rng(3)
    image = square((31, 42, 72), 100)
    image[:, 70:] = (242, 212, 58)  # 30% yellow
    image[:5, :] = (40, 140, 70)  # 5% green, below min_share
    image = np.clip(image + rng.normal(0, 3, image.shape), 0, 255).astype(np.uint8)
    colours = dominant_colours(image, None, min_share=0.08)
    assert [c["name"] for c in colours] == ["navy", "yellow"]
    assert colours[0]["share"] > colours[1]["share"]
    assert sum(c["share"] for c in colours) <= 1.0


def test_it_is_deterministic_and_empty_masks_give_no_colours():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (150, 150, 3), dtype=np.uint8)
    assert dominant_colours(image, None) == dominant_colours(image, None)
    assert dominant_colours(image, np.zeros((150, 150), np.uint8)) == []


def test_palette_hexes_are_valid_and_name_themselves():
    for name, hex_ in PALETTE.items():
        rgb = [int(hex_[i : i + 2], 16) for i in (1, 3, 5)]
        assert dominant_colours(square(tuple(rgb), 20), None)[0]["name"] == name
