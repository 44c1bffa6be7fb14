"""Outfit grader evaluation: compatibility AUC and fill-in-the-blank accuracy on Maryland Polyvore outfits.

``python -m ml.evaluate outfit --data DIR [--checkpoint ml/weights/outfit_grader.pt]`` where DIR is
either ../shared/data/polyvore/maryland (its held-out split; outfits the checkpoint trained on are left
out) or the original Maryland layout (``label/test_no_dup.json``, photos at ``images/<set_id>/<index>.jpg``):
items with a photo are graded from it (garment-category embedding -> ml.bridge), the others from names.
Every item's ``extra`` features (colour, pattern) come from its name (``ml.outfit.features.name_extra``).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import torch

from ml.outfit.checkpoint import load_checkpoint
from ml.outfit.config import OutfitConfig
from ml.outfit.data import (
    ItemTable,
    Outfit,
    fitb_question,
    read_maryland,
    read_maryland_labels,
    same_slot_swap,
    split_maryland,
)
from ml.outfit.features import name_extra, reads_extra
from ml.outfit.model import OutfitGrader

PROTOCOL = (
    "AUC: every outfit vs one negative that swaps one random item for a random item of the same slot "
    "(7 slots: top/bottom/one-piece/outerwear/shoes/bag/accessory) drawn from the evaluated outfits' items; "
    "FITB: one random item blanked, 4 candidates of its slot incl. the true one (distinct names); numpy "
    "generator seeded with --seed; items as text (names via all-MiniLM-L6-v2, or photos via the bridge); "
    "auc_all_swapped: every outfit vs one negative whose items are ALL replaced by random items of their slots "
    "(the style of Polyvore Outfits' compatibility negatives, at slot rather than fine-category level), drawn "
    "by a second generator seeded with [--seed, 1]"
)


def auc_score(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    scores = np.concatenate([pos, neg])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def row_tensors(table: ItemTable, outfits: list[list[int]], config: OutfitConfig) -> tuple[torch.Tensor, ...]:
    b, n = len(outfits), max(len(o) for o in outfits)
    idx = np.zeros((b, n), np.int64)
    mask = np.zeros((b, n), bool)
    for i, rows in enumerate(outfits):
        idx[i, : len(rows)] = rows
        mask[i, : len(rows)] = True
    text = torch.from_numpy(table.embeddings[idx])  # (B, N, T)
    slot = torch.nn.functional.one_hot(torch.from_numpy(table.slot_index[idx]), len(config.slots)).float()
    if reads_extra(config):
        extra = torch.from_numpy(table.extras[idx])  # (B, N, E)
    else:
        extra = torch.zeros(b, n, config.extra_dim)
    return text, slot, extra, torch.from_numpy(mask)


def score_rows(model: OutfitGrader, table: ItemTable, outfits: list[list[int]], batch_size: int = 1024) -> np.ndarray:
    out = []
    with torch.inference_mode():
        for s in range(0, len(outfits), batch_size):
            logits, _ = model(*row_tensors(table, outfits[s : s + batch_size], model.config))
            out.append(logits.numpy())
    return np.concatenate(out) if out else np.zeros(0)


def all_swapped(
    rows: list[int], table: ItemTable, pool: dict[str, np.ndarray], rng: np.random.Generator
) -> list[int] | None:
    """Every item replaced by a random item of its slot (another name, not already used); None when a slot's
    pool has no such item."""
    out, names = [], {table.names[r] for r in rows}
    for r in rows:
        candidates = pool[table.slot(r)]
        for _ in range(20):
            c = int(candidates[rng.integers(len(candidates))])
            if table.names[c] not in names and c not in out:
                out.append(c)
                names.add(table.names[c])
                break
        else:
            return None
    return out


def evaluate_rows(model: OutfitGrader, table: ItemTable, outfits: list[list[int]], seed: int) -> dict:
    """AUC against same-slot swaps and 4-way FITB, negatives drawn from these outfits' own items."""
    model.eval()
    rng = np.random.default_rng(seed)
    in_play = sorted({r for rows in outfits for r in rows})
    pool = {s: np.intersect1d(p, in_play) for s, p in table.pools.items()}
    negatives = [same_slot_swap(rows, table, pool, rng) for rows in outfits]
    pos = score_rows(model, table, outfits)
    neg = score_rows(model, table, [n for n in negatives if n is not None])
    questions = [q for q in (fitb_question(rows, table, pool, rng) for rows in outfits) if q is not None]
    filled = [rest + [c] for rest, cands, _ in questions for c in cands]
    if questions:
        fitb_scores = score_rows(model, table, filled).reshape(len(questions), -1)
        fitb = float(np.mean(fitb_scores.argmax(1) == np.array([a for _, _, a in questions])))
    else:
        fitb = float("nan")
    rng_all = np.random.default_rng([seed, 1])  # a second stream, so "auc" and "fitb" draw as before
    every = [n for n in (all_swapped(rows, table, pool, rng_all) for rows in outfits) if n is not None]
    return {
        "auc": auc_score(pos, neg),
        "auc_all_swapped": auc_score(pos, score_rows(model, table, every)),
        "fitb": fitb,
        "n": len(outfits),
        "n_negatives": len(neg),
        "n_fitb": len(questions),
    }


def embed_items(outfits: list[Outfit], bridge_path: str, garment_path: str) -> tuple[ItemTable, list[list[int]], dict]:
    """Item table for these outfits: photos through the bridge where present, names otherwise."""
    from ml.text_encoder import load_text_encoder

    keys, first = {}, []
    rows = []
    for o in outfits:
        r = []
        for it in o.items:
            key = ("photo", it.image) if it.image else ("name", it.name, it.slot)
            if key not in keys:
                keys[key] = len(first)
                first.append(it)
            r.append(keys[key])
        rows.append(r)
    emb = np.zeros((len(first), 384), np.float32)
    by_name = [i for i, it in enumerate(first) if not it.image]
    by_photo = [i for i, it in enumerate(first) if it.image]
    if by_name:
        emb[by_name] = load_text_encoder().encode([first[i].name for i in by_name])
    if by_photo:
        from ml.bridge import load_photo_embedder

        emb[by_photo] = load_photo_embedder(bridge_path, garment_path).embed_paths([first[i].image for i in by_photo])
    table = ItemTable(
        emb,
        [it.slot for it in first],
        [it.name if not it.image else f"{it.name}|{it.image}" for it in first],
        np.stack([name_extra(it.name) for it in first]),
    )
    return table, rows, {"photo": len(by_photo), "name": len(by_name)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", default="../shared/data/polyvore/maryland", help="Maryland folder or original label layout"
    )
    parser.add_argument("--checkpoint", default="ml/weights/outfit_grader.pt")
    parser.add_argument("--bridge", default="ml/weights/image_to_text.pt", help="used only for items with photos")
    parser.add_argument("--garment-checkpoint", default="ml/weights/garment_category.pt", help="used only for photos")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)


def load_eval_outfits(data_dir: Path, meta: dict) -> tuple[list[Outfit], str, int]:
    """Outfits to evaluate, the layout name, and how many were left out because the grader trained on them."""
    if (data_dir / "label" / "test_no_dup.json").exists():
        outfits, layout = read_maryland_labels(data_dir, "test"), "maryland-labels"
    elif (data_dir / "test_no_dup_with_category_3more_name.json").exists():
        test_file = data_dir / "test_no_dup_with_category_3more_name.json"
        outfits, layout = read_maryland(data_dir), "maryland"
        if hashlib.sha256(test_file.read_bytes()).hexdigest() == meta.get("data", {}).get("test_file_sha256"):
            outfits, layout = split_maryland(outfits)["heldout"], "maryland-heldout"
        else:
            outfits = [o for o in outfits if o.source == "test"]
    else:
        raise SystemExit(f"{data_dir}: neither label/test_no_dup.json nor test_no_dup_with_category_3more_name.json")
    seen = set(meta.get("data", {}).get("train_set_ids", []))
    kept = [o for o in outfits if o.set_id not in seen]
    return [o for o in kept if len(o.items) >= 2], layout, len(outfits) - len(kept)


def run(args: argparse.Namespace) -> dict:
    torch.set_num_threads(args.threads)
    model, config, meta = load_checkpoint(args.checkpoint)
    outfits, layout, excluded = load_eval_outfits(Path(args.data), meta)
    print(f"{layout}: {len(outfits)} outfits ({excluded} left out: trained on)", file=sys.stderr)
    table, rows, inputs = embed_items(outfits, args.bridge, args.garment_checkpoint)
    result = evaluate_rows(model, table, rows, args.seed)
    split = (
        "held-out 40% of the Maryland test file by set-id hash"
        if layout == "maryland-heldout"
        else f"{layout}, outfits the grader trained on left out"
    )
    return {
        **result,
        "protocol": f"{PROTOCOL}; split: {split}",
        "layout": layout,
        "n_left_out_trained_on": excluded,
        "inputs": inputs,
        "seed": args.seed,
        "model_version": meta.get("model_version"),
    }
