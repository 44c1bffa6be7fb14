"""Train the outfit grader on Maryland Polyvore outfits (item names in all-MiniLM-L6-v2 space).

    python -m ml.outfit.train --data ../shared/data/polyvore/maryland --out ml/weights/outfit_grader.pt

Two losses per batch of training outfits, all negatives fresh and seeded each step, drawn from the
training pool only:
  rank: every item of every outfit is blanked in turn and must beat ``--candidates - 1`` random items
        of its slot (softmax cross-entropy; a fill-in-the-blank objective, many negatives per outfit);
  bce:  the outfits as positives against ``--swap-negatives`` same-slot swaps each, plus (for a share of
        outfits) a slot-breaking swap (an item replaced by a second item of a slot the outfit already
        has: two tops and no shoes), which trains the slot-count term.
The epoch with the best mean AUC over three negative draws on the model-selection outfits (a slice of
the training outfits) is kept; the held-out split is scored once at the end and never used for choosing.
Each item's ``extra`` input is its colour families and pattern read from its name (``ml.outfit.features``);
``--no-extra`` leaves it at zeros, as graders before it were trained.

``--pairs`` adds a second stream of outfits, the top/bottom pairs of styled on-model product photos
(``python -m ml.outfit.onmodel extract``): ``--pairs-batch`` of them per step, with both losses, their
negatives drawn from the pairs' own items (photo crops against photo crops, product names against product
names), so that no negative differs from its positive by where its items came from. Their losses count
``--pairs-weight`` times. ``--pairs-select`` scores the grader on a carve of pairs after every epoch (reported in
the history beside the Maryland model-selection scores; the epoch is still chosen on Maryland).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ml.outfit.checkpoint import save_checkpoint
from ml.outfit.config import OutfitConfig
from ml.outfit.data import (
    SPLIT_RULE,
    TEST_FILE,
    ItemTable,
    read_maryland,
    read_polyvore_outfits,
    same_slot_swap,
    slot_breaking_swap,
    split_maryland,
)
from ml.outfit.evaluate import PROTOCOL, evaluate_rows, row_tensors
from ml.outfit.features import EXTRA_DIM, FEATURES, name_extra
from ml.outfit.model import OutfitGrader
from ml.outfit.slots import SLOTS

CACHE = Path(__file__).resolve().parents[1] / "cache"


def name_embeddings(names: list[str]) -> np.ndarray:
    """all-MiniLM-L6-v2 embeddings of ``names``, cached under ml/cache by a hash of the names."""
    from ml.text_encoder import MODEL_VERSION, load_text_encoder

    key = hashlib.sha256(("\n".join(names) + MODEL_VERSION).encode()).hexdigest()[:12]
    path = CACHE / f"outfit-names-{key}.npy"
    if path.exists():
        return np.load(path)
    t0 = time.time()
    emb = load_text_encoder().encode(names, batch_size=128)
    print(f"embedded {len(names)} names in {time.time() - t0:.0f}s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, emb)
    return emb


def build_table(outfits) -> tuple[ItemTable, dict[str, list[int]]]:
    keys: dict[tuple[str, str], int] = {}
    rows = {}
    for o in outfits:
        rows[o.set_id] = [keys.setdefault((it.name, it.slot), len(keys)) for it in o.items]
    names = [k[0] for k in keys]
    extras = np.stack([name_extra(n) for n in names])  # (items, EXTRA_DIM)
    return ItemTable(name_embeddings(names), [k[1] for k in keys], names, extras), rows


def bce_examples(batch, table, pool, rng, args) -> list[tuple[list[int], float]]:
    """The batch's outfits as positives, each with ``--swap-negatives`` same-slot swaps and, for a share,
    a slot-breaking swap, drawn from ``pool``."""
    examples = [(rows, 1.0) for rows in batch]
    for rows in batch:
        for _ in range(args.swap_negatives):
            neg = same_slot_swap(rows, table, pool, rng)
            if neg is not None:
                examples.append((neg, 0.0))
        if rng.random() < args.slot_breaking_share:
            neg = slot_breaking_swap(rows, table, pool, rng)
            if neg is not None:
                examples.append((neg, 0.0))
    return examples


def fitb_loss(model, table, batch, pool, k, rng, config) -> torch.Tensor:
    """Blank every item of every outfit in turn; cross-entropy of the true item against ``k - 1`` random
    same-slot items from the training pool (candidates sharing the true item's name are masked out)."""
    outfits, names_clash = [], []
    for rows in batch:
        for i, true in enumerate(rows):
            p = pool[table.slot(true)]
            others = p[rng.integers(len(p), size=k - 1)]
            group = [true] + [int(c) for c in others]
            names_clash.append([False] + [table.names[c] == table.names[true] or c in rows for c in group[1:]])
            outfits.extend(rows[:i] + [c] + rows[i + 1 :] for c in group)
    logits, _ = model(*row_tensors(table, outfits, config))
    logits = logits.view(-1, k).masked_fill(torch.tensor(names_clash), float("-inf"))  # (Q, k)
    return F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long))


def add_app_outfits(table: ItemTable, path: Path) -> tuple[ItemTable, list[list[int]], list[list[int]]]:
    """Append the app's items to the table; return it with the app's positive and negative outfits as rows."""
    records = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    embeddings, slots, names = [table.embeddings], [SLOTS[i] for i in table.slot_index], list(table.names)
    extras = [table.extras]
    positives, negatives, n = [], [], len(table.names)
    for k, record in enumerate(records):
        rows = []
        for j, item in enumerate(record["items"]):
            embeddings.append(np.asarray(item["text_embedding"], np.float32)[None])
            extras.append(np.asarray(item.get("extra") or np.zeros(EXTRA_DIM), np.float32)[None])
            slots.append(item["slot"])
            names.append(f"app:{k}:{j}")
            rows.append(n)
            n += 1
        (positives if record["label"] else negatives).append(rows)
    return ItemTable(np.concatenate(embeddings), slots, names, np.concatenate(extras)), positives, negatives


def stream_loss(model, table, outfits, size, pool, rng, args, config) -> torch.Tensor:
    """Both losses on ``size`` outfits drawn from a side stream, with negatives from that stream's ``pool``."""
    batch = [outfits[i] for i in rng.integers(len(outfits), size=size)]
    rank = fitb_loss(model, table, batch, pool, args.candidates, rng, config)
    examples = bce_examples(batch, table, pool, rng, args)
    logits, _ = model(*row_tensors(table, [e[0] for e in examples], config))
    bce = F.binary_cross_entropy_with_logits(logits, torch.tensor([e[1] for e in examples]))
    return args.rank_weight * rank + bce


def own_pool(table: ItemTable, outfits: list[list[int]]) -> dict[str, np.ndarray]:
    """Each slot's rows among ``outfits``' own items (every slot present, empty where none)."""
    rows = np.array(sorted({r for o in outfits for r in o}), dtype=np.int64)
    return {s: np.intersect1d(pool, rows) for s, pool in table.pools.items()}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.outfit.train")
    p.add_argument("--data", default="../shared/data/polyvore/maryland")
    p.add_argument("--out", default="ml/weights/outfit_grader.pt")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument(
        "--slot-breaking-share", type=float, default=0.5, help="share of outfits also given a slot-breaking negative"
    )
    p.add_argument("--swap-negatives", type=int, default=2, help="same-slot swapped negatives per outfit per step")
    p.add_argument("--candidates", type=int, default=16, help="same-slot candidates per blanked item (rank loss)")
    p.add_argument("--rank-weight", type=float, default=1.0)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--input-dropout", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-extra", action="store_true", help="leave the items' extra features (colour, pattern) at zeros")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--app-data",
        type=Path,
        help="JSONL from `manage.py export_outfit_data`: outfits people liked or wore (extra positives) and "
        "disliked (extra negatives), items as text-space vectors",
    )
    p.add_argument(
        "--polyvore-outfits",
        type=Path,
        help="also train on Polyvore Outfits rows (e.g. ../shared/data/polyvore/outfits-disjoint) as outfits of "
        "fine-category names: what goes with what, without item content (ml.outfit.data.read_polyvore_outfits)",
    )
    p.add_argument("--polyvore-batch", type=int, default=128, help="category outfits per step, beside each batch")
    p.add_argument("--polyvore-weight", type=float, default=1.0, help="weight of the category outfits' losses")
    p.add_argument("--pairs", type=Path, help="on-model top/bottom pairs (train.jsonl of ml.outfit.onmodel extract)")
    p.add_argument("--pairs-select", type=Path, help="pairs scored after every epoch (select.jsonl of the same)")
    p.add_argument("--pairs-batch", type=int, default=32, help="pairs per step, beside each batch")
    p.add_argument("--pairs-weight", type=float, default=1.0, help="weight of the pairs' losses")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_start = time.time()

    outfits = read_maryland(args.data)
    split = split_maryland(outfits)
    category_outfits, category_stats = [], None
    if args.polyvore_outfits:
        category_outfits, category_stats = read_polyvore_outfits(args.polyvore_outfits)
        print({"polyvore_outfits": category_stats}, file=sys.stderr)
    table, rows_of = build_table(outfits + category_outfits)
    category = [rows_of[o.set_id] for o in category_outfits]
    # negatives for category outfits are drawn by frequency (a row repeats once per occurrence)
    category_pool = {
        s: np.array([r for rows in category for r in rows if table.slot(r) == s], dtype=np.int64) for s in SLOTS
    }
    fit = [rows_of[o.set_id] for o in split["fit"]]
    select = [rows_of[o.set_id] for o in split["select"]]
    heldout = [rows_of[o.set_id] for o in split["heldout"]]
    app_pos, app_neg = [], []
    if args.app_data:
        table, app_pos, app_neg = add_app_outfits(table, args.app_data)
        fit = fit + app_pos
        print({"app_positives": len(app_pos), "app_negatives": len(app_neg)}, file=sys.stderr)
    pairs, pairs_select, pairs_pool = [], [], {}
    if args.pairs:
        table, pairs, _ = add_app_outfits(table, args.pairs)
        pairs_pool = own_pool(table, pairs)
        if args.pairs_select:
            table, pairs_select, _ = add_app_outfits(table, args.pairs_select)
        print({"pairs": len(pairs), "pairs_select": len(pairs_select)}, file=sys.stderr)
    fit_items = sorted({r for rows in fit for r in rows})
    fit_pool = {s: np.intersect1d(pool, fit_items) for s, pool in table.pools.items()}
    print({k: len(v) for k, v in split.items()}, file=sys.stderr)

    config = OutfitConfig(
        extra_dim=EXTRA_DIM,
        extra_features="" if args.no_extra else FEATURES,
        d_model=args.d_model,
        hidden=args.hidden,
        dropout=args.dropout,
        input_dropout=args.input_dropout,
    )
    model = OutfitGrader(config)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps = args.epochs * (len(fit) // args.batch_size + 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=int(steps) + 10, pct_start=0.1)
    rng = np.random.default_rng(args.seed)
    best = (-1.0, None, None)
    history = []
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(fit))
        total = 0.0
        for s in range(0, len(order), args.batch_size):
            batch = [fit[i] for i in order[s : s + args.batch_size]]
            loss = fitb_loss(model, table, batch, fit_pool, args.candidates, rng, config)
            examples = bce_examples(batch, table, fit_pool, rng, args)
            if app_neg:  # people's dislikes, a few per step
                examples += [(app_neg[i], 0.0) for i in rng.choice(len(app_neg), size=min(len(app_neg), 8))]
            logits, _ = model(*row_tensors(table, [e[0] for e in examples], config))
            bce = F.binary_cross_entropy_with_logits(logits, torch.tensor([e[1] for e in examples]))
            loss = args.rank_weight * loss + bce
            if category:
                loss = loss + args.polyvore_weight * stream_loss(
                    model, table, category, args.polyvore_batch, category_pool, rng, args, config
                )
            if pairs:
                loss = loss + args.pairs_weight * stream_loss(
                    model, table, pairs, args.pairs_batch, pairs_pool, rng, args, config
                )
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(batch)
        scores = [evaluate_rows(model, table, select, seed=seed) for seed in (1, 2, 3)]
        sel_auc = float(np.mean([x["auc"] for x in scores]))
        sel_fitb = float(np.mean([x["fitb"] for x in scores]))
        history.append(
            {
                "epoch": epoch + 1,
                "loss": round(total / len(fit), 4),
                "select_auc": round(sel_auc, 4),
                "select_fitb": round(sel_fitb, 4),
            }
        )
        if pairs_select:
            history[-1]["pairs_select_auc"] = round(evaluate_rows(model, table, pairs_select, seed=1)["auc"], 4)
        print(json.dumps(history[-1]), file=sys.stderr)
        if sel_auc > best[0]:
            best = (sel_auc, copy.deepcopy(model.state_dict()), epoch + 1)
    model.load_state_dict(best[1])
    heldout_scores = evaluate_rows(model, table, heldout, seed=0)
    select_scores = evaluate_rows(model, table, select, seed=1)
    if pairs_select:
        select_scores["pairs"] = evaluate_rows(model, table, pairs_select, seed=1)
    test_sha = hashlib.sha256((Path(args.data) / TEST_FILE).read_bytes()).hexdigest()
    meta = {
        "data": {
            "source": f"{args.data} (Maryland Polyvore, Han et al. 2017: item names and slots)",
            "test_file_sha256": test_sha,
            "split_rule": SPLIT_RULE,
            "n_outfits": {k: len(v) for k, v in split.items()},
            "train_set_ids": sorted(o.set_id for o in split["train"]),
            "app_data": {"path": str(args.app_data), "positives": len(app_pos), "negatives": len(app_neg)}
            if args.app_data
            else None,
            "pairs": {
                "path": str(args.pairs),
                "n": len(pairs),
                "select_path": str(args.pairs_select) if args.pairs_select else None,
                "select_n": len(pairs_select),
                "per_step": args.pairs_batch,
                "weight": args.pairs_weight,
                "negatives": "drawn from the pairs' own items (ml.outfit.onmodel)",
            }
            if args.pairs
            else None,
            "polyvore_outfits": {
                "path": str(args.polyvore_outfits),
                "files": "train_pos, valid_pos, test_pos (all of them: the evaluation is on Maryland)",
                "stats": category_stats,
                "per_step": args.polyvore_batch,
                "weight": args.polyvore_weight,
                "items": "fine-category names from categories.csv (coarse name when an item has none)",
                "negatives": "same-slot swaps and candidates drawn by category frequency",
            }
            if args.polyvore_outfits
            else None,
        },
        "command": "python -m ml.outfit.train " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed,
        "negatives": (
            "per step, seeded, from the training pool: rank loss = each item vs --candidates-1 random same-slot "
            "items; bce = --swap-negatives same-slot swaps per outfit + slot-breaking swap for a share"
        ),
        "best_epoch": best[2],
        "scores": {
            "heldout": heldout_scores,
            "select": select_scores,
            "protocol": PROTOCOL + "; split: held-out 40% of the Maryland test file by set-id hash",
        },
        "history": history,
        "train_seconds": round(time.time() - t_start),
    }
    meta = save_checkpoint(args.out, model, config, meta)
    print(
        json.dumps(
            {
                "heldout": heldout_scores,
                "select": select_scores,
                "best_epoch": best[2],
                "model_version": meta["model_version"],
                "seconds": meta["train_seconds"],
            }
        )
    )


if __name__ == "__main__":
    main()
