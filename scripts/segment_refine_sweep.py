"""Choose the learned cut-out's refinement (guided filter and threshold) on the held-back closet photos.

The network's probabilities are computed once per photo; only the step after it varies: the guided filter's
guide (grey, or the three colour channels), radius and eps, and the threshold. Photos are those of
``python -m ml.segment.closet_labels --data-root ../shared/data --heldback-out DIR`` (training pool, never
trained on, never the closet test set).

The rule, written before the sweep ran:
  among the settings whose mean IoU is at least the shipped setting's minus 0.002, take the one with the best
  mean boundary F1 (ties: the shipped setting, then the smaller radius); adopt it only if its boundary F1 beats
  the shipped setting's by at least 0.005. The closet test set is scored once, after the choice, and the
  speed benchmark (``manage.py bench cutout``) must still show the learned cut-out no slower than GrabCut.

    PYTHONPATH=. .venv/bin/python scripts/segment_refine_sweep.py --data /tmp/heldback

What it printed (144 held-back photos; refine_ms is the step after the network, per photo, on 2 threads):

| setting | IoU | boundary F1 | refine ms |
|---|---|---|---|
| shipped: grey guide, radius 3, eps 1e-3, threshold 0.5 | 0.9237 | 0.8289 | 4.0 |
| best: colour guide, radius 8, eps 1e-4, threshold 0.5 | 0.9252 | 0.8371 | 13.6 |
| best grey: radius 8, eps 1e-3, threshold 0.5 | 0.9257 | 0.8323 | 3.6 |

The colour guide passed the boundary rule (+0.008) but adds about 10 ms to a cut-out of about 22 ms whose lead
over GrabCut was then about 1 ms (16 ms and about 9 ms since the frozen trace: still slower than GrabCut with it),
so it fails the speed condition; the best grey setting gains 0.003, under the 0.005
asked. Nothing changed; the closet test set was not scored with either.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from ml.segment.checkpoint import load_checkpoint
from ml.segment.data import clean_mask
from ml.segment.evaluate import DEFAULT_WEIGHTS, load_pairs
from ml.segment.metrics import boundary_f1, iou
from ml.segment.predict import guided_filter, probabilities


def colour_guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter with a colour guide ((H, W, 3) float32 0..1): edges between colours of equal
    brightness are kept too. The per-pixel 3x3 covariance is inverted in closed form."""
    ksize = (2 * radius + 1, 2 * radius + 1)
    mean = cv2.blur(guide, ksize)  # (H, W, 3)
    mean_p = cv2.blur(src, ksize)
    cov_ip = cv2.blur(guide * src[..., None], ksize) - mean * mean_p[..., None]
    r, g, b = (guide[..., i] for i in range(3))
    mr, mg, mb = (mean[..., i] for i in range(3))
    rr = cv2.blur(r * r, ksize) - mr * mr + eps
    rg = cv2.blur(r * g, ksize) - mr * mg
    rb = cv2.blur(r * b, ksize) - mr * mb
    gg = cv2.blur(g * g, ksize) - mg * mg + eps
    gb = cv2.blur(g * b, ksize) - mg * mb
    bb = cv2.blur(b * b, ksize) - mb * mb + eps
    # inverse of [[rr, rg, rb], [rg, gg, gb], [rb, gb, bb]] by cofactors
    i_rr, i_rg, i_rb = gg * bb - gb * gb, gb * rb - rg * bb, rg * gb - gg * rb
    i_gg, i_gb, i_bb = rr * bb - rb * rb, rb * rg - rr * gb, rr * gg - rg * rg
    det = rr * i_rr + rg * i_rg + rb * i_rb
    cr, cg, cb = (cov_ip[..., i] for i in range(3))
    a = np.stack(
        [
            (i_rr * cr + i_rg * cg + i_rb * cb) / det,
            (i_rg * cr + i_gg * cg + i_gb * cb) / det,
            (i_rb * cr + i_gb * cg + i_bb * cb) / det,
        ],
        axis=-1,
    )
    bias = mean_p - (a * mean).sum(axis=-1)
    return (cv2.blur(a, ksize) * guide).sum(axis=-1) + cv2.blur(bias, ksize)


SHIPPED = {"guide": "grey", "radius": 3, "eps": 1e-3, "threshold": 0.5}


def refine(rgb: np.ndarray, prob: np.ndarray, guide: str, radius: int, eps: float, threshold: float) -> np.ndarray:
    if guide == "grey":
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
        prob = guided_filter(grey, prob, radius, eps)
    elif guide == "colour":
        prob = colour_guided_filter(rgb.astype(np.float32) / 255.0, prob, radius, eps)
    mask = clean_mask((prob > threshold).astype(np.uint8), max_hole=0.10)
    if not mask.any():
        mask = (prob >= prob.max() * 0.5).astype(np.uint8) * 255
    return mask > 0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    model, config, _ = load_checkpoint(args.weights)
    model.eval()
    pairs = load_pairs(args.data)
    probs = [probabilities(model, config, rgb).astype(np.float32) for _, rgb, _ in pairs]
    grid = [SHIPPED] + [
        {"guide": g, "radius": r, "eps": e, "threshold": t}
        for g, r, e, t in itertools.product(
            ("grey", "colour", "none"), (2, 3, 4, 6, 8), (1e-4, 1e-3, 1e-2, 1e-1), (0.4, 0.5, 0.6)
        )
        if not (g == "none" and (r, e) != (2, 1e-4))
    ]
    rows = []
    for s in grid:
        t0 = time.perf_counter()
        masks = [refine(rgb, p, **s) for (_, rgb, _), p in zip(pairs, probs)]
        ms = (time.perf_counter() - t0) * 1000 / len(pairs)
        rows.append(
            {
                **s,
                "iou": float(np.mean([iou(m, t) for m, (_, _, t) in zip(masks, pairs)])),
                "boundary_f1": float(np.mean([boundary_f1(m, t) for m, (_, _, t) in zip(masks, pairs)])),
                "refine_ms": round(ms, 2),
            }
        )
    base = rows[0]
    eligible = [r for r in rows[1:] if r["iou"] >= base["iou"] - 0.002]
    best = max(eligible, key=lambda r: (round(r["boundary_f1"], 4), -r["radius"]), default=base)
    adopt = best["boundary_f1"] >= base["boundary_f1"] + 0.005
    top = sorted(rows, key=lambda r: -r["boundary_f1"])[:10]
    print(json.dumps({"n": len(pairs), "shipped": base, "best": best, "adopt": adopt, "top10": top}, indent=1))


if __name__ == "__main__":
    main()
