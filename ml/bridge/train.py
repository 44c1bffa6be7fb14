"""Train the image->text bridge on fashion-product-images (product photo, productDisplayName) pairs.

    python -m ml.bridge.train --data ../shared/data/fashion-product-images --garment-checkpoint ml/weights/garment_category.pt

Image embeddings (garment-category model) and name embeddings (all-MiniLM-L6-v2) are computed once and
cached under ml/cache. Split: held-out = products with int(sha256(id), 16) % 100 < 15, train = the rest;
only rows whose image exists and whose name is not empty. Loss: symmetric InfoNCE with a learnt
temperature (CLIP). Scores on held-out: image->text R@1/R@10 over the held-out products' names and
text->image R@10 over their photos (a hit is any item with exactly the right name).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ml.bridge.checkpoint import save_checkpoint
from ml.bridge.config import BridgeConfig
from ml.bridge.model import ImageToText

CACHE = Path(__file__).resolve().parents[1] / "cache"
SPLIT_RULE = "held-out = int(sha256(str(id)),16) % 100 < 15; train = the rest (rows with an image and a name)"


def product_pairs(data_dir: str | Path) -> list[tuple[str, str, str]]:
    """(id, image path, name) for every styles.csv row whose image exists, sorted by id."""
    d = Path(data_dir)
    have = {p.name for p in (d / "images").iterdir()}
    with open(d / "styles.csv", newline="", encoding="utf-8", errors="replace") as f:
        rows = [
            (r["id"], str(d / "images" / f"{r['id']}.jpg"), r["productDisplayName"].strip()) for r in csv.DictReader(f)
        ]
    return sorted(((i, p, n) for i, p, n in rows if f"{i}.jpg" in have and n), key=lambda r: int(r[0]))


def is_heldout(product_id: str) -> bool:
    return int(hashlib.sha256(product_id.encode()).hexdigest(), 16) % 100 < 15


def image_embeddings(paths: list[str], garment_path: str, threads: int) -> tuple[np.ndarray, str]:
    from PIL import Image

    from ml.garment_category import load_checkpoint, preprocess

    model, config, meta = load_checkpoint(garment_path)
    version = meta["model_version"]
    key = hashlib.sha256(("\n".join(paths) + version).encode()).hexdigest()[:12]
    cache = CACHE / f"bridge-images-{key}.npy"
    if cache.exists():
        return np.load(cache), version
    out, t0 = [], time.time()
    with torch.inference_mode():
        for s in range(0, len(paths), 64):
            images = []
            for p in paths[s : s + 64]:
                with Image.open(p) as im:
                    images.append(im.convert("RGB"))
            out.append(model(preprocess(images, config))[1].float().numpy())  # (b, 1280)
            if s % 1280 == 0:
                print(f"images {s}/{len(paths)} {time.time() - t0:.0f}s", file=sys.stderr)
    emb = np.concatenate(out)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(cache, emb)
    return emb, version


def name_embeddings(names: list[str]) -> np.ndarray:
    from ml.text_encoder import MODEL_VERSION, load_text_encoder

    key = hashlib.sha256(("\n".join(names) + MODEL_VERSION).encode()).hexdigest()[:12]
    cache = CACHE / f"bridge-names-{key}.npy"
    if cache.exists():
        return np.load(cache)
    emb = load_text_encoder().encode(names, batch_size=128)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(cache, emb)
    return emb


def retrieval_scores(model: ImageToText, image_emb: np.ndarray, text_emb: np.ndarray, names: list[str]) -> dict:
    """R@k both ways over these pairs; a retrieved item counts when its name equals the query's."""
    model.eval()
    with torch.inference_mode():
        mapped = model(torch.from_numpy(image_emb)).numpy()
    sim = mapped @ text_emb.T  # (N, N) image x text
    ids = {n: i for i, n in enumerate(sorted(set(names)))}
    label = np.array([ids[n] for n in names])
    same = label[:, None] == label[None, :]

    def recall(s: np.ndarray, k: int) -> float:
        top = np.argsort(-s, axis=1)[:, :k]
        return float(np.mean(np.take_along_axis(same, top, axis=1).any(1)))

    return {
        "i2t_r1": recall(sim, 1),
        "i2t_r10": recall(sim, 10),
        "t2i_r1": recall(sim.T, 1),
        "t2i_r10": recall(sim.T, 10),
        "n": len(names),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.bridge.train")
    p.add_argument("--data", default="../shared/data/fashion-product-images")
    p.add_argument("--garment-checkpoint", default="ml/weights/garment_category.pt")
    p.add_argument("--out", default="ml/weights/image_to_text.pt")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t0 = time.time()

    pairs = product_pairs(args.data)
    img, garment_version = image_embeddings([p for _, p, _ in pairs], args.garment_checkpoint, args.threads)
    txt = name_embeddings([n for _, _, n in pairs])
    held = np.array([is_heldout(i) for i, _, _ in pairs])
    names = [n for _, _, n in pairs]
    train_idx, held_idx = np.flatnonzero(~held), np.flatnonzero(held)
    print(
        f"{len(train_idx)} train, {len(held_idx)} held-out pairs; embeddings ready in {time.time() - t0:.0f}s",
        file=sys.stderr,
    )

    config = BridgeConfig(garment_model_version=garment_version)
    model = ImageToText(config)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    xi, xt = torch.from_numpy(img[train_idx]), torch.from_numpy(txt[train_idx])
    gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_idx), generator=gen)
        total = 0.0
        for s in range(0, len(order), args.batch_size):
            b = order[s : s + args.batch_size]
            logits = model(xi[b]) @ xt[b].T * model.logit_scale.exp().clamp(max=100)  # (b, b)
            target = torch.arange(len(b))
            loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        if (epoch + 1) % 10 == 0:
            print(json.dumps({"epoch": epoch + 1, "loss": round(total / len(order), 4)}), file=sys.stderr)
    held_scores = retrieval_scores(model, img[held_idx], txt[held_idx], [names[i] for i in held_idx])
    meta = {
        "data": {
            "source": f"{args.data} styles.csv productDisplayName + images/<id>.jpg",
            "split_rule": SPLIT_RULE,
            "n_train": len(train_idx),
            "n_heldout": len(held_idx),
        },
        "command": "python -m ml.bridge.train " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed,
        "garment_model_version": garment_version,
        "scores": {
            "heldout": held_scores,
            "protocol": "held-out products; retrieval among all held-out names/photos; a hit is an item with the same name",
        },
        "train_seconds": round(time.time() - t0),
    }
    meta = save_checkpoint(args.out, model, config, meta)
    print(
        json.dumps({"heldout": held_scores, "model_version": meta["model_version"], "seconds": meta["train_seconds"]})
    )


if __name__ == "__main__":
    main()
