"""Cut a garment out of a closet photo with OpenCV GrabCut.

Closet photos show one garment on a floor, bed or hanger, roughly centred, on a background that is
close to uniform. GrabCut runs on a small copy (160 px on the long side) so a photo costs a few
tens of milliseconds on one core; the mask is smoothed and upsampled to the original size.

Initialisation: a thin border strip is definite background, an inset rectangle is probable foreground,
and pixels inside it whose colour is close to the border's colours are probable background, which gives
GrabCut a cleaner foreground colour model. When that colour prior would leave almost nothing as
foreground, it is skipped. Its radius is tight: a wide one swallowed garments close to the floor's colour.

If a cut-out comes back smaller than 5% of the photo (the prior ate a garment the floor's colour, or a
garment touching the edges put its colour into the background model), GrabCut is retried without the prior,
then with the border only probable background. ``grabcut_cutout`` always returns a usable mask: if every
try is empty or nearly full, the mask is an ellipse inscribed in the inset rectangle and
``CutoutResult.method`` says so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

WORK_SIZE = 160
ITERATIONS = 1
BORDER = 0.03  # definite-background strip, as a fraction of the long side
INSET = 0.08  # probable-foreground rectangle inset, as a fraction of each side
RETRY_SHARE = 0.05  # a smaller cut-out means the init failed; the next init is tried
MAX_SHARE = 0.97  # above this it is treated as full (GrabCut found no background)
BG_COLOURS = 4  # colour clusters in the border model
MIN_PRIOR_FOREGROUND = 0.25  # skip the colour prior if it leaves less foreground
MIN_COMPONENT = 0.15  # keep components at least this fraction of the largest one
MAX_HOLE = 0.10  # fill holes smaller than this fraction of the garment

Rect = tuple[int, int, int, int]  # x, y, width, height in original pixel coordinates


@dataclass(frozen=True)
class CutoutResult:
    """A garment mask and how it was made.

    method is ``"grabcut"`` (auto init), ``"grabcut-rect"`` (from the user's box) or ``"fallback"``
    (GrabCut gave an empty or near-full mask; the mask is an ellipse in the inset/user rectangle).
    ``colour_prior`` says whether the border colour model was used to seed probable background.
    """

    mask: np.ndarray  # (H, W) uint8, 0 or 255
    method: str
    seconds: float
    share: float  # fraction of the image that is garment
    colour_prior: bool


def grabcut_mask(
    rgb: np.ndarray,
    *,
    work_size: int = WORK_SIZE,
    iterations: int = ITERATIONS,
    rect: Rect | None = None,
) -> np.ndarray:
    """The garment mask of ``rgb`` (H, W, 3 uint8) as (H, W) uint8 in {0, 255}; never empty."""
    return grabcut_cutout(rgb, work_size=work_size, iterations=iterations, rect=rect).mask


def grabcut_cutout(
    rgb: np.ndarray,
    *,
    work_size: int = WORK_SIZE,
    iterations: int = ITERATIONS,
    rect: Rect | None = None,
) -> CutoutResult:
    """Like ``grabcut_mask``, and says which method produced the mask and how long it took."""
    start = time.perf_counter()
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.shape} {rgb.dtype}")
    height, width = rgb.shape[:2]
    scale = min(1.0, work_size / max(height, width))
    small_w, small_h = max(8, round(width * scale)), max(8, round(height * scale))
    small = cv2.resize(rgb, (small_w, small_h), interpolation=cv2.INTER_AREA)
    bgr = np.ascontiguousarray(small[:, :, ::-1])

    if rect is None:
        box = _inset_box(small_h, small_w)
        attempts = _auto_attempts(small, box)
    else:
        box = _scale_rect(rect, small_w / width, small_h / height, small_w, small_h)
        attempts = _rect_attempts(small, box)

    soft, method, colour_prior = None, "fallback", False
    for labels, used_prior in attempts:
        hard = _run_grabcut(bgr, labels, iterations)
        if hard is not None and np.count_nonzero(hard) / hard.size >= RETRY_SHARE:
            soft, method, colour_prior = (
                hard,
                "grabcut" if rect is None else "grabcut-rect",
                used_prior,
            )
            break
    if soft is None:
        soft = _ellipse(small_h, small_w, box)

    soft = cv2.GaussianBlur(soft, (0, 0), sigmaX=1.0)
    full = cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR)
    mask = np.where(full > 127, 255, 0).astype(np.uint8)
    if rect is not None:
        mask = _inside(mask, rect)
    if not mask.any():  # a sliver of a user box can vanish in the round trip
        mask = _inside(np.full_like(mask, 255), rect) if rect is not None else _ellipse(height, width, None)
        method = "fallback"
    return CutoutResult(
        mask=mask,
        method=method,
        seconds=time.perf_counter() - start,
        share=float(np.count_nonzero(mask)) / mask.size,
        colour_prior=colour_prior,
    )


def apply_cutout(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(H, W, 4) RGBA with the mask as alpha: the content of a transparent PNG."""
    if rgb.shape[:2] != mask.shape[:2]:
        raise ValueError(f"image {rgb.shape[:2]} and mask {mask.shape[:2]} differ in size")
    return np.dstack([rgb[:, :, :3], mask.astype(np.uint8)])


def crop_to_mask(rgba: np.ndarray, mask: np.ndarray, pad: float = 0.05) -> np.ndarray:
    """Crop to the mask's bounding box plus ``pad`` (a fraction of the box's long side).

    An empty mask returns the image unchanged, so a thumbnail can always be made.
    """
    ys, xs = np.nonzero(mask > 127)
    if len(xs) == 0:
        return rgba
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    margin = round(pad * max(x1 - x0, y1 - y0))
    height, width = mask.shape[:2]
    return rgba[
        max(0, y0 - margin) : min(height, y1 + margin),
        max(0, x0 - margin) : min(width, x1 + margin),
    ]


def _inset_box(h: int, w: int) -> Rect:
    dx, dy = round(INSET * w), round(INSET * h)
    return dx, dy, w - 2 * dx, h - 2 * dy


def _border_strip(h: int, w: int) -> np.ndarray:
    border = max(2, round(BORDER * max(h, w)))
    strip = np.ones((h, w), bool)
    strip[border:-border, border:-border] = False
    return strip


def _auto_attempts(small: np.ndarray, box: Rect) -> Iterator[tuple[np.ndarray, bool]]:
    """Inits to try in turn until one gives a garment-sized mask.

    1. border strip definite background, inset box probable foreground, border-coloured pixels
       reachable from the border probable background;
    2. the same without the colour prior (a garment the colour of the floor, or one touching the edges);
    3. the border only probable background (a busy background such as a patterned sheet).
    """
    h, w = small.shape[:2]
    strip = _border_strip(h, w)
    x, y, bw, bh = box
    base = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    base[y : y + bh, x : x + bw] = cv2.GC_PR_FGD
    soft_border = base.copy()
    base[strip] = cv2.GC_BGD
    labels = base.copy()
    if _apply_colour_prior(small, labels, strip):
        yield labels, True
    yield base, False
    yield soft_border, False


def _rect_attempts(small: np.ndarray, box: Rect) -> Iterator[tuple[np.ndarray, bool]]:
    h, w = small.shape[:2]
    x, y, bw, bh = box
    base = np.full((h, w), cv2.GC_BGD, np.uint8)
    base[y : y + bh, x : x + bw] = cv2.GC_PR_FGD
    outside = base == cv2.GC_BGD
    if outside.mean() < 0.05:
        # The box is nearly the whole photo: the border strip is the background evidence.
        outside = _border_strip(h, w)
        base[outside] = cv2.GC_BGD
    labels = base.copy()
    if _apply_colour_prior(small, labels, outside):
        yield labels, True
    yield base, False


def _apply_colour_prior(small: np.ndarray, labels: np.ndarray, background: np.ndarray) -> bool:
    """Mark probable-foreground pixels that look like the background, and touch it, as probable background.

    This gives GrabCut a cleaner foreground colour model. The radius is tight because a wide one
    swallowed garments close to the floor's colour. Returns whether the prior was applied; it is not
    when it would leave too little foreground.
    """
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    samples = lab[background.reshape(-1)]
    if len(samples) < BG_COLOURS * 4:
        return False
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    cv2.setRNGSeed(0)
    _, assign, centres = cv2.kmeans(samples, BG_COLOURS, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    assign = assign.reshape(-1)
    # Each cluster's own spread sets its radius, so a textured floor gets a wider one.
    spread = np.array(
        [
            np.sqrt(((samples[assign == k] - centres[k]) ** 2).sum(1).mean()) if (assign == k).any() else 0.0
            for k in range(BG_COLOURS)
        ]
    )
    # OpenCV 8-bit Lab units (L scaled to 0..255).
    radius = np.clip(1.5 * spread, 4.0, 10.0)
    dist = np.sqrt(((lab[:, None, :] - centres[None, :, :]) ** 2).sum(2))  # (N, K)
    near = (dist < radius[None, :]).any(1).reshape(labels.shape)
    _, comp = cv2.connectedComponents((near | background).astype(np.uint8), connectivity=4)
    touching = np.unique(comp[background])
    near &= np.isin(comp, touching[touching > 0])
    candidate = labels == cv2.GC_PR_FGD
    remaining = np.count_nonzero(candidate & ~near) / max(1, np.count_nonzero(candidate))
    if remaining < MIN_PRIOR_FOREGROUND:
        return False
    labels[candidate & near] = cv2.GC_PR_BGD
    return True


def _run_grabcut(bgr: np.ndarray, labels: np.ndarray, iterations: int) -> np.ndarray | None:
    """GrabCut from an init mask; the cleaned hard mask, or None when it is near-full."""
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(bgr, labels, None, bgd_model, fgd_model, iterations, cv2.GC_INIT_WITH_MASK)
    hard = np.where((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    hard = _clean(hard)
    return None if np.count_nonzero(hard) / hard.size > MAX_SHARE else hard


def _clean(mask: np.ndarray) -> np.ndarray:
    """Keep the big components, fill small holes, open away whiskers."""
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, comp, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.zeros_like(mask)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= MIN_COMPONENT * areas.max()) + 1
    mask = np.where(np.isin(comp, keep), 255, 0).astype(np.uint8)
    holes = cv2.bitwise_not(mask)
    count, comp, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    h, w = mask.shape
    limit = MAX_HOLE * np.count_nonzero(mask)
    for k in range(1, count):
        x, y, bw, bh, area = stats[k]
        touches_edge = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches_edge and area < limit:
            mask[comp == k] = 255
    return mask


def _ellipse(h: int, w: int, box: Rect | None) -> np.ndarray:
    x, y, bw, bh = box if box is not None else _inset_box(h, w)
    mask = np.zeros((h, w), np.uint8)
    centre = (round(x + bw / 2), round(y + bh / 2))
    axes = (max(1, round(bw / 2)), max(1, round(bh / 2)))
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, thickness=-1)
    return mask


def _scale_rect(rect: Rect, sx: float, sy: float, w: int, h: int) -> Rect:
    x, y, bw, bh = rect
    x0 = min(w - 1, max(0, int(np.floor(x * sx))))
    y0 = min(h - 1, max(0, int(np.floor(y * sy))))
    x1 = max(x0 + 1, min(w, int(np.ceil((x + bw) * sx))))
    y1 = max(y0 + 1, min(h, int(np.ceil((y + bh) * sy))))
    return x0, y0, x1 - x0, y1 - y0


def _inside(mask: np.ndarray, rect: Rect) -> np.ndarray:
    x, y, bw, bh = rect
    keep = np.zeros_like(mask)
    keep[max(0, y) : max(0, y + bh), max(0, x) : max(0, x + bw)] = 255
    return cv2.bitwise_and(mask, keep)
