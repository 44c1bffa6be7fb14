"""Train the detector's head on flat-lay composites and real closet photos; the backbone stays frozen.

``python -m ml.detect.train --data ../shared/data --out ml/weights/garment_detector.pt [--testset DIR ...]``

1. Data (``data.py``, where the recipe is written out): ``--flatlays`` composites of training products and
   training closet cut-outs on training closet backgrounds, plus up to ``--closet-photos`` real closet photos
   per class, boxed by their GrabCut mask. Everything held out by ``is_heldout`` is left out, as are the
   photos of ``ml/segment/closet_testset``.
2. The backbone is the garment classifier's (``--classifier``, ml/weights/garment_category.pt), frozen; its
   maps at strides 16 and 32 are computed once per image and cached (float16, ``ml/cache/``), so the head
   trains for many epochs on 1 CPU thread.
3. SSD training: anchors matched to boxes at IoU >= 0.5 (and each box to its best anchor), softmax
   cross-entropy with 3:1 hard-negative mining, smooth-L1 box regression; AdamW, one-cycle schedule.
4. The held-out test sets given by ``--testset`` (written by ``make_testset``) are scored with the shipped
   inference path and the results go into the checkpoint's meta with the full command, recipe and split.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickle
import platform
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ml.detect import data as detect_data
from ml.detect.checkpoint import backbone_from_classifier, save_checkpoint
from ml.detect.config import DetectorConfig
from ml.detect.labels import CLASSES
from ml.detect.model import GarmentDetector, box_iou, cxcywh_to_xyxy, encode
from ml.segment.data import background_photos

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "ml" / "cache"
CLOSET_TESTSET = REPO / "ml" / "segment" / "closet_testset" / "image"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def build_data(args, size: int) -> tuple[list[detect_data.Example], dict]:
    exclude = {p.stem for p in CLOSET_TESTSET.glob("*.jpg")}
    products = detect_data.garments(args.data, heldout=False)
    log(f"products {sum(map(len, products.values()))}")
    rows = detect_data.closet_rows(args.data, heldout=False, exclude=exclude)
    closet = detect_data.closet_cutouts(rows, args.closet_per_class, args.seed)
    log(f"closet cut-outs {sum(map(len, closet.values()))}")
    backgrounds = background_photos(args.data, exclude=exclude)
    examples = detect_data.make_flatlays(
        detect_data.merge_pools(products, closet), backgrounds, args.flatlays, size, args.seed
    )
    photos = []
    for label, items in sorted(closet.items()):
        for _, rgb, mask in items[: args.closet_photos]:
            photos.append(detect_data.mask_example(rgb, mask, label, size))
    recipe = {
        "flatlays": {
            "n": len(examples),
            "recipe": "ml.detect.data.flatlay: 1-5 garments of distinct classes (1:12%, 2:20%, 3:25%, 4:23%, 5:20%),"
            " large pieces first, class-typical size shrunk with crowding, overlap <= 20% of the smaller box,"
            " box = visible pasted pixels; colour jitter, drop shadow, light ramp, blur, noise, JPEG;"
            " 5% on a white page",
            "garments_products": {c: len(v) for c, v in products.items()},
            "garments_closet_cutouts": {c: len(v) for c, v in closet.items()},
            "products_source": "fashion-product-images shots on white, mask = ml.segment.data.product_mask,"
            " labels = ml.detect.labels.ARTICLE_TYPES",
            "closet_source": "clothing-dataset photos, mask = ml.cutout.grabcut_cutout (fallbacks and <4%/>92%"
            " dropped), labels = ml.detect.labels.CLOSET_LABELS",
            "backgrounds": f"corner crops of {len(backgrounds)} training clothing-dataset photos",
        },
        "closet_photos": {
            "n": len(photos),
            "recipe": "whole clothing-dataset photos squashed to the input size, box = GrabCut mask extent",
        },
    }
    return examples + photos, recipe


def match(anchors_xyxy: torch.Tensor, anchors: torch.Tensor, boxes, labels, config):
    """Per anchor: class target (0 background) and regression target."""
    n = anchors.shape[0]
    if len(boxes) == 0:
        return torch.zeros(n, dtype=torch.long), torch.zeros(n, 4)
    gt = torch.as_tensor(boxes, dtype=torch.float32)
    iou = box_iou(anchors_xyxy, gt)  # (N, G)
    best_iou, best_gt = iou.max(1)
    forced = iou.argmax(0)  # each box's best anchor is positive even below the threshold
    best_iou[forced] = 1.0
    best_gt[forced] = torch.arange(len(gt))
    cls = torch.as_tensor(labels, dtype=torch.long)[best_gt] + 1
    cls[best_iou < 0.5] = 0
    return cls, encode(gt[best_gt], anchors, config.box_variances)


def ssd_loss(logits, deltas, cls_t, box_t, neg_ratio: int = 3):
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), cls_t.reshape(-1), reduction="none").view(cls_t.shape)
    pos = cls_t > 0  # (B, N)
    n_pos = pos.sum(1, keepdim=True)  # (B, 1)
    neg_loss = ce.detach().masked_fill(pos, -1.0)
    rank = neg_loss.argsort(1, descending=True).argsort(1)
    hard_neg = rank < (neg_ratio * n_pos).clamp(min=10)
    total = n_pos.sum().clamp(min=1).float()
    cls_loss = (ce * (pos | hard_neg)).sum() / total
    box_loss = F.smooth_l1_loss(deltas[pos], box_t[pos], reduction="sum") / total
    return cls_loss, box_loss


def cache_features(model: GarmentDetector, images: np.ndarray, config: DetectorConfig) -> list[torch.Tensor]:
    feats: list[list[torch.Tensor]] = [[] for _ in config.taps]
    t0 = time.time()
    with torch.inference_mode():
        for s in range(0, len(images), 16):
            x = torch.from_numpy(images[s : s + 16]).permute(0, 3, 1, 2).float()
            x = ((x - config.input_mean) / config.input_std).contiguous(memory_format=torch.channels_last)
            for out, f in zip(feats, model.features(x)):
                out.append(f.contiguous().half())
            if s % 800 == 0:
                log(f"features {s}/{len(images)} {time.time() - t0:.0f}s")
    return [torch.cat(f) for f in feats]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "ml" / "weights" / "garment_detector.pt")
    ap.add_argument("--classifier", type=Path, default=REPO / "ml" / "weights" / "garment_category.pt")
    ap.add_argument("--flatlays", type=int, default=5000)
    ap.add_argument("--closet-per-class", type=int, default=300, help="closet cut-outs per class (GrabCut)")
    ap.add_argument("--closet-photos", type=int, default=150, help="whole closet photos per class")
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-minutes", type=float, default=20.0, help="stop training (not data making) after this")
    ap.add_argument("--testset", type=Path, action="append", default=[], help="held-out sets scored into meta")
    args = ap.parse_args(argv)
    started = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    config = DetectorConfig()
    size = config.image_size
    model = GarmentDetector(config)
    config.backbone_init = backbone_from_classifier(model, args.classifier)
    model.backbone.to(memory_format=torch.channels_last)

    key = hashlib.sha256(
        json.dumps([args.flatlays, args.closet_per_class, args.closet_photos, args.seed, size, 1]).encode()
    ).hexdigest()[:10]
    data_path = CACHE / f"detect-data-{key}.pkl"
    if data_path.exists():
        examples, recipe = pickle.loads(data_path.read_bytes())
    else:
        examples, recipe = build_data(args, size)
        CACHE.mkdir(parents=True, exist_ok=True)
        data_path.write_bytes(pickle.dumps((examples, recipe)))
    log(f"examples {len(examples)}")
    feats_path = CACHE / f"detect-feats-{key}-{config.backbone_init}.pt"
    if feats_path.exists():
        feats = torch.load(feats_path, weights_only=True)
    else:
        feats = cache_features(model, np.stack([e.image for e in examples]), config)
        torch.save(feats, feats_path)
    data_seconds = time.time() - started
    log(f"features ready {[tuple(f.shape) for f in feats]}")

    anchors = model.anchors
    anchors_xyxy = cxcywh_to_xyxy(anchors)
    targets = [match(anchors_xyxy, anchors, e.boxes, e.labels, config) for e in examples]
    cls_t = torch.stack([t[0] for t in targets])  # (M, N)
    box_t = torch.stack([t[1] for t in targets])  # (M, N, 4)
    boxes_per_class = np.bincount(np.concatenate([e.labels for e in examples]), minlength=len(CLASSES))

    head = model.head.to(device)
    opt = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(examples) / args.batch)
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.05)
    gen = torch.Generator().manual_seed(args.seed)
    t0, step, history = time.time(), 0, []
    for epoch in range(args.epochs):
        head.train()
        order = torch.randperm(len(examples), generator=gen)
        sums = np.zeros(2)
        for s in range(0, len(order), args.batch):
            idx = order[s : s + args.batch]
            logits, deltas = head([f[idx].float().to(device) for f in feats])
            cls_loss, box_loss = ssd_loss(logits, deltas, cls_t[idx].to(device), box_t[idx].to(device))
            loss = cls_loss + box_loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step < total - 1:
                sched.step()
            step += 1
            sums += [cls_loss.item() * len(idx), box_loss.item() * len(idx)]
        cls_l, box_l = sums / len(order)
        history.append({"epoch": epoch, "cls_loss": round(float(cls_l), 4), "box_loss": round(float(box_l), 4)})
        log(f"epoch {epoch} cls {cls_l:.4f} box {box_l:.4f} {time.time() - t0:.0f}s")
        if time.time() - t0 > args.max_minutes * 60:
            log("time budget reached")
            break
    train_seconds = time.time() - t0

    model.to("cpu").eval()
    meta = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m ml.detect.train " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "data": {**recipe, "boxes_per_class": dict(zip(CLASSES, boxes_per_class.tolist()))},
        "split": "products and clothing-dataset photos whose id ml.bridge.train.is_heldout holds out (15%,"
        " sha256 of the id) never enter training, nor do the photos of ml/segment/closet_testset; the test"
        " sets (ml.detect.make_testset) are made of them only",
        "backbone": f"frozen, from {args.classifier.name} ({config.backbone_init})",
        "training": {"epochs_run": len(history), "batch": args.batch, "lr": args.lr, "threads": args.threads},
        "history": history,
        "data_seconds": round(data_seconds),
        "train_seconds": round(train_seconds),
        "total_seconds": round(time.time() - started),
        "machine": f"{platform.machine()}, {device}, torch threads {args.threads}",
    }
    meta = save_checkpoint(args.out, model, config, meta)
    heldout = {}
    if args.testset:
        from ml.detect.evaluate import evaluate_dir
        from ml.detect.predict import load_detector

        detector = load_detector(args.out)
        for d in args.testset:
            result = evaluate_dir(detector, d)
            heldout[result["source"]] = {k: result[k] for k in ("map50", "per_class", "n", "boxes")}
            log(f"held-out {d}: {json.dumps(heldout[result['source']])}")
    meta = save_checkpoint(
        args.out, model, config, {**meta, "heldout": heldout, "total_seconds": round(time.time() - started)}
    )
    print(json.dumps({"out": str(args.out), "model_version": meta["model_version"], "heldout": heldout}))


if __name__ == "__main__":
    main()
