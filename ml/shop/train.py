"""Train the shop embedding: ShopHead (photo -> shop space) and TextToShop (sentence -> shop space), together.

    python -m ml.shop.train --data ../shared/data/fashion-product-images --closet ../shared/data/clothing-dataset

Inputs are what the app stores per garment: the garment-category embedding of the full photo, and the
all-MiniLM-L6-v2 vector of a name (both computed once and cached under ml/cache by ml/bridge/train.py),
and the colour feature of the garment's pixels (``--colour-bins``, ml/shop/colour.py; product photos'
non-white foreground, closet photos' GrabCut cut-out as the app's ingest makes it; the pixels are cached
under ml/cache by ml.shop.data.colour_pixels). The embedding carries little colour: 183 of the 269 held-out
recall@10 misses of the head without it had the right articleType but no right colour in their top 10. On
validation (products only, 15 epochs) the feature took recall@10 from 0.801 to 0.900 with 5x7x7 bins at
weight 1 (0.899 at weight 2, 0.897 with 4x6x6); colour dropout 0.1 keeps colourless inputs usable. With
closet photos and 40 epochs, validation R@10 / closet P@10 were 0.886 / 0.932 (5x7x7, weight 1), 0.891 / 0.929
(6x9x9), 0.887 / 0.932 (5x7x7, weight 2), 0.885 / 0.927 (6x9x9, weight 2): within noise (n = 1,036), so the
smaller feature stayed.

``--features-checkpoint`` appends the product feature (ml/product_features) to the embedding: validation R@10 /
closet P@10 0.901 / 0.952, but held-out products against the whole catalogue fell from 0.855 to 0.823 (the
tail was fine-tuned on the catalogue's training products), so the shipped head does not use it (README, Product
features).

``--factor-weight`` adds proxies for articleType alone and baseColour alone, so a rare pair ("Tshirts|Mustard")
shares structure with its type and its colour: validation R@10 0.877 at weight 0.5 and 0.886 at 1.0, against
0.886 without (seeds 1 and 2 of the shipped settings: 0.887, 0.879), so the default stays 0. Of the 118
validation misses without it, 96 had the right articleType in their top 10, and 61 were queries with only one
or two matching products in the gallery (their R@10 0.64-0.76, against 0.94-0.97 for labels with 6 or more).

``--validation`` trains without a carve of the training split (ml.shop.data.VALIDATION_RULE) and prints its
scores; settings were chosen that way, never on the held-out split.

Loss, per batch of training products and (with --closet) training-sender closet photos:

- normalised softmax over two sets of proxies (see ShopHead): a product is pulled to the proxy of its
  label (articleType + baseColour) and, when its articleType has a closet fine type
  (ml.taxonomy.PRODUCT_CATEGORY), to that fine type's proxy; a closet photo to its fine type's proxy.
  Products and closet photos of a type share that proxy, so closet photos (floors, beds, hangers) land
  among the studio shots of their type: without it closet->shop precision@10 fell from 0.88 to 0.72
  on a validation split carved from the training data.
- ``--text-weight`` x symmetric InfoNCE (learnt temperature, CLIP) between TextToShop(name) and
  ShopHead(photo) of the same products, products sharing a name being all positives. Trained jointly
  rather than after a frozen head: the proxies alone keep only type and colour, and names then found
  their own photo in the top 10 for 0.63 of validation products against 0.74 jointly, at the same
  image-to-image recall (fitting the text map further on the frozen head afterwards lost 0.01).

Split: ``ml.shop.data.SPLIT_RULE`` for products, the garment classifier's sender split for closet photos;
held-out products and senders are never trained on. Scores in meta are ``python -m ml.evaluate retrieval``'s.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ml.bridge.train import image_embeddings, name_embeddings
from ml.shop.checkpoint import save_checkpoint
from ml.shop.colour import feature_dim, feature_version
from ml.shop.config import ShopConfig
from ml.shop.data import (
    CLOSET_SPLIT_RULE,
    SPLIT_RULE,
    VALIDATION_RULE,
    closet_photos,
    closet_validation_mask,
    colour_features,
    heldout_mask,
    in_validation,
    products,
)
from ml.shop.evaluate import retrieval_scores
from ml.shop.model import ShopHead, TextToShop, embed_images, embed_texts
from ml.taxonomy import OTHER_CATEGORY
from ml.text_encoder import MODEL_VERSION as TEXT_MODEL_VERSION

NONE = ""  # label of a row that has none of that kind (a closet photo has no product label or name)


def index_labels(values: list[str], skip: str) -> np.ndarray:
    """Integer ids in sorted order of the values, ``-1`` for ``skip``."""
    ids = {v: i for i, v in enumerate(sorted(set(values) - {skip}))}
    return np.array([ids.get(v, -1) for v in values], dtype=np.int64)


def train_shop_embedding(
    x: np.ndarray,
    targets: dict[str, tuple[np.ndarray, float]],
    config: ShopConfig,
    *,
    colours: np.ndarray | None = None,
    colour_dropout: float = 0.0,
    text: np.ndarray,
    name_id: np.ndarray,
    text_weight: float,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    temperature: float,
    seed: int,
) -> tuple[ShopHead, TextToShop]:
    """Both maps, jointly: normalised softmax over the ``targets`` label sets + ``text_weight`` x name InfoNCE.

    ``targets`` maps a label set's name to (class id per row, -1 for none; loss weight). ``text`` holds a
    name vector per row and ``name_id`` its name's id, -1 for rows without a name (closet photos).
    """
    torch.manual_seed(seed)
    head, text_map = ShopHead(config), TextToShop(config)
    proxies = torch.nn.ParameterDict(
        {k: torch.nn.Parameter(torch.randn(int(ids.max()) + 1, config.embed_dim)) for k, (ids, _) in targets.items()}
    )
    opt = torch.optim.AdamW(
        [
            {"params": [*head.parameters(), *text_map.parameters()], "lr": lr, "weight_decay": weight_decay},
            {"params": proxies.parameters(), "lr": lr * 10, "weight_decay": 0.0},
        ]
    )
    steps = epochs * -(-len(x) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[lr, lr * 10], total_steps=steps, pct_start=0.1)
    xs, xt, names = torch.from_numpy(x), torch.from_numpy(text), torch.from_numpy(name_id)
    xc = torch.from_numpy(colours) if config.colour_dim else None
    ys = {k: torch.from_numpy(ids) for k, (ids, _) in targets.items()}
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        head.train()
        text_map.train()
        order = torch.randperm(len(xs), generator=gen)
        total = 0.0
        for s in range(0, len(order), batch_size):
            b = order[s : s + batch_size]
            c = None
            if xc is not None:
                c = xc[b]
                if colour_dropout:
                    c = c * (torch.rand(len(b), 1, generator=gen) >= colour_dropout)
            z = head(xs[b], c)  # (b, D)
            loss = sum(
                weight * _masked_ce(z @ F.normalize(proxies[k], dim=-1).T / temperature, ys[k][b])  # (b, C_k)
                for k, (_, weight) in targets.items()
            )
            if text_weight:
                named = names[b] >= 0
                loss = loss + text_weight * _info_nce(text_map, xt[b][named], z[named], names[b][named])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        if (epoch + 1) % 10 == 0:
            print(json.dumps({"epoch": epoch + 1, "loss": round(total / len(order), 4)}), file=sys.stderr)
    return head.eval(), text_map.eval()


def _masked_ce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    keep = target >= 0
    return F.cross_entropy(logits[keep], target[keep]) if keep.any() else logits.sum() * 0


def _info_nce(text_map: TextToShop, text: torch.Tensor, photos: torch.Tensor, name_id: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE between mapped names (b, 384) and photo vectors (b, D); equal names are all positives."""
    logits = text_map(text) @ photos.T * text_map.logit_scale.exp().clamp(max=100)  # (b, b) text x photo
    same = (name_id[:, None] == name_id[None, :]).float()  # (b, b)
    target = same / same.sum(1, keepdim=True)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.shop.train")
    p.add_argument("--data", default="../shared/data/fashion-product-images")
    p.add_argument("--closet", help="clothing-dataset directory: its training-sender photos join ShopHead training")
    p.add_argument("--garment-checkpoint", default="ml/weights/garment_category.pt")
    p.add_argument(
        "--features-checkpoint",
        help="also read this product-feature checkpoint's feature (ml/product_features), after the embedding",
    )
    p.add_argument("--out", default="ml/weights/shop_embedding.pt")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--temperature", type=float, default=0.1, help="of the proxy softmax")
    p.add_argument("--fine-weight", type=float, default=1.0, help="weight of the fine-type proxy loss")
    p.add_argument(
        "--factor-weight",
        type=float,
        default=0.0,
        help="weight of two more proxy losses, articleType alone and baseColour alone (rare pairs share them)",
    )
    p.add_argument("--text-weight", type=float, default=1.0, help="weight of the name InfoNCE while the head trains")
    p.add_argument("--embed-dim", type=int, default=128)
    p.add_argument(
        "--colour-bins", default="5,7,7", help="L,a,b bins of the colour feature (ml/shop/colour.py); 'none' for none"
    )
    p.add_argument("--colour-weight", type=float, default=1.0, help="scale of the unit-norm colour feature")
    p.add_argument("--colour-dropout", type=float, default=0.1, help="share of rows trained without colour")
    p.add_argument(
        "--validation",
        action="store_true",
        help="train without the validation carve of the training data and print its scores (nothing saved)",
    )
    p.add_argument(
        "--validation-out",
        type=Path,
        help="with --validation: write every non-held-out product's id and photo vector and which are in the "
        "carve (npz), e.g. for scripts/shop_rerank_weight.py",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()

    bins = () if args.colour_bins == "none" else tuple(int(n) for n in args.colour_bins.split(","))
    items = products(args.data)
    held = heldout_mask(items)
    img, garment_version = image_embeddings([q.path for q in items], args.garment_checkpoint, args.threads)
    features_version = ""
    if args.features_checkpoint:
        feats, features_version = image_embeddings([q.path for q in items], args.features_checkpoint, args.threads)
        img = np.concatenate([img, feats], axis=1)  # (N, 2560)
    txt = name_embeddings([q.name for q in items])
    col = colour_features([q.path for q in items], "studio", bins) if bins else np.zeros((len(items), 0), np.float32)
    if args.validation:  # the held-out products leave altogether; the validation carve plays their part
        keep = np.flatnonzero(~held)
        items, img, txt, col = [items[i] for i in keep], img[keep], txt[keep], col[keep]
        held = np.array([in_validation(q.id) for q in items], bool)
    train = np.flatnonzero(~held)
    x, text, colours = img[train], txt[train], col[train]
    labels = [items[i].label for i in train]
    fine_types = [items[i].fine_type for i in train]
    names = [items[i].name for i in train]
    closet_test, closet_test_types, closet_test_col, n_closet = None, None, None, 0
    if args.closet:
        paths, types, closet_held = closet_photos(args.closet)
        closet_emb, _ = image_embeddings(paths, args.garment_checkpoint, args.threads)
        if args.features_checkpoint:
            closet_emb = np.concatenate(
                [closet_emb, image_embeddings(paths, args.features_checkpoint, args.threads)[0]], 1
            )
        closet_col = colour_features(paths, "cutout", bins) if bins else np.zeros((len(paths), 0), np.float32)
        if args.validation:  # held-out senders leave; validation senders are the queries
            val = closet_validation_mask(args.closet)
            keep = np.flatnonzero(~closet_held)
            paths, types, closet_held = [paths[i] for i in keep], [types[i] for i in keep], val[keep]
            closet_emb, closet_col = closet_emb[keep], closet_col[keep]
        n_closet = int((~closet_held).sum())
        x = np.concatenate([x, closet_emb[~closet_held]])
        colours = np.concatenate([colours, closet_col[~closet_held]])
        text = np.concatenate([text, np.zeros((n_closet, txt.shape[1]), np.float32)])
        labels += [NONE] * n_closet
        fine_types += [t for t, h in zip(types, closet_held) if not h]
        names += [NONE] * n_closet
        closet_test, closet_test_types = closet_emb[closet_held], [t for t, h in zip(types, closet_held) if h]
        closet_test_col = closet_col[closet_held]
    targets = {
        "label": (index_labels(labels, skip=NONE), 1.0),
        "fine": (index_labels(fine_types, skip=OTHER_CATEGORY), args.fine_weight),
    }
    if args.factor_weight:  # "Tshirts|Navy Blue" -> "Tshirts" and "Navy Blue", each its own proxy set
        targets["article_type"] = (index_labels([v.split("|")[0] for v in labels], skip=NONE), args.factor_weight)
        targets["base_colour"] = (index_labels([v.partition("|")[2] for v in labels], skip=NONE), args.factor_weight)
    name_id = index_labels(names, skip=NONE)
    print(
        f"{len(train)} train products, {n_closet} closet photos, {held.sum()} held-out products; "
        f"embeddings ready in {time.time() - t0:.0f}s",
        file=sys.stderr,
    )

    config = ShopConfig(
        embed_dim=args.embed_dim,
        colour_dim=feature_dim(bins) if bins else 0,
        colour_bins=bins,
        colour_weight=args.colour_weight,
        image_dim=img.shape[1],
        garment_model_version=garment_version,
        features_model_version=features_version,
        text_model_version=TEXT_MODEL_VERSION,
    )
    head, text_map = train_shop_embedding(
        x,
        targets,
        config,
        colours=colours,
        colour_dropout=args.colour_dropout,
        text=text,
        name_id=name_id,
        text_weight=args.text_weight,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        weight_decay=args.weight_decay,
        temperature=args.temperature,
        seed=args.seed,
    )
    photo_vectors = embed_images(head, img, col)
    scores = retrieval_scores(
        items,
        held,
        photo_vectors,
        embed_texts(text_map, txt),
        closet_vectors=None if closet_test is None else embed_images(head, closet_test, closet_test_col),
        closet_types=closet_test_types,
    )
    if args.validation:
        if args.validation_out:
            np.savez(args.validation_out, ids=np.array([q.id for q in items]), carve=held, vectors=photo_vectors)
        print(json.dumps({"validation": scores, "rule": VALIDATION_RULE, "args": vars(args)}, default=str))
        return
    meta = {
        "data": {
            "source": f"{args.data} styles.csv (articleType, baseColour, productDisplayName) + images/<id>.jpg",
            "closet": f"{args.closet} images.csv label -> ml.taxonomy.CLOTHING_DATASET" if args.closet else None,
            "split_rule": SPLIT_RULE,
            "closet_split_rule": CLOSET_SPLIT_RULE if args.closet else None,
            "n_train_products": len(train),
            "n_train_closet_photos": n_closet,
            "n_heldout_products": int(held.sum()),
            "colour_feature": feature_version(bins) if bins else None,
        },
        "command": "python -m ml.shop.train " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed,
        "garment_model_version": garment_version,
        "text_model_version": TEXT_MODEL_VERSION,
        "scores": {"heldout": scores, "protocol": "python -m ml.evaluate retrieval (ml/shop/evaluate.py)"},
        "train_seconds": round(time.time() - t0),
    }
    meta = save_checkpoint(args.out, head, text_map, config, meta)
    print(json.dumps({"heldout": scores, "model_version": meta["model_version"], "seconds": meta["train_seconds"]}))


if __name__ == "__main__":
    main()
