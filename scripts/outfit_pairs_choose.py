"""Choose among outfit graders trained with and without on-model pairs, by a rule fixed before the runs.

    python scripts/outfit_pairs_choose.py --pairs-select var/onmodel/select.jsonl \
        ml/weights/outfit_grader.pt /tmp/pairs-w0.25.pt /tmp/pairs-w1.pt

The first checkpoint is the baseline (the grader the app ships). For each checkpoint it reads the Maryland
model-selection AUC at the kept epoch (mean of three negative draws, from the checkpoint's history) and scores
the on-model pairs of the validation carve (``ml.outfit.onmodel.evaluate``, any-pair negatives, seed 0).

Rule: among the other checkpoints whose Maryland model-selection AUC is at least the baseline's minus
``--tolerance`` (0.005), the one with the highest pairs AUC wins, if it beats the baseline's pairs AUC;
otherwise the baseline stays. Held-out pairs and held-out Maryland outfits are not read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import torch

    from ml.outfit.onmodel import evaluate

    p = argparse.ArgumentParser()
    p.add_argument("--pairs-select", type=Path, required=True)
    p.add_argument("--tolerance", type=float, default=0.005)
    p.add_argument("checkpoints", nargs="+")
    args = p.parse_args()
    rows = []
    for path in args.checkpoints:
        meta = torch.load(path, map_location="cpu", weights_only=False)["meta"]
        kept = next(h for h in meta["history"] if h["epoch"] == meta["best_epoch"])
        pairs = (meta["data"].get("pairs") or {}) if isinstance(meta.get("data"), dict) else {}
        rows.append(
            {
                "checkpoint": path,
                "pairs_weight": pairs.get("weight", 0.0),
                "maryland_select_auc": kept["select_auc"],
                "pairs_select": evaluate(args.pairs_select, path, seed=0),
            }
        )
    base = rows[0]
    floor = base["maryland_select_auc"] - args.tolerance
    eligible = [r for r in rows[1:] if r["maryland_select_auc"] >= floor]
    best = max(eligible, key=lambda r: r["pairs_select"]["auc"], default=None)
    chosen = best if best and best["pairs_select"]["auc"] > base["pairs_select"]["auc"] else base
    print(json.dumps({"runs": rows, "maryland_floor": round(floor, 4), "chosen": chosen["checkpoint"]}, indent=1))


if __name__ == "__main__":
    main()
