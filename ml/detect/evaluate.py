"""Detection: mAP at IoU 0.5 of the garment detector on a COCO-style test set (``make_testset``).

``python -m ml.evaluate detection --data DIR [--weights ml/weights/garment_detector.pt] [--person-help]``
prints ``{"map50", "per_class", "n", ...}``: ``map50`` is the mean over the classes present in the test set of
their AP at IoU 0.5 (all-point interpolation, ``metrics.py``); ``n`` is the number of images.

``--person-help`` also scores the same forward passes after ``person_help`` (the person parse's rules, needs
``ml.person``'s model files): ``"person_help": {"map50", "per_class", "people_found", "changed_photos"}``
next to the plain keys, which stay the detector alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from ml.detect.metrics import mean_average_precision
from ml.detect.person_help import person_help
from ml.detect.predict import DEFAULT_WEIGHTS, Detector

MIN_SCORE = 0.01  # keep low-confidence detections: AP integrates over every threshold
BATCH = 16


def load_coco(root: Path) -> tuple[dict, dict[int, str]]:
    coco = json.loads((Path(root) / "annotations.json").read_text())
    return coco, {c["id"]: c["name"] for c in coco["categories"]}


def evaluate_dir(detector: Detector, root: Path, min_score: float = MIN_SCORE, parse=None) -> dict:
    """``parse``: ``ml.person.parse`` (or the like) to also score the detections after ``person_help``."""
    root = Path(root)
    coco, names = load_coco(root)
    truths = []
    for a in coco["annotations"]:
        x, y, w, h = a["bbox"]
        truths.append((a["image_id"], names[a["category_id"]], (x, y, x + w, y + h)))
    detections, helped_detections = [], []
    people = changed = 0
    images = coco["images"]
    for s in range(0, len(images), BATCH):
        chunk = images[s : s + BATCH]
        photos = [Image.open(root / "images" / im["file_name"]).convert("RGB") for im in chunk]
        if parse is None:
            for im, found in zip(chunk, detector.detect(photos, min_score=min_score)):
                detections += [(im["id"], d.label, d.score, d.box) for d in found]
        else:
            for im, photo in zip(chunk, photos):
                look = detector.look(photo, min_score=min_score)
                person = parse(np.asarray(photo))
                helped = person_help(look.detections, person, look.class_scores)
                people += person is not None
                changed += helped != look.detections  # boxes, labels, scores (not the class scores)
                detections += [(im["id"], d.label, d.score, d.box) for d in look.detections]
                helped_detections += [(im["id"], d.label, d.score, d.box) for d in helped]
        print(f"{s + len(chunk)}/{len(images)}", file=sys.stderr, end="\r")
    boxes: dict[str, int] = {}
    for _, label, _ in truths:
        boxes[label] = boxes.get(label, 0) + 1
    out = {
        **_scores(detections, truths),
        "n": len(images),
        "boxes": boxes,
        "source": coco.get("info", {}).get("source", root.name),
        "model_version": detector.version,
    }
    if parse is not None:
        out["person_help"] = {
            **_scores(helped_detections, truths),
            "people_found": people,
            "changed_photos": changed,
        }
    return out


def _scores(detections: list, truths: list) -> dict:
    result = mean_average_precision(detections, truths, iou_threshold=0.5)
    return {
        "map50": round(result["map"], 4),
        "per_class": {c: round(ap, 4) for c, ap in result["per_class"].items()},
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="a test set written by ml.detect.make_testset")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--person-help", action="store_true", help="also score the detections helped by the person parse"
    )


def run(args: argparse.Namespace) -> dict:
    import torch

    from ml.detect.predict import load_detector

    torch.set_num_threads(args.threads)
    parse = None
    if args.person_help:
        from ml.person import parse
    return evaluate_dir(load_detector(args.weights), args.data, parse=parse)
