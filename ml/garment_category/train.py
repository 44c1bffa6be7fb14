"""Fine-tune EfficientNet-Lite0 into the garment category classifier and write the shipped checkpoint.

``python -m ml.garment_category.train [--data-root ../shared/data] [--out ml/weights/garment_category.pt]
[--epochs 6] [--seed 0]``

Data: clothing-dataset rows mapped through ``CLOTHING_DATASET`` ("Other" dropped), split by sender
(``data.py``; the held-out senders are written to ``splits.json``), plus fashion-product-images rows mapped
through ``PRODUCT_ARTICLE_TYPES`` (at most ``--product-cap`` per class; ``--products-per-epoch`` of them
drawn afresh each epoch). Photos are squashed to 224 once (kept in ``ml/cache/``); each step takes a random
resized crop at ``--train-size``, flips and colour-jitters it. Blocks 0-4 stay at the ImageNet weights,
the rest is fine-tuned (AdamW, cosine, label smoothing). Finally the held-out split is evaluated from the
saved (float16) checkpoint and the scores go into its meta. Progress goes to stderr, metrics JSON to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ml.garment_category.checkpoint import load_checkpoint, save_checkpoint
from ml.garment_category.config import GarmentCategoryConfig
from ml.garment_category.data import CLOTHING, PRODUCTS, Row, clothing_rows, product_rows, write_split
from ml.garment_category.evaluate import evaluate_dir, metrics
from ml.garment_category.model import GarmentClassifier
from ml.garment_category.preprocess import resize_rgb, scale
from ml.taxonomy import EVAL_LABELS

REPO = Path(__file__).resolve().parents[2]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_images(rows: list[Row], size: int, cache_dir: Path, name: str) -> torch.Tensor:
    """uint8 (N, 3, size, size) of the rows' photos, squashed exactly as ``preprocess`` does; cached on disk."""
    key = hashlib.sha256("\n".join(r.path for r in rows).encode()).hexdigest()[:12]
    path = cache_dir / f"{name}-{size}-{key}.pt"
    if path.exists():
        return torch.load(path, weights_only=True)
    t0 = time.time()
    arr = np.empty((len(rows), size, size, 3), dtype=np.uint8)
    for i, r in enumerate(rows):
        with Image.open(r.path) as im:
            arr[i] = resize_rgb(im, size)
        if i % 1000 == 0:
            log(f"decoding {name} {i}/{len(rows)}")
    x = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()  # (N, 3, S, S)
    cache_dir.mkdir(parents=True, exist_ok=True)
    torch.save(x, path)
    log(f"decoded {len(rows)} {name} photos in {time.time() - t0:.0f}s")
    return x


def augment(x: torch.Tensor, out_size: int, g: torch.Generator) -> torch.Tensor:
    """uint8 (B, 3, S, S) -> float 0..255 (B, 3, out, out): random resized crop, flip, colour jitter."""
    b, _, s, _ = x.shape
    crops = []
    for i in range(b):
        area = s * s * (0.4 + 0.6 * torch.rand(1, generator=g).item())
        ratio = math.exp((torch.rand(1, generator=g).item() - 0.5) * 2 * math.log(4 / 3))
        w = min(s, int(round(math.sqrt(area * ratio))))
        h = min(s, int(round(math.sqrt(area / ratio))))
        top = int(torch.randint(0, s - h + 1, (1,), generator=g))
        left = int(torch.randint(0, s - w + 1, (1,), generator=g))
        crop = x[i : i + 1, :, top : top + h, left : left + w].float()  # (1, 3, h, w)
        crops.append(
            F.interpolate(crop, size=(out_size, out_size), mode="bilinear", antialias=True, align_corners=False)
        )
    y = torch.cat(crops)  # (B, 3, out, out)
    flip = torch.rand(b, generator=g) < 0.5
    y[flip] = y[flip].flip(3)
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(b, 1, 1, 1, generator=g)  # noqa: E731
    y = y * u(0.7, 1.3)  # brightness
    mean = y.mean((1, 2, 3), keepdim=True)
    y = (y - mean) * u(0.7, 1.3) + mean  # contrast
    grey = 0.299 * y[:, 0:1] + 0.587 * y[:, 1:2] + 0.114 * y[:, 2:3]  # (B, 1, out, out)
    y = (y - grey) * u(0.6, 1.4) + grey  # saturation
    return y.clamp(0, 255)


@torch.inference_mode()
def quick_eval(
    model: GarmentClassifier, config: GarmentCategoryConfig, x: torch.Tensor, labels: list[str], device: torch.device
) -> dict:
    model.eval()
    out = []
    for i in range(0, len(x), 64):
        xb = scale(x[i : i + 64], config).to(device).contiguous(memory_format=torch.channels_last)
        out.append(model(xb)[0].float().cpu())
    m = metrics(torch.cat(out), labels, config.classes)
    return {k: m[k] for k in ("top1", "top1_all_classes", "macro_f1", "n")}


def adamw_warmup_cosine(params: list[torch.nn.Parameter], lr: float, weight_decay: float, total: int):
    """(AdamW, LambdaLR) for fine-tuning: no decay on biases and norms, linear warm-up over min(100, total / 10)
    steps, then cosine to zero at ``total`` steps (the scheduler steps once per batch)."""
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
    )
    warmup = min(100, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: (
            (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup)))
        ),
    )
    return opt, sched


def git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.garment_category.train", description=__doc__.split("\n")[0])
    p.add_argument("--data-root", default="../shared/data")
    p.add_argument("--out", default="ml/weights/garment_category.pt")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--train-size", type=int, default=192, help="crop size in training (evaluation is at 224)")
    p.add_argument("--product-cap", type=int, default=250, help="at most this many product photos per class")
    p.add_argument("--products-per-epoch", type=int, default=1600)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cache-dir", default="ml/cache")
    p.add_argument("--eval-each-epoch", action="store_true", help="held-out accuracy after every epoch (~30 s each)")
    args = p.parse_args(argv)
    command = "python -m ml.garment_category.train" + (
        " " + shlex.join(sys.argv[1:]) if argv is None and sys.argv[1:] else ""
    )

    t_start = time.time()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    root = Path(args.data_root)
    config = GarmentCategoryConfig()
    cls_index = {c: i for i, c in enumerate(config.classes)}

    # data
    rows = clothing_rows(root / CLOTHING)
    split = write_split(rows, args.seed)
    held = set(split["heldout_senders"])
    train_rows = [r for r in rows if r.sender_id not in held]
    val_rows = [r for r in rows if r.sender_id in held and r.source_label in EVAL_LABELS]
    prod_rows = product_rows(root / PRODUCTS, args.product_cap, args.seed)
    log(
        f"clothing train {len(train_rows)}, held-out senders {len(held)} ({split['n_heldout']} rows, {len(val_rows)} in the 10 eval labels), product pool {len(prod_rows)}"
    )
    cache = Path(args.cache_dir)
    x_train = load_images(train_rows, config.image_size, cache, "clothing-train")
    x_prod = load_images(prod_rows, config.image_size, cache, "products")
    x_val = load_images(val_rows, config.image_size, cache, "clothing-heldout")
    y_train = torch.tensor([cls_index[r.label] for r in train_rows])
    y_prod = torch.tensor([cls_index[r.label] for r in prod_rows])
    val_labels = [r.label for r in val_rows]

    # model
    model = GarmentClassifier(config).to(device).to(memory_format=torch.channels_last)
    model.freeze_early()
    params = [p for p in model.parameters() if p.requires_grad]
    n_prod = min(args.products_per_epoch, len(prod_rows))
    steps_per_epoch = math.ceil((len(train_rows) + n_prod) / args.batch_size)
    total = steps_per_epoch * args.epochs
    opt, sched = adamw_warmup_cosine(params, args.lr, args.weight_decay, total)
    log(f"device {device}, {sum(p.numel() for p in params) / 1e6:.2f}M trainable params, {steps_per_epoch} steps/epoch")

    history = []
    step = 0
    for epoch in range(args.epochs):
        model.train()
        prod_idx = torch.randperm(len(prod_rows), generator=g)[:n_prod]
        src = torch.cat([torch.zeros(len(train_rows), dtype=torch.long), torch.ones(n_prod, dtype=torch.long)])
        idx = torch.cat([torch.arange(len(train_rows)), prod_idx])
        order = torch.randperm(len(idx), generator=g)
        t0, loss_sum, correct, seen = time.time(), 0.0, 0, 0
        for b in range(0, len(order), args.batch_size):
            o = order[b : b + args.batch_size]
            s, i = src[o], idx[o]
            xb = torch.empty(len(o), 3, config.image_size, config.image_size, dtype=torch.uint8)
            xb[s == 0], xb[s == 1] = x_train[i[s == 0]], x_prod[i[s == 1]]
            yb = torch.where(s == 0, y_train[i.clamp(max=len(train_rows) - 1)], y_prod[i.clamp(max=len(prod_rows) - 1)])
            xb = scale(augment(xb, args.train_size, g), config).to(device).contiguous(memory_format=torch.channels_last)
            yb = yb.to(device)
            with torch.no_grad():
                h = model.early(xb)  # frozen blocks
            logits, _ = model.late(h)  # (B, C)
            loss = F.cross_entropy(logits, yb, label_smoothing=args.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            loss_sum += loss.item() * len(o)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(o)
            if step % 20 == 0:
                log(
                    f"epoch {epoch + 1}/{args.epochs} step {step}/{total} loss {loss_sum / seen:.3f} acc {correct / seen:.3f} "
                    f"lr {sched.get_last_lr()[0]:.2e} {seen / (time.time() - t0):.1f} img/s"
                )
        entry = {
            "epoch": epoch + 1,
            "train_loss": round(loss_sum / seen, 4),
            "train_acc": round(correct / seen, 4),
            "seconds": round(time.time() - t0, 1),
        }
        if args.eval_each_epoch or epoch == args.epochs - 1:
            entry["heldout"] = quick_eval(model, config, x_val, val_labels, device)
        history.append(entry)
        log(json.dumps(entry))

    # write, reload (float16 weights as shipped), evaluate the held-out split from the files, write again with scores
    train_seconds = round(time.time() - t_start, 1)
    meta = {
        "task": "garment-category",
        "data": {
            "clothing_dataset": f"{root / CLOTHING}/images.csv, labels mapped by ml.taxonomy.CLOTHING_DATASET (Other dropped, kids kept)",
            "split": {
                "rule": split["rule"],
                "file": "ml/garment_category/splits.json",
                "heldout_senders": len(held),
                "train_rows": len(train_rows),
                "heldout_rows": split["n_heldout"],
            },
            "products": f"{root / PRODUCTS}/styles.csv rows with an image, mapped by ml.taxonomy.PRODUCT_ARTICLE_TYPES, "
            f"<= {args.product_cap} per class ({len(prod_rows)} rows), {n_prod} drawn per epoch",
        },
        "command": command,
        "seed": args.seed,
        "epochs": args.epochs,
        "hyperparameters": {
            k: v for k, v in vars(args).items() if k not in ("data_root", "out", "cache_dir", "threads")
        },
        "history": history,
        "train_seconds": train_seconds,
        "device": str(device),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
    }
    out = Path(args.out)
    save_checkpoint(out, model, config, meta)
    model, config, _ = load_checkpoint(out, device)
    model = model.to(memory_format=torch.channels_last)
    scores = evaluate_dir(model, config, root / CLOTHING, "heldout")
    meta["scores"] = scores
    meta = save_checkpoint(out, model, config, meta)
    log(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB), {meta['model_version']}, total {time.time() - t_start:.0f}s")
    print(
        json.dumps(
            {**scores, "model_version": meta["model_version"], "checkpoint": str(out), "train_seconds": train_seconds}
        )
    )


if __name__ == "__main__":
    main()
