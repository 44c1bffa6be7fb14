"""Try-on previews scored on a VITON-style folder: ``python -m ml.evaluate tryon --data DIR [--out sheet.png]``.

DIR holds ``image/<stem>.jpg`` persons, ``image-parse/<stem>.png`` LIP labels (5 = upper-clothes),
``cloth/<name>.jpg`` garments and ``pairs.txt`` (``person.jpg cloth.jpg`` per line). For each pair the worn
article y_i is the person's own upper-clothes, cut from the photo by the parse map onto white (the same
cut-out as ml.tryon.regions.article_from_region), and y_j is the cloth. Scored at the person photo's size:

- ``alpha_iou``: IoU of α > 0.5 with the upper-clothes region, mean over pairs;
- ``ssim_outside``: SSIM of result vs person (7x7 Gaussian window, sigma 1.5, per RGB channel, averaged)
  over the pixels outside that region, mean over pairs;
- ``color_delta_e``: CIEDE2000 between the mean CIELAB colour of the result inside the upper-clothes
  region and the mean CIELAB colour of the cloth's garment pixels (those not near-white: some channel
  < 230), mean over pairs.

``--no-person-parse`` scores the model as it was before ml.person confined α (see ml.tryon); ``parsed`` counts
the photos where a person was found. ``--worn none`` gives the model no worn article, as the app does, so y_i is
cut from the photo: the parsed upper body, or the ml.tryon.regions rule without the parse.

Baselines beside the model: ``identity`` (α = 0: the photo unchanged) and ``heuristic_flat_colour`` (α = the
ml.tryon.regions garment rule on the person, x̃ = the cloth's mean colour), so the model's numbers mean something.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ml.colours import ciede2000, rgb_to_lab
from ml.tryon.regions import article_from_region, garment_region

UPPER_CLOTHES = 5
NEAR_WHITE = 230


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default="../shared/data/tryon-samples")
    parser.add_argument("--checkpoint", default="ml/weights/tryon_cagan.pt")
    parser.add_argument("--out", default="", help="contact sheet PNG: person | cloth | α | result per row")
    parser.add_argument("--no-person-parse", action="store_true", help="α as the network gives it (no ml.person)")
    parser.add_argument(
        "--worn",
        choices=["parse-map", "none"],
        default="parse-map",
        help="y_i from the LIP map, or none (the app's case)",
    )


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 pair -> (H, W) SSIM averaged over channels."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    a, b = a.astype(np.float64), b.astype(np.float64)

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (7, 7), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return s.mean(-1)


def cloth_lab(cloth: np.ndarray) -> np.ndarray:
    pixels = cloth[cloth.min(-1) < NEAR_WHITE]
    return rgb_to_lab(pixels if len(pixels) else cloth.reshape(-1, 3)).mean(0)


def score(person: np.ndarray, region: np.ndarray, cloth: np.ndarray, result: np.ndarray, alpha: np.ndarray) -> dict:
    """One pair; ``alpha`` (H, W) in [0, 1], images uint8 at the person's size."""
    a = alpha > 0.5
    union = (a | region).sum()
    outside = ~region
    inside_lab = rgb_to_lab(result[region]).mean(0) if region.any() else rgb_to_lab(result.reshape(-1, 3)).mean(0)
    return {
        "alpha_iou": float((a & region).sum() / union) if union else 1.0,
        "ssim_outside": float(ssim_map(result, person)[outside].mean()) if outside.any() else 1.0,
        "color_delta_e": float(ciede2000(inside_lab, cloth_lab(cloth))),
    }


def evaluate_folder(
    checkpoint: str | os.PathLike,
    data: str | os.PathLike,
    sheet: str | os.PathLike = "",
    person_parse: bool = True,
    worn_from: str = "parse-map",
) -> dict:
    from ml.tryon import TryOn

    tryon = TryOn(checkpoint, person_parse=person_parse)
    parsed = 0
    d = Path(data)
    pairs = [line.split() for line in (d / "pairs.txt").read_text().splitlines() if line.strip()]
    rows, per = [], {"model": [], "identity": [], "heuristic_flat_colour": []}
    for person_name, cloth_name in pairs:
        with Image.open(d / "image" / person_name) as im:
            person_im = im.convert("RGB")
        with Image.open(d / "image-parse" / f"{Path(person_name).stem}.png") as im:
            parse = np.asarray(im.resize(person_im.size, Image.NEAREST))
        with Image.open(d / "cloth" / cloth_name) as im:
            cloth_im = im.convert("RGB")
        person, cloth = np.asarray(person_im), np.asarray(cloth_im)
        region = parse == UPPER_CLOTHES
        worn = (
            Image.fromarray(article_from_region(person, region, person.shape[:2])) if worn_from == "parse-map" else None
        )
        parsed += tryon.upper_body(person) is not None
        result_im, alpha_im = tryon.preview(person_im, worn, cloth_im)
        result, alpha = np.asarray(result_im), np.asarray(alpha_im) / 255.0
        per["model"].append(score(person, region, cloth, result, alpha))
        per["identity"].append(score(person, region, cloth, person, np.zeros(region.shape)))
        rule = garment_region(person).astype(np.float64)
        flat = np.full_like(person, np.asarray(cloth[cloth.min(-1) < NEAR_WHITE].mean(0), np.uint8))
        mixed = (rule[..., None] * flat + (1 - rule[..., None]) * person).round().astype(np.uint8)
        per["heuristic_flat_colour"].append(score(person, region, cloth, mixed, rule))
        rows.append(
            np.concatenate(
                [
                    person,
                    np.asarray(cloth_im.resize(person_im.size)),
                    np.repeat(np.asarray(alpha_im)[..., None], 3, -1),
                    result,
                ],
                1,
            )
        )
    if sheet:
        Path(sheet).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.concatenate(rows, 0)).save(sheet)

    def mean(scores: list[dict]) -> dict:
        return {k: round(float(np.mean([s[k] for s in scores])), 4) for k in scores[0]}

    return {
        **mean(per["model"]),
        "n": len(pairs),
        "baselines": {k: mean(v) for k, v in per.items() if k != "model"},
        "worn_article": "the person's upper-clothes (parse label 5) cut onto white"
        if worn_from == "parse-map"
        else "none given: cut from the photo as in the app (parsed upper body, else the ml.tryon.regions rule)",
        "person_parse": person_parse,
        "parsed": parsed,
        "model_version": tryon.meta.get("model_version", ""),
        "resolution": [tryon.config.height, tryon.config.width],
    }


def run(args: argparse.Namespace) -> dict:
    return evaluate_folder(args.checkpoint, args.data, args.out, not args.no_person_parse, args.worn)
