"""Help the garment detector with the person parse (``ml.person``) on photos of someone wearing the garments.

The detector learned from flat-lays and closet photos and never saw a person: on worn photos it finds the
garments but often names them after their look laid flat (worn trousers are often called "bag") and misses
some. Where the person parse finds a body, its ``upper`` / ``lower`` / ``feet`` boxes say which garments can be
there. The rules come from body geometry. Rules 1 (without its dress clause), 3, 4 and 5 and every threshold
were written before any photo was scored; the dress clause and rule 2 were added after looking at the 12 worn
photos once (the README reports both runs):

1. **Relabel.** A detection whose class cannot fill a region (``WORN_THERE``; in ``lower``: bag, belt,
   footwear, or a dress or coat, whose box would start at the shoulders), lying mostly inside the region
   (``INSIDE`` of its box) and covering much of it (``COVER`` of the region), is the region's garment: it takes
   the region's class that the detector scored highest on the same anchor (``Detection.scores``) and keeps its
   score. A real bag or belt is too small to cover 40% of a body region. With the legs in view (a ``lower``
   region), a dress mostly inside ``upper`` is a top or outer: a dress's box would reach into the legs.
2. **Length.** With both knees visible and in the photo, a pants or shorts box mostly inside ``lower`` that ends
   clearly below the knees (``KNEE_MARGIN``) is pants or skirt, one ending clearly above them shorts or skirt
   (by the anchor's scores again). The 12 worn photos measured are all cut off above the knees: unused there.
   **Cut by the frame.** Without both knees in view, a shorts box mostly inside ``lower`` that runs into the
   photo's bottom edge (``FRAME_EDGE``) has its hem outside the photo, so its shortness is not seen: it is pants
   or skirt. The detector reads the visible length, and trousers cut off at the thigh look like shorts to it
   (31 of 47 such trousers on the on-model set); this rule was added after that set was scored (README). Rule 2
   applies to the proposals of rule 4 too.
3. **Merge.** Detections of one class that now overlap (IoU > ``NMS_IOU``) are merged, the best kept.
4. **Propose.** A region without a detection of its kind (``COVERS``) scoring at least ``COVERED_SCORE`` and
   overlapping it by half of the smaller box gets one: the region's box, labelled with the region's class the
   detector scores highest on that box (``class_scores``), scored ``COVERED_SCORE`` x that class's share of
   the region's classes (of all classes for the one-class feet), so a proposal ranks below every detection
   that would have covered the region. ``upper`` proposes top / outer / dress (a dress spans ``upper`` and
   ``lower`` and then covers ``lower`` too), ``lower`` pants / shorts / skirt, ``feet`` footwear only when a
   heel or toe landmark is visible (``FEET_VISIBLE``).
5. **Clip.** Every box except a bag's (carried, maybe beside the body) is clipped to the person mask's extent;
   one clipped to nothing is dropped.

No person (``person is None``): the detections come back untouched, so flat-lays and closet photos are as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from ml.detect.predict import Box, Detection

REGION_CLASSES = {
    "upper": ("top", "outer", "dress"),
    "lower": ("pants", "shorts", "skirt"),
    "feet": ("footwear",),  # "boots" never had a training example: the detector's boots score is noise
}
WORN_THERE = {  # classes that can be large and mostly inside a region (never relabelled there)
    "upper": {"top", "outer", "dress", "scarf/tie"},  # a dress's box reaches far below the upper region though
    "lower": {"pants", "shorts", "skirt"},  # a coat's or dress's box starts at the shoulders: not mostly here
    "feet": {"footwear", "boots", "pants"},  # trouser hems reach the shoes
}
COVERS = {  # detections that count as the region's garment when deciding whether to propose one
    "upper": {"top", "outer", "dress"},
    "lower": {"pants", "shorts", "skirt", "dress"},
    "feet": {"footwear", "boots"},
}
INSIDE = 0.7  # share of a detection's box inside the region
COVER = 0.4  # share of the region the detection covers
COVERED_SCORE = 0.3  # the app's default detection threshold (OUTFIT_MIN_SCORE)
NMS_IOU = 0.45  # as the detector's own per-class NMS
FEET_VISIBLE = 0.5  # ml.person's MIN_VISIBILITY
FOOT_LANDMARKS = (29, 30, 31, 32)  # left/right heel, left/right foot index (BlazePose numbering)
KNEE_LANDMARKS = (25, 26)
KNEE_MARGIN = 0.125  # of the lower region's height (hips to ankles): a box ending this close to the knees is
# neither clearly above nor below them
RULES_VERSION = "person2"  # recorded with each result they changed; "person" was the rules before rule 2's frame cut
FRAME_EDGE = 0.02  # of the photo's height: a box ending this close to the bottom edge runs out of the photo
CARRIED = {"bag"}
MASK_LEVEL = 0.5

ClassScores = Callable[[Sequence[Box]], list[dict[str, float]]]


def _area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _intersection(a: Box, b: Box) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def _iou(a: Box, b: Box) -> float:
    inter = _intersection(a, b)
    return inter / max(_area(a) + _area(b) - inter, 1e-9)


def _clip(box: Box, extent: Box) -> Box | None:
    clipped = (max(box[0], extent[0]), max(box[1], extent[1]), min(box[2], extent[2]), min(box[3], extent[3]))
    return clipped if clipped[2] - clipped[0] >= 1 and clipped[3] - clipped[1] >= 1 else None


def mask_extent(mask: np.ndarray) -> Box | None:
    """The bounding box (x0, y0, x1, y1, exclusive ends) of the mask's pixels at or above 0.5."""
    ys, xs = np.nonzero(mask >= MASK_LEVEL)
    if len(xs) == 0:
        return None
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


def _relabelled(d: Detection, regions: dict[str, Box]) -> Detection:
    if d.scores is None or _area(d.box) <= 0:
        return d
    best_region, best_inside = None, INSIDE
    for name, region in regions.items():
        worn_there = WORN_THERE[name]
        if name == "upper" and "lower" in regions:
            worn_there = worn_there - {"dress"}  # with the legs in view a dress's box reaches into them
        if d.label in worn_there:
            continue
        inter = _intersection(d.box, region)
        inside, cover = inter / _area(d.box), inter / max(_area(region), 1e-9)
        if inside >= best_inside and cover >= COVER:
            best_region, best_inside = name, inside
    if best_region is None:
        return d
    kinds = REGION_CLASSES[best_region]
    if best_region == "upper" and "lower" in regions:
        kinds = tuple(c for c in kinds if c != "dress")
    label = max(kinds, key=lambda c: d.scores.get(c, 0.0))
    return replace(d, label=label)


def knee_line(person, height: int) -> float | None:
    """The y of the lower knee when both knees are visible and in the photo, else None."""
    knees = person.landmarks[list(KNEE_LANDMARKS)]
    if not ((knees[:, 2] >= FEET_VISIBLE) & (knees[:, 1] < height)).all():
        return None
    return float(knees[:, 1].max())


def runs_off_the_bottom(box: Box, height: int) -> bool:
    """Whether a box ends at the photo's bottom edge (within ``FRAME_EDGE``): the garment runs out of the photo."""
    return box[3] >= height * (1 - FRAME_EDGE)


def _length_checked(d: Detection, knee_y: float | None, regions: dict[str, Box], height: int) -> Detection:
    """With the knees in view, a lower-body garment's length is seen: one ending below the knees is not
    shorts, one ending above them is not pants (skirts can be either). Without them, a garment running out of
    the photo's bottom edge has its length unseen: it is not called shorts."""
    if d.scores is None or d.label not in ("pants", "shorts") or "lower" not in regions:
        return d
    lower = regions["lower"]
    if _intersection(d.box, lower) < INSIDE * _area(d.box):
        return d
    margin = KNEE_MARGIN * (lower[3] - lower[1])
    if knee_y is None:
        if d.label != "shorts" or not runs_off_the_bottom(d.box, height):
            return d
        kinds = ("pants", "skirt")
    elif d.box[3] > knee_y + margin:
        kinds = ("pants", "skirt")
    elif d.box[3] < knee_y - margin:
        kinds = ("shorts", "skirt")
    else:
        return d
    if d.label in kinds:
        return d
    return replace(d, label=max(kinds, key=lambda c: d.scores.get(c, 0.0)))


def _merged(detections: list[Detection]) -> list[Detection]:
    kept: list[Detection] = []
    for d in sorted(detections, key=lambda d: -d.score):
        if not any(k.label == d.label and _iou(k.box, d.box) > NMS_IOU for k in kept):
            kept.append(d)
    return kept


def _covered(region: Box, kinds: set[str], detections: list[Detection]) -> bool:
    return any(
        d.label in kinds
        and d.score >= COVERED_SCORE
        and _intersection(d.box, region) >= 0.5 * min(_area(d.box), _area(region))
        for d in detections
    )


def _proposals(detections: list[Detection], person, class_scores: ClassScores) -> list[Detection]:
    regions = dict(person.regions)
    if "feet" in regions and not (person.landmarks[list(FOOT_LANDMARKS), 2] >= FEET_VISIBLE).any():
        del regions["feet"]
    missing = [name for name, box in regions.items() if not _covered(box, COVERS[name], detections)]
    if not missing:
        return []
    boxes = [regions[name] for name in missing]
    out: list[Detection] = []
    lower_done = False
    for name, box, scores in zip(missing, boxes, class_scores([tuple(map(float, b)) for b in boxes])):
        if name == "lower" and lower_done:
            continue
        kinds = REGION_CLASSES[name]
        label = max(kinds, key=lambda c: scores.get(c, 0.0))
        # against the region's classes; a one-class region (feet) against every class the detector knows
        rivals = kinds if len(kinds) > 1 else tuple(scores)
        share = scores.get(label, 0.0) / max(sum(scores.get(c, 0.0) for c in rivals), 1e-9)
        if name == "upper" and label == "dress" and "lower" in regions:
            lo = regions["lower"]
            box = (min(box[0], lo[0]), min(box[1], lo[1]), max(box[2], lo[2]), max(box[3], lo[3]))
            lower_done = True
        out.append(Detection(tuple(float(v) for v in box), label, COVERED_SCORE * share, scores))
    return out


def person_help(detections: list[Detection], person, class_scores: ClassScores) -> list[Detection]:
    """Improve one photo's detections with its person parse (the module docstring has the rules).

    ``person``: ``ml.person.parse``'s answer for the photo (``mask`` at the photo's size, ``landmarks`` (33, 3),
    ``regions``), or None. ``class_scores``: the detector's class probabilities for given boxes of the same photo
    (``Detector.look(photo).class_scores``). Returns the detections, best first.
    """
    if person is None:
        return list(detections)
    extent = mask_extent(person.mask)
    if extent is None:
        return list(detections)
    regions = {name: tuple(float(v) for v in box) for name, box in person.regions.items()}
    height = person.mask.shape[0]
    knee_y = knee_line(person, height)
    helped = _merged([_length_checked(_relabelled(d, regions), knee_y, regions, height) for d in detections])
    helped += [_length_checked(d, knee_y, regions, height) for d in _proposals(helped, person, class_scores)]
    out = []
    for d in helped:
        if d.label in CARRIED:
            out.append(d)
            continue
        box = _clip(d.box, extent)
        if box is not None:
            out.append(replace(d, box=box))
    return sorted(out, key=lambda d: -d.score)
