"""Where the upper-body garment is in a person photo, by a fixed heuristic, and the article cut from it.

There is no garment parser in the project, so one rule is shared by training (the weak mask that
supervises α, and the article y_i cut out of the person), and by inference when the caller does not
give the worn article:

1. Skin is YCrCb 135 <= Cr <= 175, 80 <= Cb <= 130 (a standard skin box).
2. The face is the skin component in the top 55% of the photo, centred in the middle 70% of the width,
   whose top is highest. Going down from its top, the chin is the first row narrower than 0.7 of the widest
   row so far (the jaw narrowing into the neck); the face width w is the widest row above it.
3. The torso box runs from the chin to chin + 5.2 w, 2.3 w either side of the face centre; the chest
   patch (chin + 0.9 w .. chin + 2.4 w, +-0.5 w) is sure garment, and when the photo reaches below
   chin + 4.2 w, its bottom 6% rows within +-w of the centre (the legs) are sure background.
4. GrabCut (3 iterations): skin, everything above the chin and outside the torso box are sure
   background, the rest of the box probable garment. The component through the chest patch is kept,
   holes filled.

With no face found the box is the middle of the photo (x 20-80%, y 22-78%). The rule is tuned for
people standing facing the camera, upper body in view; a garment worn on its own with no face in view
falls back to the box.
"""

from __future__ import annotations

import cv2
import numpy as np

SKIN_CR = (135, 175)
SKIN_CB = (80, 130)
GRABCUT_ITERATIONS = 3


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W) bool."""
    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    cr, cb = ycrcb[..., 1], ycrcb[..., 2]
    return (cr >= SKIN_CR[0]) & (cr <= SKIN_CR[1]) & (cb >= SKIN_CB[0]) & (cb <= SKIN_CB[1])


def find_face(skin: np.ndarray) -> tuple[float, float, float, float] | None:
    """(top row, centre column, width, chin row) of the face: the skin component in the top 55% of the photo,
    centred in the middle 70% of the width, whose top is highest among those of a face's size."""
    h, w = skin.shape
    top = np.zeros(skin.shape, np.uint8)
    top[: int(h * 0.55)] = skin[: int(h * 0.55)]
    top = cv2.morphologyEx(top, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(top, connectivity=8)
    best = None
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if area < max(12, h * w * 0.002) or not 0.15 * w <= centroids[i][0] <= 0.85 * w:
            continue
        comp = labels[y : y + bh, x : x + bw] == i
        rows = comp.sum(1).astype(float)  # width per row, from the forehead down
        widest, neck = rows[0], len(rows)
        for k in range(1, len(rows)):
            widest = max(widest, rows[k])
            if k >= 3 and rows[k] < 0.7 * widest:  # the jaw narrows into the neck
                neck = k
                break
        neck = min(neck, int(1.6 * widest) + 1)
        fw = float(rows[:neck].max())
        cols = np.nonzero(comp[:neck].any(0))[0]
        cx = x + (cols.min() + cols.max()) / 2
        if fw >= 3 and (best is None or y < best[0]):
            best = (float(y), float(cx), fw, float(y + neck))
    return best


def garment_region(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 person photo -> (H, W) bool mask of the upper-body garment (the rule above)."""
    h, w = rgb.shape[:2]
    skin = skin_mask(rgb)
    face = find_face(skin)
    if face is not None:
        _, cx, fw, chin = face
        chin = int(min(chin, h - 2))
        box = (int(max(0, cx - 2.3 * fw)), chin, int(min(w, cx + 2.3 * fw)), int(min(h, chin + 5.2 * fw)))
        if h > chin + 4.2 * fw:  # the photo reaches below the hips: its bottom middle is legs
            legs = (int(cx - fw), int(h - 0.06 * h), int(cx + fw) + 1, h)
        chest = (int(cx - 0.5 * fw), int(chin + 0.9 * fw), int(cx + 0.5 * fw) + 1, int(chin + 2.4 * fw) + 1)
    else:
        chin = int(0.22 * h)
        box = (int(0.2 * w), chin, int(0.8 * w), int(0.78 * h))
        chest = (int(0.42 * w), int(0.35 * h), int(0.58 * w) + 1, int(0.55 * h) + 1)
    if face is None or h <= chin + 4.2 * face[2]:
        legs = None
    x0, y0, x1, y1 = box
    chest = (max(x0, chest[0]), max(y0, chest[1]), min(x1, chest[2]), min(y1, chest[3]))
    labels = np.full((h, w), cv2.GC_BGD, np.uint8)
    labels[y0:y1, x0:x1] = cv2.GC_PR_FGD
    labels[skin & (labels == cv2.GC_PR_FGD)] = cv2.GC_BGD
    if legs is not None:
        labels[legs[1] : legs[3], max(0, legs[0]) : legs[2]] = cv2.GC_BGD
    cx0, cy0, cx1, cy1 = chest
    if cx1 > cx0 and cy1 > cy0:
        labels[cy0:cy1, cx0:cx1] = np.where(skin[cy0:cy1, cx0:cx1], cv2.GC_BGD, cv2.GC_FGD)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(
            cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), labels, None, bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK
        )
        mask = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    except cv2.error:  # one colour model had no pixels
        mask = labels != cv2.GC_BGD
    return _keep_chest_component(mask, chest)


def _keep_chest_component(mask: np.ndarray, chest: tuple[int, int, int, int]) -> np.ndarray:
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels = cv2.connectedComponents(m, connectivity=8)
    if n <= 1:
        return mask
    cx0, cy0, cx1, cy1 = chest
    patch = labels[cy0:cy1, cx0:cx1]
    ids, counts = np.unique(patch[patch > 0], return_counts=True)
    if len(ids) == 0:
        ids, counts = np.unique(labels[labels > 0], return_counts=True)
    keep = (labels == ids[np.argmax(counts)]).astype(np.uint8)
    filled = keep.copy()
    flood = np.zeros((keep.shape[0] + 2, keep.shape[1] + 2), np.uint8)
    cv2.floodFill(filled, flood, (0, 0), 1) if keep[0, 0] == 0 else None
    holes = (filled == 0) & (keep == 0)
    return (keep > 0) | holes


def article_from_region(rgb: np.ndarray, region: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The worn article as a product shot: the region's bounding box, everything else white, fit into
    ``size`` (height, width) on white with its aspect kept. Returns (height, width, 3) uint8."""
    cut = np.where(region[..., None], rgb, 255).astype(np.uint8)
    ys, xs = np.nonzero(region)
    if len(ys):
        cut = cut[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return fit_on_white(cut, size)


def fit_on_white(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize (aspect kept) and centre on a white (height, width) canvas."""
    th, tw = size
    h, w = rgb.shape[:2]
    s = min(th / h, tw / w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    small = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    canvas = np.full((th, tw, 3), 255, np.uint8)
    y, x = (th - nh) // 2, (tw - nw) // 2
    canvas[y : y + nh, x : x + nw] = small
    return canvas
