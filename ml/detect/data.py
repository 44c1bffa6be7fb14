"""Training and test data for the detector, built from real images.

* **Flat-lay composites.** Garments are product shots on white from ``fashion-product-images``; their mask
  (``ml.segment.data.product_mask``: the cleaned non-white pixels; shots on a model, white/cream products and
  cropped shots are dropped) gives an exact box. Labels: ``styles.csv`` articleType via ``labels.ARTICLE_TYPES``.
  1-5 garments of *different* classes are laid on one real background (a corner crop of a ``clothing-dataset``
  closet photo: floor, bed, carpet), large pieces first and accessories on top, as a flat-lay photo of an
  outfit: each scaled by its class's typical size in the frame and by how crowded the photo is, aspect
  jittered (+-15%), flipped, sometimes turned 90 degrees, colour-jittered apart from the background, with a soft
  drop shadow. A garment may overlap an earlier one by at most 20% of the smaller box, and may be cut by the
  frame by up to ~15%; its box is that of its *visible* pixels. Then light ramps, blur, noise and JPEG.
* **Closet photos.** Real single-garment photos from ``clothing-dataset`` (label via ``labels.CLOSET_LABELS``),
  cut out by the app's automatic GrabCut (``ml.cutout.grabcut_cutout``; photos where GrabCut fell back to its
  ellipse, or found under 4% / over 92% of the photo, are dropped). They serve twice: as whole photos boxed by
  the mask's extent (real closet photos, one garment each), and as a second source of cut-outs for the
  flat-lays, since few apparel product shots survive the mask filter (most are worn by a model): without them
  there would be 2 dresses and 30 jackets to learn from. A pasted closet cut-out's box is exact for what was
  pasted, even where GrabCut kept a bit of floor.

Split: products and closet photos whose id ``ml.bridge.train.is_heldout`` holds out (15%, by sha256 of the id)
never enter training. The test set's flat-lays use held-out products on backgrounds cropped from held-out
closet photos; training uses neither.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ml.detect.labels import ARTICLE_TYPES, CLASSES, CLOSET_LABELS
from ml.segment.data import _jitter, background_crop, camera_noise, is_heldout, load_products, product_rows

# a garment's long side over the frame's when it lies alone; shrunk when the photo holds more
CLASS_FILL = {
    "top": (0.45, 0.9),
    "outer": (0.5, 0.95),
    "dress": (0.5, 0.95),
    "pants": (0.5, 0.95),
    "skirt": (0.35, 0.75),
    "shorts": (0.3, 0.7),
    "bag": (0.3, 0.7),
    "footwear": (0.25, 0.6),
    "boots": (0.3, 0.65),
    "headwear": (0.25, 0.55),
    "scarf/tie": (0.3, 0.8),
    "belt": (0.25, 0.65),
    "sunglasses": (0.15, 0.4),
}
CROWD = {1: 1.0, 2: 0.8, 3: 0.68, 4: 0.6, 5: 0.54}
COUNT_WEIGHTS = {1: 0.12, 2: 0.2, 3: 0.25, 4: 0.23, 5: 0.2}
LARGE_FIRST = ["outer", "dress", "pants", "top", "skirt", "shorts", "scarf/tie", "bag", "boots", "footwear", "belt", "headwear", "sunglasses"]  # fmt: skip
MAX_OVERLAP = 0.2
MIN_VISIBLE = 0.6
CLOSET_SIDE = 320  # closet photos are cut out and kept at this long side


@dataclass
class Example:
    image: np.ndarray  # (S, S, 3) uint8
    boxes: np.ndarray  # (n, 4) float32 xyxy pixels
    labels: np.ndarray  # (n,) int64 indices into CLASSES


def garments(data_root: Path, heldout: bool) -> dict[str, list[tuple[str, np.ndarray, np.ndarray]]]:
    """{class: [(product id, rgb, mask)]} of usable product shots with a mapped articleType."""
    rows = [r for r in product_rows(data_root, heldout=heldout) if r.article_type in ARTICLE_TYPES]
    by_class: dict[str, list] = {}
    for r in rows:
        by_class.setdefault(ARTICLE_TYPES[r.article_type], []).append(r)
    return {c: load_products(rs) for c, rs in sorted(by_class.items())}


def class_weights(pool: dict[str, list]) -> dict[str, float]:
    """Sampling weight per class: count^0.5, so rare classes appear often without drowning the common ones."""
    return {c: len(v) ** 0.5 for c, v in pool.items() if v}


def _place(h: int, w: int, size: int, boxes: list, rng: np.random.Generator) -> tuple[int, int] | None:
    for _ in range(40):
        y = int(rng.uniform(-0.15 * h, size - 0.85 * h))
        x = int(rng.uniform(-0.15 * w, size - 0.85 * w))
        box = np.array([max(0, x), max(0, y), min(size, x + w), min(size, y + h)], np.float32)
        if box[2] - box[0] < 4 or box[3] - box[1] < 4:
            continue
        if all(_overlap(box, b) <= MAX_OVERLAP for b in boxes):
            return y, x
    return None


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box's area."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(iw * ih / max(small, 1.0))


def flatlay(
    items: list[tuple[str, np.ndarray, np.ndarray]], background: np.ndarray | None, size: int, rng: np.random.Generator
) -> Example:
    """Lay ``items`` ((class, rgb, mask) product shots) on ``background`` (None: a white page)."""
    items = sorted(items, key=lambda it: LARGE_FIRST.index(it[0]))
    white = background is None
    canvas = np.full((size, size, 3), 255.0, np.float32) if white else _jitter(background, rng, 0.25)
    owner = np.full((size, size), -1, np.int32)  # which garment each pixel shows
    pasted, placed_boxes, labels = [], [], []
    crowd = CROWD[len(items)]
    for label, rgb, mask in items:
        ys, xs = np.nonzero(mask)
        obj, m = (
            rgb[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1],
            mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1],
        )
        if rng.random() < 0.5:
            obj, m = obj[:, ::-1], m[:, ::-1]
        if rng.random() < 0.1:
            k = int(rng.integers(1, 4))
            obj, m = np.rot90(obj, k), np.rot90(m, k)
        lo, hi = CLASS_FILL[label]
        long_side = rng.uniform(lo, hi) * crowd * size
        aspect = np.exp(rng.uniform(-0.15, 0.15))
        oh, ow = m.shape
        spot = None
        for _ in range(3):
            scale = long_side / max(oh, ow)
            nh, nw = max(6, int(oh * scale * aspect)), max(6, int(ow * scale / aspect))
            spot = _place(nh, nw, size, placed_boxes, rng)
            if spot is not None:
                break
            long_side *= 0.8
        if spot is None:
            continue
        y, x = spot
        o = cv2.resize(np.ascontiguousarray(obj), (nw, nh), interpolation=cv2.INTER_AREA).astype(np.float32)
        a = cv2.resize(np.ascontiguousarray(m), (nw, nh), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255
        sy0, sx0, sy1, sx1 = max(0, y), max(0, x), min(size, y + nh), min(size, x + nw)
        alpha = np.zeros((size, size), np.float32)
        alpha[sy0:sy1, sx0:sx1] = a[sy0 - y : sy1 - y, sx0 - x : sx1 - x]
        fg = np.zeros((size, size, 3), np.float32)
        fg[sy0:sy1, sx0:sx1] = o[sy0 - y : sy1 - y, sx0 - x : sx1 - x]
        if not white:
            fg = _jitter(fg, rng, 0.2)
            if rng.random() < 0.7:  # a soft drop shadow
                shift = rng.integers(-size // 40, size // 40 + 1, size=2)
                shadow = cv2.GaussianBlur(np.roll(alpha, tuple(shift), axis=(0, 1)), (0, 0), sigmaX=rng.uniform(2, 6))
                canvas = canvas * (1 - rng.uniform(0.15, 0.45) * shadow[..., None])
        canvas = fg * alpha[..., None] + canvas * (1 - alpha[..., None])
        index = len(pasted)
        owner[alpha > 0.5] = index
        pasted.append(int(np.count_nonzero(alpha > 0.5)))
        placed_boxes.append(np.array([sx0, sy0, sx1, sy1], np.float32))
        labels.append(CLASSES.index(label))
    boxes, keep = [], []
    for i, area in enumerate(pasted):
        ys, xs = np.nonzero(owner == i)
        if area == 0 or len(ys) < MIN_VISIBLE * area:
            continue  # mostly hidden: a garment nobody could box
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        keep.append(labels[i])
    if not white and rng.random() < 0.4:  # uneven light across the photo
        ramp = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(1.0, 1.2), size, dtype=np.float32)
        canvas = canvas * (ramp[None, :, None] if rng.random() < 0.5 else ramp[:, None, None])
    out = camera_noise(canvas, rng, white, max_blur=1.0, max_noise=5)
    return Example(out, np.array(boxes, np.float32).reshape(-1, 4), np.array(keep, np.int64))


def make_flatlays(
    pool: dict[str, list],
    background_paths: list[str],
    n: int,
    size: int,
    seed: int,
    white_share: float = 0.05,
) -> list[Example]:
    """``n`` flat-lays: each of 1-5 garments of distinct classes, classes drawn by ``class_weights``."""
    rng = np.random.default_rng(seed)
    weights = class_weights(pool)
    names = sorted(weights)
    p = np.array([weights[c] for c in names])
    counts, count_p = list(COUNT_WEIGHTS), np.array(list(COUNT_WEIGHTS.values()))
    out = []
    while len(out) < n:
        k = min(int(rng.choice(counts, p=count_p / count_p.sum())), len(names))
        chosen = rng.choice(len(names), size=k, replace=False, p=p / p.sum())
        items = []
        for c in chosen:
            _, rgb, mask = pool[names[c]][int(rng.integers(len(pool[names[c]])))]
            items.append((names[c], rgb, mask))
        bg = None
        if rng.random() >= white_share:
            with Image.open(background_paths[int(rng.integers(len(background_paths)))]) as im:
                bg = background_crop(np.asarray(im.convert("RGB")), size, rng)
        ex = flatlay(items, bg, size, rng)
        if len(ex.labels):
            out.append(ex)
    return out


def closet_rows(data_root: Path, heldout: bool, exclude: set[str] = frozenset()) -> list[tuple[str, str]]:
    """(photo path, class) of clothing-dataset photos with a mapped label (adults' only)."""
    root = Path(data_root) / "clothing-dataset"
    out = []
    with open(root / "images.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            label = CLOSET_LABELS.get(row["label"])
            path = root / "images" / f"{row['image']}.jpg"
            if label is None or row.get("kids") == "True" or row["image"] in exclude:
                continue
            if is_heldout(row["image"]) != heldout or not path.exists():
                continue
            out.append((str(path), label))
    return out


def closet_cutout(path: str, long_side: int = CLOSET_SIDE) -> tuple[np.ndarray, np.ndarray] | None:
    """(rgb, mask) of a closet photo at ``long_side``, the mask from GrabCut; None when it found no garment."""
    from ml.cutout import grabcut_cutout

    with Image.open(path) as im:
        im = im.convert("RGB")
        im.thumbnail((long_side, long_side), Image.BILINEAR)
        rgb = np.asarray(im)
    cut = grabcut_cutout(rgb)
    if cut.method != "grabcut" or not 0.04 <= cut.share <= 0.92:
        return None
    return rgb, cut.mask


def closet_cutouts(rows: list[tuple[str, str]], per_class: int, seed: int) -> dict[str, list]:
    """{class: [(photo id, rgb, mask)]}: up to ``per_class`` GrabCut-cut closet photos per class, at random."""
    rng = np.random.default_rng(seed)
    out: dict[str, list] = {}
    for i in rng.permutation(len(rows)):
        path, label = rows[i]
        if len(out.get(label, [])) >= per_class:
            continue
        cut = closet_cutout(path)
        if cut is not None:
            out.setdefault(label, []).append((Path(path).stem, *cut))
    return out


def mask_example(rgb: np.ndarray, mask: np.ndarray, label: str, size: int) -> Example:
    """The photo squashed to size x size, its one garment boxed by the mask's extent."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask > 127)
    sx, sy = size / w, size / h
    box = np.array([[xs.min() * sx, ys.min() * sy, (xs.max() + 1) * sx, (ys.max() + 1) * sy]], np.float32)
    image = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)
    return Example(image, box, np.array([CLASSES.index(label)], np.int64))


def merge_pools(*pools: dict[str, list]) -> dict[str, list]:
    out: dict[str, list] = {}
    for pool in pools:
        for c, items in pool.items():
            out.setdefault(c, []).extend(items)
    return out
