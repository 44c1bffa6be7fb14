"""Average precision at an IoU threshold, PASCAL VOC 2010+ / COCO style (all-point interpolation).

Per class: detections from all images are ranked by score; each is a true positive when it overlaps a
not-yet-matched ground-truth box of its class in its image by IoU >= the threshold (the best-overlapping
one), else a false positive (a second detection of a matched box is a false positive). AP is the area under
the precision-recall curve after precision is made monotone (each point takes the best precision at any
higher recall). mAP averages over the classes that have ground truth; a class with ground truth and no
detections scores 0, detections of a class with no ground truth are ignored.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def iou_one_to_many(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one xyxy box with (M, 4) xyxy boxes."""
    iw = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    ih = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = iw * ih
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def average_precision(scores: list[float], is_tp: list[bool], n_truth: int) -> float:
    """All-point interpolated AP of detections (score, true positive?) against ``n_truth`` boxes."""
    if n_truth == 0:
        raise ValueError("AP is undefined without ground truth")
    if not scores:
        return 0.0
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    tp = np.asarray(is_tp, np.float64)[order]
    tp_cum, fp_cum = np.cumsum(tp), np.cumsum(1 - tp)
    recall = tp_cum / n_truth
    precision = tp_cum / (tp_cum + fp_cum)
    r = np.concatenate([[0.0], recall, [recall[-1]]])
    p = np.concatenate([[1.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    p[0] = p[1]  # the envelope at recall 0 is the best precision anywhere
    steps = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def mean_average_precision(
    detections: list[tuple[str, str, float, tuple[float, float, float, float]]],
    truths: list[tuple[str, str, tuple[float, float, float, float]]],
    iou_threshold: float = 0.5,
) -> dict:
    """``{"map": float, "per_class": {class: AP}}`` of detections ``(image, class, score, xyxy)`` against
    ground truth ``(image, class, xyxy)``."""
    gt: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for image, cls, box in truths:
        gt[cls][image].append(box)
    per_class = {}
    for cls, by_image in sorted(gt.items()):
        boxes = {im: np.asarray(b, np.float64).reshape(-1, 4) for im, b in by_image.items()}
        used = {im: np.zeros(len(b), bool) for im, b in boxes.items()}
        dets = sorted((d for d in detections if d[1] == cls), key=lambda d: -d[2])
        scores, hits = [], []
        for image, _, score, box in dets:
            hit = False
            if image in boxes:
                ious = iou_one_to_many(np.asarray(box, np.float64), boxes[image])
                j = int(np.argmax(ious))
                if ious[j] >= iou_threshold and not used[image][j]:
                    used[image][j] = hit = True
            scores.append(score)
            hits.append(hit)
        per_class[cls] = average_precision(scores, hits, sum(len(b) for b in boxes.values()))
    return {"map": float(np.mean(list(per_class.values()))) if per_class else 0.0, "per_class": per_class}
