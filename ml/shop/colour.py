"""The garment's colour as a fixed-length vector: a soft 3-D CIELAB histogram of its foreground pixels.

The garment-category embedding was trained to tell types apart and carries little colour, so ShopHead also
reads this feature (ml/shop/model.py). Pure numpy/OpenCV, no Django: the app and training call the same code.

Foreground:

- with a mask (a closet photo's or app garment's cut-out; an RGBA's alpha), the pixels where it is > 127;
- without one (a catalogue shot on a white studio background), every pixel but the near-white ones
  connected to the image border, so a white shirt's inside (enclosed by its outline and shading) stays.
  When that leaves under ``MIN_FOREGROUND`` of the photo, every pixel counts.

The photo and its foreground are reduced to ``SIZE`` px on the long side (area averaging), so the feature
does not depend on the resolution it was given; a reduced pixel counts when it is wholly garment (its colour
is not blended with the background's), or half garment for garments too thin to have such pixels. Each pixel votes into the ``bins`` = (L, a, b) histogram with trilinear
weights between the nearest bin centres (so Navy Blue and Blue, or Off White and White, move weight
gradually rather than jump bins); the histogram is normalised to sum 1, square-rooted (Hellinger) and thus
a unit vector. No foreground at all gives the zero vector.
"""

from __future__ import annotations

import cv2
import numpy as np

from ml.colours import rgb_to_lab

SIZE = 64  # long side, px, at which pixels are counted
NEAR_WHITE = 228  # a background pixel has every channel at least this ...
NEUTRAL = 18  # ... and its channels within this of each other
MIN_FOREGROUND = 0.01
INSIDE = 0.99  # share of a reduced pixel that must be garment to count ...
MIN_PIXELS = 16  # ... unless fewer than this many are, then half is enough
L_RANGE = (0.0, 100.0)
AB_RANGE = (-64.0, 64.0)  # garment colours sit well inside; beyond it clips to the outer bins
DEFAULT_BINS = (5, 7, 7)
STUDIO_BORDER = 0.6  # share of near-white border pixels that makes a photo a studio shot


def feature_dim(bins: tuple[int, int, int] | list[int]) -> int:
    return int(np.prod(bins))


PIXELS_VERSION = (
    f"garment-lab-s{SIZE}-w{NEAR_WHITE}-n{NEUTRAL}-in{INSIDE}"  # what ``garment_pixels`` depends on, for caches
)


def feature_version(bins: tuple[int, int, int] | list[int]) -> str:
    """Names everything the feature depends on."""
    return f"lab-soft-{'x'.join(str(int(n)) for n in bins)}-ab{int(AB_RANGE[1])}-{PIXELS_VERSION}"


def studio_foreground(rgb: np.ndarray) -> np.ndarray:
    """(H, W) bool: not part of the near-white background that touches the border."""
    rgb = np.asarray(rgb)
    white = (rgb.min(-1) >= NEAR_WHITE) & (rgb.max(-1).astype(np.int16) - rgb.min(-1) <= NEUTRAL)
    _, labels = cv2.connectedComponents(white.astype(np.uint8), connectivity=8)  # 0: not white
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return ~np.isin(labels, border[border != 0])


def studio_shot(rgb: np.ndarray) -> bool:
    """Whether the photo is a catalogue shot on white: most of its border is near-white.

    A photo that is not (a garment on a floor or a hanger) should be given its cut-out's mask instead.
    """
    rgb = np.asarray(rgb)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int16)  # (P, 3)
    white = (border.min(-1) >= NEAR_WHITE) & (border.max(-1) - border.min(-1) <= NEUTRAL)
    return bool(white.mean() >= STUDIO_BORDER)


def garment_pixels(rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """(N, 3) CIELAB of the garment's pixels at ``SIZE`` px: ``mask`` > 127, or the studio foreground."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.shape} {rgb.dtype}")
    h, w = rgb.shape[:2]
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != (h, w):
            raise ValueError(f"mask {mask.shape} does not match the image {(h, w)}")
        garment = mask > 127
    else:
        garment = studio_foreground(rgb)
        if garment.mean() < MIN_FOREGROUND:
            garment = np.ones((h, w), bool)
    scale = min(1.0, SIZE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    cover = garment.astype(np.float32)
    cover = cv2.resize(cover, size, interpolation=cv2.INTER_AREA) if scale < 1 else cover
    keep = cover >= INSIDE  # pixels averaged with the background would blend its colour in
    if keep.sum() < MIN_PIXELS:  # a thin garment (a belt, a strap): its edge pixels are all it has
        keep = cover >= 0.5
    return rgb_to_lab(small[keep]).astype(np.float32)


def lab_histogram(lab: np.ndarray, bins: tuple[int, int, int] | list[int] = DEFAULT_BINS) -> np.ndarray:
    """(prod(bins),) float32 unit vector: sqrt of the soft (trilinear) histogram of (N, 3) Lab pixels."""
    bins = tuple(int(n) for n in bins)
    out = np.zeros(feature_dim(bins), np.float32)
    if len(lab) == 0:
        return out
    lows, highs = (L_RANGE[0], AB_RANGE[0], AB_RANGE[0]), (L_RANGE[1], AB_RANGE[1], AB_RANGE[1])
    corners = []  # per axis: (lower bin, upper bin, weight of the lower)
    for axis, (n, lo, hi) in enumerate(zip(bins, lows, highs)):
        pos = np.clip((lab[:, axis] - lo) / (hi - lo) * (n - 1), 0, n - 1)
        i0 = np.minimum(np.floor(pos).astype(np.int64), max(n - 2, 0))
        frac = pos - i0 if n > 1 else np.zeros_like(pos)
        corners.append((i0, np.minimum(i0 + 1, n - 1), 1.0 - frac))
    (l0, l1, wl), (a0, a1, wa), (b0, b1, wb) = corners
    for li, lw in ((l0, wl), (l1, 1 - wl)):
        for ai, aw in ((a0, wa), (a1, 1 - wa)):
            for bi, bw in ((b0, wb), (b1, 1 - wb)):
                idx = (li * bins[1] + ai) * bins[2] + bi
                out += np.bincount(idx, weights=lw * aw * bw, minlength=len(out)).astype(np.float32)
    return np.sqrt(out / out.sum()).astype(np.float32)


def colour_feature(
    rgb: np.ndarray, mask: np.ndarray | None = None, bins: tuple[int, int, int] | list[int] = DEFAULT_BINS
) -> np.ndarray:
    """The garment's colour vector, (prod(bins),) float32: see the module docstring."""
    return lab_histogram(garment_pixels(rgb, mask), bins)


def colour_feature_rgba(rgba: np.ndarray, bins: tuple[int, int, int] | list[int] = DEFAULT_BINS) -> np.ndarray:
    """Of a cut-out (H, W, 4) uint8 whose alpha is the garment mask."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"expected an (H, W, 4) RGBA cut-out, got {rgba.shape}")
    return colour_feature(np.ascontiguousarray(rgba[..., :3]), rgba[..., 3], bins)
