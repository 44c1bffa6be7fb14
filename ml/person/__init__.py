"""Photos of people: a person mask, 33 body landmarks and the garment regions they imply.

MediaPipe's TFLite models (Apache-2.0, taken out of the mediapipe wheel by ``ml.person.install``) run under
ai-edge-litert, no mediapipe:

1. ``selfie_segmentation`` (256x256, the whole photo squeezed to the square) gives the person mask, resized
   back to the photo's size.
2. ``pose_detection`` (224x224, letterboxed) is BlazePose's SSD: 2,254 anchors decoded into a box and four
   keypoints; the best detection (blended with those overlapping it, as MediaPipe's weighted NMS does) gives
   the region of interest: centred on the mid-hip, side 2.5x the mid-hip to full-body-circle distance,
   rotated so the body is upright.
3. ``pose_landmark_full`` (256x256 crop of that region) gives the 33 landmarks, their visibility and a
   pose-presence score; they are mapped back to the photo's pixels.

``parse`` returns None when there is no person: the mask covers under 1% of the photo, the detector scores no
box at 0.7 or more, or the landmark model's presence score is under 0.5. The selfie model alone is no person
test: it calls many garments laid flat a person (half of the 50 demo closet photos cover over 25% of the frame),
and the landmark model, given such a garment's box, often reports a pose too. The detector's best score was
0.77 to 0.98 on the 12 tryon-samples people and at most 0.63 on the 50 demo closet photos (a jacket laid flat),
hence 0.7 rather than MediaPipe's 0.5; on the 4,445 clothing-dataset photos (garments, no one in them) 25 still
pass, mostly shirts and jackets on hangers and children's jumpsuits laid flat.

``upper``/``lower``/``feet`` boxes are drawn around shoulders, elbows, hips, knees, ankles and feet, with margins
in units of the torso's length (the rules are in ``body_regions``).

The interpreters are loaded once per process (``PersonParser.shared()``), each with ``num_threads`` threads
(1 by default: workers scale by processes on busy cores; ``PERSON_THREADS`` overrides).
"""

from __future__ import annotations

import functools
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ml.person.files import MODELS_DIR, ModelFileError, verified_paths

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1/y1 exclusive

LANDMARKS = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip
L = {name: i for i, name in enumerate(LANDMARKS)}

MIN_MASK_SHARE = 0.01  # a person covers at least 1% of the photo
MIN_PRESENCE = 0.5  # the landmark model's pose-presence score
MIN_VISIBILITY = 0.5  # a landmark counts for a region when at least this visible
DETECTION_THRESHOLD = 0.7  # MediaPipe's default is 0.5; see the module docstring
ROI_SCALE = 1.25  # MediaPipe's pose_detection_to_roi enlargement


@dataclass
class PersonParse:
    mask: np.ndarray  # (H, W) float32 in [0, 1] at the photo's size
    landmarks: np.ndarray  # (33, 3): x, y in the photo's pixels, visibility × presence in [0, 1]
    presence: float  # the landmark model's pose-presence score
    regions: dict[str, Box] = field(default_factory=dict)  # upper / lower / feet, those in view


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(x, -60, 60)))


@functools.cache
def ssd_anchors() -> np.ndarray:
    """(2254, 2) anchor centres in [0, 1] for BlazePose's detector (MediaPipe's SsdAnchorsCalculator with the
    options of pose_detection_cpu.pbtxt: 5 layers, strides 8, 16, 32, 32, 32, one aspect ratio plus the
    interpolated scale, fixed anchor size, offset 0.5)."""
    strides, size, out = [8, 16, 32, 32, 32], 224, []
    layer = 0
    while layer < len(strides):
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            last += 1
        per_cell = 2 * (last - layer)
        cells = math.ceil(size / strides[layer])
        ys, xs = np.mgrid[0:cells, 0:cells]
        centres = np.stack([(xs.ravel() + 0.5) / cells, (ys.ravel() + 0.5) / cells], 1)  # (cells², 2)
        out.append(np.repeat(centres, per_cell, 0))
        layer = last
    return np.concatenate(out).astype(np.float32)


def decode_detections(raw_boxes: np.ndarray, raw_scores: np.ndarray, threshold: float = DETECTION_THRESHOLD):
    """(2254, 12), (2254,) raw detector outputs -> (scores (N,), boxes (N, 4) x0 y0 x1 y1, keypoints (N, 4, 2)),
    all in [0, 1] of the 224x224 input, best first."""
    anchors = ssd_anchors()
    scores = _sigmoid(np.clip(raw_scores, -100, 100))
    keep = np.nonzero(scores >= threshold)[0]
    keep = keep[np.argsort(-scores[keep])]
    r = raw_boxes[keep] / 224.0
    centre = r[:, 0:2] + anchors[keep]
    half = r[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], 1)
    keypoints = r[:, 4:12].reshape(-1, 4, 2) + anchors[keep][:, None, :]
    return scores[keep], boxes, keypoints


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    x1, y1 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def best_detection(scores: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray) -> np.ndarray | None:
    """(4, 2) keypoints of the best person: the top detection's cluster (IoU > 0.3) averaged by score."""
    if len(scores) == 0:
        return None
    cluster = _iou(boxes[0], boxes) > 0.3
    w = scores[cluster][:, None, None]
    return (keypoints[cluster] * w).sum(0) / w.sum()


@dataclass(frozen=True)
class Roi:
    """A rotated square in the photo: centre (x, y), side and rotation in pixels and radians."""

    cx: float
    cy: float
    side: float
    rotation: float

    def photo_from_crop(self, crop: int) -> np.ndarray:
        """2x3 affine matrix taking (u, v) pixels of the crop x crop input to the photo's pixels."""
        s = self.side / crop
        c, n = s * math.cos(self.rotation), s * math.sin(self.rotation)
        half = crop / 2
        return np.array([[c, -n, self.cx - c * half + n * half], [n, c, self.cy - n * half - c * half]], np.float64)


def roi_from_keypoints(hip: np.ndarray, circle: np.ndarray) -> Roi:
    """BlazePose's alignment: centre at the mid-hip, radius to the full-body circle point, body upright."""
    dx, dy = circle - hip
    rotation = math.pi / 2 - math.atan2(-dy, dx)
    rotation = (rotation + math.pi) % (2 * math.pi) - math.pi
    return Roi(float(hip[0]), float(hip[1]), float(2 * math.hypot(dx, dy) * ROI_SCALE), rotation)


def _clip_box(x0: float, y0: float, x1: float, y1: float, w: int, h: int) -> Box | None:
    box = (
        int(max(0, math.floor(x0))),
        int(max(0, math.floor(y0))),
        int(min(w, math.ceil(x1))),
        int(min(h, math.ceil(y1))),
    )
    return box if box[2] > box[0] and box[3] > box[1] else None


def body_regions(landmarks: np.ndarray, width: int, height: int) -> dict[str, Box]:
    """Garment boxes from landmarks ((33, 3): x, y, visibility), clipped to the photo. The landmark model places
    joints outside the frame or hidden too (with a low visibility), so positions are used whatever their
    visibility; a region is left out when too little of it is in the photo. t is the torso length (mid-shoulder
    to mid-hip):

    - upper: shoulders, elbows and hips, widened by 0.25 t, from 0.2 t above the shoulders to 0.25 t below
      the hips (tops reach the neck and hang past the hip joints);
    - lower: hips, knees and ankles widened by 0.2 t, from 0.15 t above the hips to 0.1 t below the lowest
      ankle; kept when at least 0.25 t of it is in the photo;
    - feet: ankles, heels and toes padded by 0.12 t; kept when one of them is visible and in the photo.
    """
    xy, vis = landmarks[:, :2].astype(np.float64), landmarks[:, 2]

    def at(*names: str) -> np.ndarray:
        return xy[[L[n] for n in names]]

    shoulders, hips = at("left_shoulder", "right_shoulder"), at("left_hip", "right_hip")
    t = float(np.linalg.norm(shoulders.mean(0) - hips.mean(0)))
    if t < 2:
        return {}
    regions: dict[str, Box] = {}
    pts = np.concatenate([shoulders, hips, at("left_elbow", "right_elbow")])
    top, hip_y = shoulders[:, 1].min(), hips[:, 1].max()
    box = _clip_box(
        pts[:, 0].min() - 0.25 * t, top - 0.2 * t, pts[:, 0].max() + 0.25 * t, hip_y + 0.25 * t, width, height
    )
    if box:
        regions["upper"] = box
    pts = np.concatenate([hips, at("left_knee", "right_knee", "left_ankle", "right_ankle")])
    box = _clip_box(
        pts[:, 0].min() - 0.2 * t,
        hips[:, 1].min() - 0.15 * t,
        pts[:, 0].max() + 0.2 * t,
        pts[:, 1].max() + 0.1 * t,
        width,
        height,
    )
    if box and box[3] - box[1] >= 0.25 * t:
        regions["lower"] = box
    names = ("left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index")
    pts = at(*names)
    seen = (
        (vis[[L[n] for n in names]] >= MIN_VISIBILITY) & (pts[:, 1] < height) & (pts[:, 0] >= 0) & (pts[:, 0] < width)
    )
    if seen.any():
        box = _clip_box(
            pts[:, 0].min() - 0.12 * t,
            pts[:, 1].min() - 0.12 * t,
            pts[:, 0].max() + 0.12 * t,
            pts[:, 1].max() + 0.12 * t,
            width,
            height,
        )
        if box:
            regions["feet"] = box
    return regions


FACE_LANDMARKS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "mouth_left", "mouth_right")


def face_box(landmarks: np.ndarray, width: int, height: int) -> Box | None:
    """The face, forehead to chin, clipped to the photo; None unless both eyes and the mouth are visible.

    d is the eye-to-mouth height: the box runs from d above the eyes to 0.9 d below the mouth, and spans the
    visible face landmarks (ears, eyes, mouth) widened by 0.5 d each side. Hair, a hood or a hat around the
    face stay outside it."""
    xy, vis = landmarks[:, :2].astype(np.float64), landmarks[:, 2]
    if not all(vis[L[n]] >= MIN_VISIBILITY for n in ("left_eye", "right_eye", "mouth_left", "mouth_right")):
        return None
    eye_y = xy[[L["left_eye"], L["right_eye"]], 1].mean()
    mouth_y = xy[[L["mouth_left"], L["mouth_right"]], 1].mean()
    d = mouth_y - eye_y
    if d < 2:  # upside down or degenerate: no face box rather than a wrong one
        return None
    seen = xy[[L[n] for n in FACE_LANDMARKS if vis[L[n]] >= MIN_VISIBILITY]]
    return _clip_box(
        seen[:, 0].min() - 0.5 * d, eye_y - d, seen[:, 0].max() + 0.5 * d, mouth_y + 0.9 * d, width, height
    )


def _capsule(area: np.ndarray, a: np.ndarray, b: np.ndarray, radius: float) -> None:
    pa, pb, r = tuple(int(round(v)) for v in a), tuple(int(round(v)) for v in b), max(1, int(round(radius)))
    cv2.line(area, pa, pb, 1, 2 * r)
    cv2.circle(area, pa, r, 1, -1)
    cv2.circle(area, pb, r, 1, -1)


def upper_body_area(person: PersonParse) -> np.ndarray:
    """(H, W) bool: where an upper-body garment can be. The torso (the shoulder line widened by 0.12 t each
    side and raised 0.15 t, the hip line widened by 0.1 t and lowered 0.2 t) and both arms (capsules of
    radius 0.17 t shoulder to elbow, 0.13 t elbow to wrist), inside the person mask; t is the torso length.
    Face, hair, legs and the background are outside it."""
    h, w = person.mask.shape
    xy = person.landmarks[:, :2].astype(np.float64)
    ls, rs, lh, rh = (xy[L[n]] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    mid_shoulder, mid_hip = (ls + rs) / 2, (lh + rh) / 2
    t = float(np.linalg.norm(mid_shoulder - mid_hip))
    area = np.zeros((h, w), np.uint8)
    if t < 2:
        return area.astype(bool)
    up = (mid_shoulder - mid_hip) / t
    across = (ls - rs) / max(float(np.linalg.norm(ls - rs)), 1e-6)  # from the right shoulder to the left
    torso = np.array(
        [
            ls + 0.12 * t * across + 0.15 * t * up,
            rs - 0.12 * t * across + 0.15 * t * up,
            rh - 0.1 * t * across - 0.2 * t * up,
            lh + 0.1 * t * across - 0.2 * t * up,
        ]
    )
    cv2.fillPoly(area, [torso.round().astype(np.int32)], 1)
    for side in ("left", "right"):
        shoulder, elbow, wrist = (xy[L[f"{side}_{joint}"]] for joint in ("shoulder", "elbow", "wrist"))
        _capsule(area, shoulder, elbow, 0.17 * t)
        _capsule(area, elbow, wrist, 0.13 * t)
    return (area > 0) & (person.mask > 0.5)


class PersonParser:
    """The three interpreters; one per process through ``shared()``. ``parse`` is serialised by a lock
    (a TFLite interpreter is not safe to call from two threads at once)."""

    def __init__(self, models_dir: Path = MODELS_DIR, num_threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        paths = verified_paths(models_dir)
        threads = num_threads or int(os.environ.get("PERSON_THREADS", "1"))

        def load(name: str):
            it = Interpreter(model_path=str(paths[name]), num_threads=threads)
            it.allocate_tensors()
            return it

        self.selfie = load("selfie_segmentation.tflite")
        self.detector = load("pose_detection.tflite")
        self.landmarker = load("pose_landmark_full.tflite")
        self._lock = threading.Lock()

    @classmethod
    @functools.cache
    def shared(cls) -> PersonParser:
        return cls()

    @staticmethod
    def _run(interpreter, x: np.ndarray) -> list[np.ndarray]:
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x[None].astype(np.float32))
        interpreter.invoke()
        return [interpreter.get_tensor(d["index"])[0] for d in interpreter.get_output_details()]

    def person_mask(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        x = cv2.resize(rgb, (256, 256), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        (mask,) = self._run(self.selfie, x)  # (256, 256, 1), already a probability
        return np.clip(cv2.resize(mask[..., 0], (w, h), interpolation=cv2.INTER_LINEAR), 0, 1).astype(np.float32)

    def detect(self, rgb: np.ndarray) -> Roi | None:
        h, w = rgb.shape[:2]
        side = max(h, w)
        scale = 224 / side
        nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
        pad_y, pad_x = (224 - nh) // 2, (224 - nw) // 2
        canvas = np.zeros((224, 224, 3), np.float32)
        canvas[pad_y : pad_y + nh, pad_x : pad_x + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
        outputs = self._run(self.detector, canvas / 127.5 - 1)
        raw_boxes, raw_scores = sorted(outputs, key=lambda a: -a.shape[-1])  # (2254, 12), (2254, 1)
        keypoints = best_detection(*decode_detections(raw_boxes, raw_scores[:, 0]))
        if keypoints is None:
            return None
        px = (keypoints * 224 - [pad_x, pad_y]) / scale  # (4, 2) in the photo's pixels
        return roi_from_keypoints(px[0], px[1])

    def landmarks(self, rgb: np.ndarray, roi: Roi) -> tuple[np.ndarray, float]:
        """-> ((33, 3) x, y in the photo's pixels and visibility, pose-presence score)."""
        m = roi.photo_from_crop(256)
        crop = cv2.warpAffine(
            rgb, m, (256, 256), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT
        )
        outputs = self._run(self.landmarker, crop.astype(np.float32) / 255.0)
        by_size = {o.size: o for o in outputs}
        raw = by_size[195].reshape(39, 5)[:33]  # x, y, z, visibility, presence in crop pixels / logits
        presence = float(by_size[1].ravel()[0])
        uv1 = np.concatenate([raw[:, :2], np.ones((33, 1), np.float32)], 1)
        xy = uv1 @ m.T  # (33, 2)
        visibility = _sigmoid(raw[:, 3]) * _sigmoid(raw[:, 4])
        return np.concatenate([xy, visibility[:, None]], 1).astype(np.float32), presence

    def parse(self, rgb: np.ndarray) -> PersonParse | None:
        rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
        h, w = rgb.shape[:2]
        with self._lock:
            mask = self.person_mask(rgb)
            if (mask > 0.5).mean() < MIN_MASK_SHARE:
                return None
            roi = self.detect(rgb)
            if roi is None:
                return None
            landmarks, presence = self.landmarks(rgb, roi)
        if presence < MIN_PRESENCE:
            return None
        return PersonParse(mask, landmarks, presence, body_regions(landmarks, w, h))


def parse(rgb: np.ndarray) -> PersonParse | None:
    """(H, W, 3) uint8 RGB photo -> its PersonParse, or None when no person is in it."""
    return PersonParser.shared().parse(rgb)


def garment_regions(rgb: np.ndarray) -> dict[str, Box] | None:
    """upper / lower / feet boxes (x0, y0, x1, y1) of the person in the photo, or None with no person."""
    p = parse(rgb)
    return p.regions if p is not None else None


__all__ = [
    "FACE_LANDMARKS",
    "LANDMARKS",
    "MODELS_DIR",
    "ModelFileError",
    "PersonParse",
    "PersonParser",
    "body_regions",
    "face_box",
    "garment_regions",
    "parse",
    "upper_body_area",
]
