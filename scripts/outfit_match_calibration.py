"""Calibrate OUTFIT_MATCH_MAX_DISTANCE: a garment cropped out of a flat-lay vs its own closet photo.

    PYTHONPATH=. .venv/bin/python scripts/outfit_match_calibration.py   (prints JSON)

Each of the 50 demo photos (closet/demo_photos/, CC0) is laid flat with two others (as
scripts/make_outfit_flatlay.py does), its box is jittered by up to ±10% per side (a detector's box is not
exact; seeded), and it is cropped, cut out and embedded by the app's own code (wearlog.services._garment_cut,
closet.inference.classify). Reported: the cosine distance from each crop to its own closet photo, and to
the nearest *other* closet photo of the same group (the suggestions are limited to the detection's group).
"""

import json
import os
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fashionsite.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from closet import inference  # noqa: E402
from ml.taxonomy import CLOTHING_DATASET, GROUP_OF  # noqa: E402
from scripts.make_outfit_flatlay import DEMO, flatlay  # noqa: E402
from wearlog.services import _garment_cut  # noqa: E402

PREFIX_LABEL = {"t-shirt": "T-Shirt", "outwear": "Outwear"}
JITTER = 0.10


def group_of(path: Path) -> str:
    prefix = path.name.rsplit("-", 1)[0]
    return GROUP_OF[CLOTHING_DATASET[PREFIX_LABEL.get(prefix, prefix.capitalize())]]


def main() -> None:
    rng = random.Random(0)
    paths = sorted(DEMO.glob("*.jpg"))
    groups = np.array([group_of(p) for p in paths])
    originals = np.stack([p["embedding"] for p in inference.classify([Image.open(p).convert("RGB") for p in paths])])
    crops = []
    for i, path in enumerate(paths):
        others = rng.sample([p for j, p in enumerate(paths) if j != i], 2)
        order = [path, *others]
        rng.shuffle(order)
        canvas, boxes = flatlay(order)
        x0, y0, x1, y1 = boxes[order.index(path)]
        w, h = x1 - x0, y1 - y0
        box = [v + rng.uniform(-JITTER, JITTER) * s for v, s in zip((x0, y0, x1, y1), (w, h, w, h))]
        crops.append(_garment_cut(canvas, box, label="top", score=1.0, to_stored=1.0).crop)
    embedded = np.stack([p["embedding"] for p in inference.classify(crops)])
    distance = 1 - embedded @ originals.T  # (50, 50): crop i vs closet photo j
    own = np.diag(distance)
    same_group = groups[:, None] == groups[None, :]
    others = np.where(same_group & ~np.eye(len(paths), dtype=bool), distance, np.inf).min(1)
    report = {
        "photos": len(paths),
        "box_jitter": JITTER,
        "own_distance_median": round(float(np.median(own)), 3),
        "own_distance_p90": round(float(np.percentile(own, 90)), 3),
        "own_distance_max": round(float(own.max()), 3),
        "nearest_other_same_group_min": round(float(others.min()), 3),
        "nearest_other_same_group_p10": round(float(np.percentile(others, 10)), 3),
        "nearest_other_same_group_median": round(float(np.median(others)), 3),
        "own_is_nearest_in_group": round(float((own < others).mean()), 3),
    }
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35):
        report[f"at_{threshold}"] = {
            "own_within": round(float((own <= threshold).mean()), 3),
            "other_within": round(float((others <= threshold).mean()), 3),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
