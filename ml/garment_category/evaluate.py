"""Evaluate the garment category classifier on a directory in the clothing-dataset layout.

``python -m ml.garment_category.evaluate --data DIR [--checkpoint PATH] [--split heldout|all] [--tta]``
(also reachable as ``python -m ml.evaluate garment-category ...``). Prints one JSON object on stdout.

Only rows whose label is one of the 10 ``EVAL_LABELS`` count. ``top1`` takes the argmax over those 10
classes' logits; ``top1_all_classes`` the argmax over all classes (any other class counts as wrong).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from PIL import Image

from ml.garment_category.checkpoint import load_checkpoint
from ml.garment_category.config import GarmentCategoryConfig
from ml.garment_category.data import SPLIT_FILE, load_split, read_clothing_csv
from ml.garment_category.model import GarmentClassifier
from ml.garment_category.preprocess import preprocess
from ml.taxonomy import EVAL_LABELS

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "weights" / "garment_category.pt"


def eval_rows(data_dir: str | Path, split: str) -> tuple[list[tuple[str, str]], str]:
    """(image path, fine label) pairs to evaluate, and a description of what was selected."""
    d = Path(data_dir)
    rows = [r for r in read_clothing_csv(d) if r["label"] in EVAL_LABELS]
    if split == "heldout":
        held = set(load_split(SPLIT_FILE)["heldout_images"]) if SPLIT_FILE.exists() else set()
        chosen = [r for r in rows if r["image"] in held]
        if chosen:
            rows, what = chosen, f"heldout senders of {SPLIT_FILE.name}"
        else:
            what = "all rows (no row of this directory is in the training split, so all are unseen)"
            print(f"note: {d} is not the training dataset; evaluating {what}", file=sys.stderr)
    else:
        what = "all rows"
    pairs = [(str(d / "images" / f"{r['image']}.jpg"), EVAL_LABELS[r["label"]]) for r in rows]
    return [p for p in pairs if Path(p[0]).exists()], what


@torch.inference_mode()
def predict_logits(
    model: GarmentClassifier, config: GarmentCategoryConfig, paths: list[str], batch_size: int = 32, tta: bool = False
) -> torch.Tensor:
    device = next(model.parameters()).device
    out = []
    for i in range(0, len(paths), batch_size):
        images = []
        for p in paths[i : i + batch_size]:
            with Image.open(p) as im:
                images.append(im.convert("RGB"))
        x = preprocess(images, config).to(device)  # (B, 3, S, S)
        logits, _ = model(x)  # (B, C)
        if tta:
            logits = (logits + model(x.flip(3))[0]) / 2
        out.append(logits.float().cpu())
        if (i // batch_size) % 10 == 0:
            print(f"eval {i + len(images)}/{len(paths)}", file=sys.stderr)
    return torch.cat(out) if out else torch.zeros(0, len(config.classes))


def metrics(logits: torch.Tensor, labels: list[str], classes: list[str]) -> dict:
    eval_fine = list(EVAL_LABELS.values())
    idx = torch.tensor([classes.index(c) for c in eval_fine])
    pred10 = [eval_fine[i] for i in logits[:, idx].argmax(1).tolist()]
    pred_all = [classes[i] for i in logits.argmax(1).tolist()]
    n = len(labels)
    per_class, f1s = {}, []
    for label, fine in EVAL_LABELS.items():
        tp = sum(p == fine and y == fine for p, y in zip(pred10, labels))
        npred = sum(p == fine for p in pred10)
        ntrue = sum(y == fine for y in labels)
        prec = tp / npred if npred else 0.0
        rec = tp / ntrue if ntrue else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[label] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "n": ntrue}
        if ntrue:
            f1s.append(f1)
    return {
        "top1": round(sum(p == y for p, y in zip(pred10, labels)) / n, 4) if n else None,
        "top1_all_classes": round(sum(p == y for p, y in zip(pred_all, labels)) / n, 4) if n else None,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else None,
        "per_class": per_class,
        "n": n,
    }


def evaluate_dir(
    model: GarmentClassifier,
    config: GarmentCategoryConfig,
    data_dir: str | Path,
    split: str = "heldout",
    tta: bool = False,
) -> dict:
    t0 = time.time()
    pairs, what = eval_rows(data_dir, split)
    logits = predict_logits(model, config, [p for p, _ in pairs], tta=tta)
    out = metrics(logits, [y for _, y in pairs], config.classes)
    out.update({"split": split, "rows": what, "tta_flip": tta, "seconds": round(time.time() - t0, 1)})
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="directory with images.csv and images/<image>.jpg")
    parser.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("--split", choices=["heldout", "all"], default="heldout")
    parser.add_argument("--tta", action="store_true", help="average logits with the horizontally flipped image")
    parser.add_argument("--threads", type=int, default=2)


def run(args: argparse.Namespace) -> dict:
    torch.set_num_threads(args.threads)
    model, config, meta = load_checkpoint(args.checkpoint, "cuda" if torch.cuda.is_available() else "cpu")
    model = model.to(memory_format=torch.channels_last)
    out = evaluate_dir(model, config, args.data, args.split, args.tta)
    out["model_version"] = meta.get("model_version")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ml.garment_category.evaluate", description=__doc__.split("\n")[0])
    add_arguments(parser)
    print(json.dumps(run(parser.parse_args(argv))))


if __name__ == "__main__":
    main()
