"""Mask metrics: IoU and boundary F1 (DAVIS-style: boundary pixels matched within a tolerance)."""

from __future__ import annotations

import cv2
import numpy as np

BOUNDARY_TOLERANCE = 0.008  # of the image diagonal, as in the DAVIS benchmark


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union of two boolean-like masks; 1.0 when both are empty."""
    p, t = pred > 0, truth > 0
    union = np.count_nonzero(p | t)
    return 1.0 if union == 0 else np.count_nonzero(p & t) / union


def boundary(mask: np.ndarray) -> np.ndarray:
    """The mask's one-pixel inner boundary (pixels of the mask with a 4-neighbour outside it or at the edge)."""
    m = (mask > 0).astype(np.uint8)
    padded = np.pad(m, 1, constant_values=0)
    eroded = cv2.erode(padded, np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8))[1:-1, 1:-1]
    return (m > 0) & (eroded == 0)


def boundary_f1(pred: np.ndarray, truth: np.ndarray, tolerance: float | int = BOUNDARY_TOLERANCE) -> float:
    """F1 of boundary pixels matched within ``tolerance`` pixels (a float < 1: fraction of the diagonal)."""
    if pred.shape != truth.shape:
        raise ValueError(f"masks differ in size: {pred.shape} vs {truth.shape}")
    if isinstance(tolerance, float) and tolerance < 1:
        tolerance = max(1, round(tolerance * np.hypot(*truth.shape)))
    bp, bt = boundary(pred), boundary(truth)
    np_, nt = np.count_nonzero(bp), np.count_nonzero(bt)
    if np_ == 0 and nt == 0:
        return 1.0
    if np_ == 0 or nt == 0:
        return 0.0
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance + 1, 2 * tolerance + 1))
    near_t = cv2.dilate(bt.astype(np.uint8), kernel) > 0
    near_p = cv2.dilate(bp.astype(np.uint8), kernel) > 0
    precision = np.count_nonzero(bp & near_t) / np_
    recall = np.count_nonzero(bt & near_p) / nt
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
