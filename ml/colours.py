"""Name a garment's dominant colours in words a shopper uses.

Garment pixels are clustered in CIELAB with a small seeded k-means; each cluster centre takes the name
of the nearest palette colour by CIEDE2000, clusters with the same name merge, and small shares drop.
The reported hex is the garment's own mean colour, not the palette's, so a swatch looks like the photo.
Palette hexes are colours as garments photograph (a black T-shirt is dark grey in a photo, not #000000).
There is no "silver": sheen is not visible per pixel, and a silver entry took light blue-grey shirts.
"""

from __future__ import annotations

import numpy as np

PALETTE: dict[str, str] = {
    "black": "#1c1c1e",
    "charcoal": "#3a3d42",
    "grey": "#808285",
    "light grey": "#c4c5c7",
    "white": "#f4f4f2",
    "off-white": "#ece6d6",
    "cream": "#f1e3bc",
    "beige": "#d8c3a0",
    "khaki": "#b5a47a",
    "tan": "#c19a6b",
    "camel": "#b07d48",
    "brown": "#6b4530",
    "burgundy": "#6d1a2b",
    "red": "#c8202e",
    "coral": "#f0776a",
    "orange": "#ec7a2a",
    "mustard": "#d0a123",
    "yellow": "#f2d43a",
    "gold": "#c9a84c",
    "olive": "#6b6b30",
    "green": "#2f8a45",
    "dark green": "#1f4030",
    "mint": "#a8dcc0",
    "teal": "#1d7a7a",
    "light blue": "#9cc3e4",
    "denim": "#4f6d93",
    "blue": "#2456b4",
    "navy": "#1f2a48",
    "lavender": "#b9a6d6",
    "purple": "#6a3a8c",
    "pink": "#e58aa8",
    "light pink": "#f4c9d3",
    "fuchsia": "#c72a85",
}

MAX_SAMPLES = 4000
CLUSTERS = 5
KMEANS_STEPS = 12
SEED = 0


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8 (..., 3) to CIELAB (..., 3) float, D65 white."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = linear @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [
            116 * f[..., 1] - 16,
            500 * (f[..., 0] - f[..., 1]),
            200 * (f[..., 1] - f[..., 2]),
        ],
        -1,
    )


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 difference, broadcasting over leading dimensions of (..., 3) arrays."""
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    dhh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = (
        np.where(
            np.abs(h1p - h2p) > 180,
            np.where(h_sum < 360, h_sum + 360, h_sum - 360),
            h_sum,
        )
        / 2
    )
    h_bar = np.where(c1p * c2p == 0, h_sum, h_bar)
    t = (
        1
        - 0.17 * np.cos(np.radians(h_bar - 30))
        + 0.24 * np.cos(np.radians(2 * h_bar))
        + 0.32 * np.cos(np.radians(3 * h_bar + 6))
        - 0.20 * np.cos(np.radians(4 * h_bar - 63))
    )
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = (
        -2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7)) * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2))))
    )
    return np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dhh / s_h) ** 2 + r_t * (dc / s_c) * (dhh / s_h))


_NAMES = list(PALETTE)
_PALETTE_LAB = rgb_to_lab(np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in PALETTE.values()]))


def nearest_colour_name(lab: np.ndarray) -> str:
    """The palette name nearest to one Lab colour by CIEDE2000."""
    return _NAMES[int(np.argmin(ciede2000(np.asarray(lab)[None, :], _PALETTE_LAB)))]


def dominant_colours(
    rgb: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    max_colours: int = 3,
    min_share: float = 0.08,
) -> list[dict]:
    """Up to ``max_colours`` ``{"name", "hex", "share"}`` of the garment pixels (mask > 127), by share.

    Shares are fractions of garment pixels, so the returned ones sum to at most 1. No garment
    pixels gives an empty list. Deterministic: a fixed pixel grid and a seeded k-means.
    """
    garment = np.ones(rgb.shape[:2], bool) if mask is None else np.asarray(mask) > 127
    count = int(np.count_nonzero(garment))
    if count == 0:
        return []
    # A regular grid is cheaper than a random draw.
    stride = max(1, int(np.sqrt(count / MAX_SAMPLES)))
    pixels = rgb[::stride, ::stride][garment[::stride, ::stride]]
    if len(pixels) == 0:  # a sliver of a mask the grid missed
        pixels = rgb[garment]
    lab = rgb_to_lab(pixels)  # (N, 3)
    distinct = len(np.unique(pixels[:, 0].astype(np.int32) << 16 | pixels[:, 1].astype(np.int32) << 8 | pixels[:, 2]))
    assign = _kmeans(lab, min(CLUSTERS, distinct), np.random.default_rng(SEED))

    merged: dict[str, list[int]] = {}
    for k in np.unique(assign):
        members = assign == k
        merged.setdefault(nearest_colour_name(lab[members].mean(0)), []).append(k)
    colours = []
    for name, ks in merged.items():
        members = np.isin(assign, ks)
        share = float(members.mean())
        if share < min_share:
            continue
        mean = np.clip(np.round(pixels[members].mean(0)), 0, 255).astype(int)
        colours.append(
            {
                "name": name,
                "hex": "#{:02x}{:02x}{:02x}".format(*mean),
                "share": round(share, 3),
            }
        )
    colours.sort(key=lambda c: (-c["share"], c["name"]))
    return colours[:max_colours]


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Cluster labels (N,) from k-means++ seeding and a few Lloyd steps."""
    points = points.astype(np.float32)
    centres = points[[rng.integers(len(points))]]  # (1, 3)
    d2 = ((points - centres[0]) ** 2).sum(1, dtype=np.float64)  # (N,)
    while len(centres) < k and d2.sum() > 0:
        pick = rng.choice(len(points), p=d2 / d2.sum())
        centres = np.vstack([centres, points[pick]])
        d2 = np.minimum(d2, ((points - points[pick]) ** 2).sum(1, dtype=np.float64))
    assign = _sq_dist(points, centres).argmin(1)
    for _ in range(KMEANS_STEPS):
        counts = np.bincount(assign, minlength=len(centres)).astype(np.float32)  # (K,)
        sums = np.stack([np.bincount(assign, points[:, c], len(centres)) for c in range(3)], 1)  # (K, 3)
        centres = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centres).astype(np.float32)
        updated = _sq_dist(points, centres).argmin(1)
        if np.array_equal(updated, assign):
            break
        assign = updated
    return assign


def _sq_dist(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(N, K) squared distances, via |x|^2 - 2 x.c + |c|^2."""
    d2 = (points**2).sum(1)[:, None] - 2 * points @ centres.T + (centres**2).sum(1)[None, :]
    return np.maximum(d2, 0)  # rounding can make the expansion slightly negative
