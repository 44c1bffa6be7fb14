"""Training data for the cut-out model, built from real images.

* Garments: product shots on white from ``fashion-product-images``. Their mask is the non-white pixels,
  cleaned (closing, components at least 15% of the largest, holes under 5% of the garment filled).
  Shots of a product worn by a model are dropped (skin-coloured pixels), as are white/cream products
  (no usable contrast with the white page) and masks that are tiny, near-full or touch the page edges.
* Backgrounds: real closet photos from ``clothing-dataset``, cropped from their corners (where the floor,
  bed or wall is, away from the centred garment) and resized to the training size.
* Composites: the cut-out scaled (35-95% of the frame), shifted (sometimes cut by the edge), colour-jittered
  separately from the background, with a soft drop shadow, global light change, blur and JPEG noise;
  a share of samples keep the white page (the held-out product test).

Held-out products (``ml.bridge.train.is_heldout`` on the product id) never enter training.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

WHITE_LEVEL = 232  # a pixel with every channel above this is page
DROP_COLOURS = {"White", "Off White", "Cream", "Silver", "Transparent", "Skin", "Nude"}
KEEP_MASTER = {"Apparel", "Footwear", "Accessories"}
MAX_SKIN = 0.03


@dataclass(frozen=True)
class Product:
    id: str
    path: str
    article_type: str


def is_heldout(product_id: str) -> bool:
    from ml.bridge.train import is_heldout as rule

    return rule(product_id)


def product_rows(data_root: Path, heldout: bool) -> list[Product]:
    root = Path(data_root) / "fashion-product-images"
    out = []
    with open(root / "styles.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            path = root / "images" / f"{row['id']}.jpg"
            if row.get("masterCategory") not in KEEP_MASTER or row.get("baseColour") in DROP_COLOURS:
                continue
            if is_heldout(row["id"]) != heldout or not path.exists():
                continue
            out.append(Product(row["id"], str(path), row.get("articleType", "")))
    return out


def clean_mask(mask: np.ndarray, min_component: float = 0.15, max_hole: float = 0.05) -> np.ndarray:
    """Keep components at least ``min_component`` of the largest; fill holes under ``max_hole`` of the mask."""
    mask = (mask > 0).astype(np.uint8) * 255
    count, comp, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.zeros_like(mask)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= min_component * areas.max()) + 1
    mask = np.where(np.isin(comp, keep), 255, 0).astype(np.uint8)
    count, comp, stats, _ = cv2.connectedComponentsWithStats(255 - mask, connectivity=4)
    h, w = mask.shape
    x, y, bw, bh, area = (stats[1:, i] for i in range(5))
    inner = (x > 0) & (y > 0) & (x + bw < w) & (y + bh < h) & (area < max_hole * np.count_nonzero(mask))
    mask[np.isin(comp, np.flatnonzero(inner) + 1)] = 255
    return mask


def product_mask(rgb: np.ndarray) -> np.ndarray | None:
    """(H, W) uint8 {0, 255} mask of the product on its white page, or None when the shot is unusable."""
    nonwhite = (rgb.min(axis=2) < WHITE_LEVEL).astype(np.uint8) * 255
    nonwhite = cv2.morphologyEx(nonwhite, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    nonwhite = cv2.morphologyEx(nonwhite, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = clean_mask(nonwhite)
    share = np.count_nonzero(mask) / mask.size
    if not 0.04 <= share <= 0.85:
        return None
    h, w = mask.shape
    edges = [mask[:2].any(), mask[-2:].any(), mask[:, :2].any(), mask[:, -2:].any()]
    if sum(edges) >= 1:  # cut by the page edge: a model's legs/head or a cropped product
        return None
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    skin = (ycc[..., 0] > 60) & (ycc[..., 1] >= 138) & (ycc[..., 1] <= 173) & (ycc[..., 2] >= 77) & (ycc[..., 2] <= 127)
    if np.count_nonzero(skin & (mask > 0)) / max(1, np.count_nonzero(mask)) > MAX_SKIN:
        return None
    return mask


def load_products(rows: list[Product], limit: int | None = None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(id, rgb, mask)`` for the rows whose shot gives a usable mask."""
    out = []
    for r in rows:
        with Image.open(r.path) as im:
            rgb = np.asarray(im.convert("RGB"))
        mask = product_mask(rgb)
        if mask is not None:
            out.append((r.id, rgb, mask))
            if limit and len(out) >= limit:
                break
    return out


def background_photos(data_root: Path, exclude: set[str] = frozenset(), limit: int | None = None) -> list[str]:
    """Paths of clothing-dataset photos to crop backgrounds from.

    Photos whose id is held out by ``is_heldout`` (the pool the closet test set is drawn from) and any in
    ``exclude`` are left out.
    """
    paths = sorted((Path(data_root) / "clothing-dataset" / "images").glob("*.jpg"))
    paths = [str(p) for p in paths if p.stem not in exclude and not is_heldout(p.stem)]
    return paths[:limit] if limit else paths


def background_crop(rgb: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A corner crop (22-40% of the short side) of a closet photo, flipped at random, resized to size."""
    h, w = rgb.shape[:2]
    side = int(min(h, w) * rng.uniform(0.22, 0.40))
    cw = int(side * rng.uniform(0.8, 1.25))
    cw = min(cw, w)
    y = 0 if rng.random() < 0.5 else h - side
    x = 0 if rng.random() < 0.5 else w - cw
    crop = rgb[y : y + side, x : x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    if rng.random() < 0.5:
        crop = crop[::-1]
    return cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=cv2.INTER_LINEAR)


def _jitter(rgb: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    x = rgb.astype(np.float32)
    gain = 1.0 + rng.uniform(-strength, strength, size=3) * 0.5 + rng.uniform(-strength, strength)
    x = x * gain + rng.uniform(-30, 30) * strength
    mean = x.mean(axis=2, keepdims=True)
    x = mean + (x - mean) * rng.uniform(1 - strength, 1 + strength * 0.6)  # saturation
    return np.clip(x, 0, 255)


def composite(
    rgb: np.ndarray,
    mask: np.ndarray,
    background: np.ndarray | None,
    size: int,
    rng: np.random.Generator,
    fill: tuple[float, float] = (0.35, 0.95),
) -> tuple[np.ndarray, np.ndarray]:
    """Paste the product cut-out onto ``background`` (None: a white page); ``(rgb, mask)`` at size x size."""
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    obj, m = rgb[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    if rng.random() < 0.5:
        obj, m = obj[:, ::-1], m[:, ::-1]
    if rng.random() < 0.15:  # lying the other way on the floor
        k = int(rng.integers(1, 4))
        obj, m = np.rot90(obj, k), np.rot90(m, k)
    oh, ow = m.shape
    fill = rng.uniform(*fill)  # the garment's long side over the frame's (> 1: cut by the frame)
    aspect = np.exp(rng.uniform(-0.15, 0.15))  # the photo will be squashed, and so is the garment
    scale = fill * size / max(oh, ow)
    nh, nw = max(4, int(oh * scale * aspect)), max(4, int(ow * scale / aspect))
    obj = cv2.resize(np.ascontiguousarray(obj), (nw, nh), interpolation=cv2.INTER_AREA)
    m = cv2.resize(np.ascontiguousarray(m), (nw, nh), interpolation=cv2.INTER_LINEAR)
    alpha = m.astype(np.float32) / 255.0
    # where it lands: mostly centred, sometimes cut by the frame
    slack_y, slack_x = size - nh, size - nw
    cy = int(slack_y / 2 + rng.normal(0, 0.2) * max(abs(slack_y), size * 0.15))
    cx = int(slack_x / 2 + rng.normal(0, 0.2) * max(abs(slack_x), size * 0.15))
    canvas_alpha = np.zeros((size, size), np.float32)
    canvas_obj = np.zeros((size, size, 3), np.float32)
    sy0, sx0 = max(0, cy), max(0, cx)
    sy1, sx1 = min(size, cy + nh), min(size, cx + nw)
    if sy1 <= sy0 or sx1 <= sx0:
        cy, cx, sy0, sx0, sy1, sx1 = 0, 0, 0, 0, min(size, nh), min(size, nw)
    canvas_alpha[sy0:sy1, sx0:sx1] = alpha[sy0 - cy : sy1 - cy, sx0 - cx : sx1 - cx]
    canvas_obj[sy0:sy1, sx0:sx1] = obj[sy0 - cy : sy1 - cy, sx0 - cx : sx1 - cx]
    white = background is None
    if white:
        bg = np.full((size, size, 3), 255.0, np.float32)
        fg = canvas_obj
    else:
        bg = _jitter(background, rng, 0.25)
        fg = _jitter(canvas_obj, rng, 0.2)
        if rng.random() < 0.7:  # a soft drop shadow
            shift = rng.integers(-size // 30, size // 30 + 1, size=2)
            shadow = np.roll(canvas_alpha, tuple(shift), axis=(0, 1))
            shadow = cv2.GaussianBlur(shadow, (0, 0), sigmaX=rng.uniform(2, 8))
            bg = bg * (1 - rng.uniform(0.2, 0.55) * shadow[..., None])
        if rng.random() < 0.4:  # uneven light across the photo
            ramp = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(1.0, 1.2), size, dtype=np.float32)
            light = ramp[None, :, None] if rng.random() < 0.5 else ramp[:, None, None]
            bg, fg = bg * light, fg * light
    a = canvas_alpha[..., None]
    out = fg * a + bg * (1 - a)
    out = camera_noise(out, rng, white, max_blur=1.2, max_noise=6)
    return out, (canvas_alpha > 0.5).astype(np.uint8)


def camera_noise(img: np.ndarray, rng: np.random.Generator, white: bool, max_blur: float, max_noise: float):
    """A composite as a phone would save it: sometimes blurred and grainy (not on a white page), sometimes
    JPEG-compressed. Float (H, W, 3) in, uint8 out."""
    if not white:
        if rng.random() < 0.3:
            img = cv2.GaussianBlur(img, (0, 0), sigmaX=rng.uniform(0.3, max_blur))
        if rng.random() < 0.5:
            img = img + rng.normal(0, rng.uniform(1, max_noise), img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, format="JPEG", quality=int(rng.integers(60, 95)))
        out = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return out
