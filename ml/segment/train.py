"""Train the cut-out model on composites of real product cut-outs over real closet backgrounds, and on real
closet photos with machine-made masks.

``python -m ml.segment.train [--data-root ../shared/data] [--out ml/weights/garment_segment.pt]
[--samples 5000] [--epochs 30] [--threads 2] [--image-size 160] [--context] [--tune-top]
[--closet-labels ml/cache/segment-closet-labels.npz]``

The shipped model: ``--image-size 160 --closet-labels ml/cache/segment-closet-labels.npz --context --tune-top
--epochs 20`` (README, "Learned cut-out", for how it was chosen).

1. Composites (``data.py``) of the training products (not ``is_heldout``) are made once at ``image_size``;
   ``--white-share`` of them keep the white page. The frozen backbone's tapped features of each composite are
   computed once and cached in ``ml/cache/`` (float16), so the decoder trains for many epochs cheaply.
2. The decoder trains with BCE + soft Dice at stride 2, plus an auxiliary BCE at stride 4 (AdamW, cosine).
   With ``--tune-top`` the backbone blocks after the stride-16 tap train too (a tenth of the learning rate,
   ``--tune-lr-scale``), from the cached stride-16 map; their BatchNorms keep the wheel's statistics.
3. A validation set of composites of held-out products reports IoU per epoch.
Photos of the closet test set are excluded from the background pool (``--exclude-dir``).

``--closet-labels FILE`` (``python -m ml.segment.closet_labels``) adds real closet photos of the training pool
with machine-made masks (GrabCut refined the way the closet test set was seeded; that module says how and which
are kept). A twentieth of them, by a hash of the photo id, is held back and scored against its machine-made
masks each epoch (``val_closet_iou``); the rest train beside the composites.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ml.segment.checkpoint import save_checkpoint
from ml.segment.closet_labels import held_back
from ml.segment.config import SegmentConfig
from ml.segment.data import background_crop, background_photos, composite, load_products, product_rows
from ml.segment.model import GarmentSegmenter

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "ml" / "cache"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def make_set(products, bg_paths, n, size, white_share, seed, fill=(0.35, 0.95)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = np.empty((n, size, size, 3), np.uint8)
    masks = np.empty((n, size, size), np.uint8)
    for i in range(n):
        _, rgb, mask = products[int(rng.integers(len(products)))]
        bg = None
        if rng.random() >= white_share:
            with Image.open(bg_paths[int(rng.integers(len(bg_paths)))]) as im:
                bg = background_crop(np.asarray(im.convert("RGB")), size, rng)
        images[i], masks[i] = composite(rgb, mask, bg, size, rng, fill)
    return images, masks


def cached_features(model, images: np.ndarray, config: SegmentConfig, key: str) -> list[torch.Tensor]:
    path = CACHE / f"segment-feats-{key}.pt"
    if path.exists():
        return torch.load(path, weights_only=True)
    feats = [[] for _ in config.taps]
    t0 = time.time()
    with torch.inference_mode():
        for s in range(0, len(images), 32):
            x = scale(torch.from_numpy(images[s : s + 32]), config)
            for out, f in zip(feats, model.features(x)):
                out.append(f.half())
            if s % 640 == 0:
                log(f"features {s}/{len(images)} {time.time() - t0:.0f}s")
    feats = [torch.cat(f) for f in feats]
    CACHE.mkdir(parents=True, exist_ok=True)
    torch.save(feats, path)
    return feats


def scale(x: torch.Tensor, config: SegmentConfig) -> torch.Tensor:
    """uint8 (B, H, W, 3) -> scaled float (B, 3, H, W)."""
    return (x.permute(0, 3, 1, 2).float() - config.input_mean) / config.input_std


def loss_fn(logits, coarse, target):
    t2 = F.interpolate(target, size=logits.shape[-2:], mode="area")
    t4 = F.interpolate(target, size=coarse.shape[-2:], mode="area")
    bce = F.binary_cross_entropy_with_logits(logits, t2)
    p = torch.sigmoid(logits)
    dice = 1 - (2 * (p * t2).sum((1, 2, 3)) + 1) / (p.sum((1, 2, 3)) + t2.sum((1, 2, 3)) + 1)
    return bce + dice.mean() + 0.4 * F.binary_cross_entropy_with_logits(coarse, t4)


def batch_iou(logits, target) -> list[float]:
    t2 = F.interpolate(target, size=logits.shape[-2:], mode="area") > 0.5
    p = logits > 0
    inter = (p & t2).sum((1, 2, 3)).float()
    union = (p | t2).sum((1, 2, 3)).float().clamp(min=1)
    return (inter / union).tolist()


def cached(model: GarmentSegmenter, feats: list[torch.Tensor]) -> list[torch.Tensor]:
    """The decoder's input from cached taps: with tuned blocks, the deepest tap is recomputed through them."""
    return model.finish(feats[:-1]) if model.config.tune_from_block else feats


def validation_iou(model, config, feats, images, masks) -> float:
    ious = []
    with torch.inference_mode():
        for s in range(0, len(images), 64):
            x = scale(torch.from_numpy(images[s : s + 64]), config)
            logits, _ = model.decode(cached(model, [f[s : s + 64].float() for f in feats]), x)
            ious += batch_iou(logits, torch.from_numpy(masks[s : s + 64]).float()[:, None])
    return float(np.mean(ious))


def closet_sets(path: Path, size: int) -> dict:
    """The machine-labelled closet photos of ``path``, split into training and held-back (a twentieth, by a
    hash of the photo id)."""
    d = np.load(path)
    if int(d["size"]) != size:
        raise SystemExit(f"{path} holds {int(d['size'])} px photos; the model takes {size} (--image-size)")
    back = np.array([held_back(str(i)) for i in d["ids"]])
    return {
        "train_x": d["images"][~back],
        "train_m": d["masks"][~back],
        "val_x": d["images"][back],
        "val_m": d["masks"][back],
        "rule": str(d["rule"]),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "ml" / "weights" / "garment_segment.pt")
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--val-samples", type=int, default=300)
    ap.add_argument("--white-share", type=float, default=0.15)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fill", type=float, nargs=2, default=(0.35, 0.95), help="garment size range in the frame")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-minutes", type=float, default=30.0, help="stop training (not caching) after this")
    ap.add_argument("--exclude-dir", type=Path, default=REPO / "ml" / "segment" / "closet_testset" / "image")
    ap.add_argument("--image-size", type=int, default=SegmentConfig.image_size, help="the model's input side")
    ap.add_argument("--fpn-channels", type=int, default=SegmentConfig.fpn_channels, help="the decoder's width")
    ap.add_argument("--context", action="store_true", help="global context at the deepest level (SegmentConfig)")
    ap.add_argument(
        "--tune-top",
        action="store_true",
        help="fine-tune the backbone blocks after the stride-16 tap (from its cached output) with the decoder",
    )
    ap.add_argument("--tune-lr-scale", type=float, default=0.1, help="their learning rate over the decoder's")
    ap.add_argument("--closet-labels", type=Path, help="npz of python -m ml.segment.closet_labels (real closet photos)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = SegmentConfig(
        image_size=args.image_size,
        fpn_channels=args.fpn_channels,
        context=args.context,
        tune_from_block=SegmentConfig.taps[-2] + 1 if args.tune_top else 0,
    )
    size = config.image_size
    model = GarmentSegmenter(config)

    exclude = {p.stem for p in args.exclude_dir.glob("*.jpg")} if args.exclude_dir.exists() else set()
    bgs = background_photos(args.data_root, exclude=exclude)
    key = hashlib.sha256(
        json.dumps(
            [args.samples, args.val_samples, args.white_share, args.seed, size, sorted(exclude)]
            + ([list(args.fill)] if tuple(args.fill) != (0.35, 0.95) else [])
        ).encode()
    ).hexdigest()[:10]
    data_path = CACHE / f"segment-data-{key}.npz"
    if data_path.exists():
        d = np.load(data_path)
        tr_x, tr_m, va_x, va_m, n_products = d["tr_x"], d["tr_m"], d["va_x"], d["va_m"], d["n_products"]
    else:
        log("loading products")
        train_products = load_products(product_rows(args.data_root, heldout=False))
        val_products = load_products(product_rows(args.data_root, heldout=True))
        n_products = np.array([len(train_products), len(val_products)])
        log(f"usable products: train {len(train_products)}, held-out {len(val_products)}; backgrounds {len(bgs)}")
        tr_x, tr_m = make_set(train_products, bgs, args.samples, size, args.white_share, args.seed, tuple(args.fill))
        va_x, va_m = make_set(val_products, bgs, args.val_samples, size, args.white_share, args.seed + 1)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(data_path, tr_x=tr_x, tr_m=tr_m, va_x=va_x, va_m=va_m, n_products=n_products)
    log("composites ready")
    tr_f = cached_features(model, tr_x, config, key + "-train")
    va_f = cached_features(model, va_x, config, key + "-val")
    closet = None
    if args.closet_labels:
        closet = closet_sets(args.closet_labels, size)
        ckey = hashlib.sha256(Path(args.closet_labels).read_bytes()).hexdigest()[:10]
        c_tr_f = cached_features(model, closet["train_x"], config, f"closet-{ckey}-{size}-train")
        closet["val_f"] = cached_features(model, closet["val_x"], config, f"closet-{ckey}-{size}-val")
        tr_x, tr_m = np.concatenate([tr_x, closet["train_x"]]), np.concatenate([tr_m, closet["train_m"]])
        tr_f = [torch.cat([a, b]) for a, b in zip(tr_f, c_tr_f)]
        log(f"closet photos: {len(closet['train_x'])} train, {len(closet['val_x'])} held back")
    log("features ready")

    groups = [{"params": list(model.decoder.parameters()), "lr": args.lr}]
    if config.tune_from_block:
        tuned = [p for p in model.backbone.parameters() if p.requires_grad]
        groups.append({"params": tuned, "lr": args.lr * args.tune_lr_scale})
    opt = torch.optim.AdamW(groups, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(tr_x) / args.batch)
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[g["lr"] for g in groups], total_steps=total, pct_start=0.05
    )
    t0, step, history = time.time(), 0, []
    gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(tr_x), generator=gen)
        losses = []
        for s in range(0, len(order), args.batch):
            idx = order[s : s + args.batch]
            feats = cached(model, [f[idx].float() for f in tr_f])
            x = scale(torch.from_numpy(tr_x[idx.numpy()]), config)
            target = torch.from_numpy(tr_m[idx.numpy()]).float()[:, None]
            logits, coarse = model.decode(feats, x)
            loss = loss_fn(logits, coarse, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step < total - 1:
                sched.step()
            step += 1
            losses.append(loss.item())
        model.eval()
        ious = validation_iou(model, config, va_f, va_x, va_m)
        row = {"epoch": epoch, "loss": round(float(np.mean(losses)), 4), "val_iou": round(ious, 4)}
        if closet is not None:
            row["val_closet_iou"] = round(
                validation_iou(model, config, closet["val_f"], closet["val_x"], closet["val_m"]), 4
            )
        history.append(row)
        log(f"epoch {epoch} loss {np.mean(losses):.4f} val composite IoU {ious:.4f} {row} {time.time() - t0:.0f}s")
        if time.time() - t0 > args.max_minutes * 60:
            log("time budget reached")
            break

    meta = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m ml.segment.train " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "data": {
            "garments": "fashion-product-images product shots on white (not on a model, not white/cream), "
            "mask = cleaned non-white pixels; held out by ml.bridge.train.is_heldout",
            "backgrounds": "corner crops of clothing-dataset photos (closet test set photos excluded)",
            "usable_products": {"train": int(n_products[0]), "heldout": int(n_products[1])},
            "composites": int(len(tr_x) - (0 if closet is None else len(closet["train_x"]))),
            "closet_photos": None
            if closet is None
            else {
                "file": str(args.closet_labels),
                "train": int(len(closet["train_x"])),
                "held_back": int(len(closet["val_x"])),
                "rule": closet["rule"],
            },
            "white_share": args.white_share,
            "fill": list(args.fill),
        },
        "history": history,
        "train_seconds": round(time.time() - t0),
    }
    meta = save_checkpoint(args.out, model, config, meta)
    print(json.dumps({"out": str(args.out), "model_version": meta["model_version"], "history": history[-3:]}))


if __name__ == "__main__":
    main()
