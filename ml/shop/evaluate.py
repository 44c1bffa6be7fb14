"""Shop retrieval: product->product, text->product and closet photo->product, against the raw-embedding baseline.

``python -m ml.evaluate retrieval --data DIR [--queries DIR2] [--checkpoint ml/weights/shop_embedding.pt]``

DIR is in the fashion-product-images layout; only its held-out products (``SPLIT_RULE``) are queries and
gallery for ``recall_at_*`` and ``text_recall_at_10``:

- ``recall_at_k``: each held-out product queries the other held-out products; a hit is a retrieved product
  with the same articleType and baseColour. Queries whose label no other held-out product has cannot hit
  and are left out (as in the In-Shop / SOP protocols); ``n`` counts the rest, ``n_without_match`` those.
- ``text_recall_at_10``: each held-out product's name queries the held-out photos; a hit is that product
  or one with an identical name.
- with ``--queries DIR2`` (clothing-dataset layout): the held-out-sender photos whose label maps to a fine
  type query ALL of DIR's products; ``closet_to_shop_precision_at_10`` is the mean fraction of the top 10
  whose fine type (ml.taxonomy.PRODUCT_CATEGORY) is the query's.

The shop head reads each photo's colour feature too when it was trained with one (ml/shop/colour.py):
product photos' non-white foreground, closet photos' GrabCut cut-out (as the app's ingest makes it).

``baseline`` scores the same queries with the raw 1280-d garment embedding (cosine), and text through the
image->text bridge (ml/weights/image_to_text.pt: bridge(photo) against the name's MiniLM vector).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ml.bridge.train import image_embeddings, name_embeddings
from ml.shop.checkpoint import load_checkpoint
from ml.shop.data import (
    CLOSET_SPLIT_RULE,
    SPLIT_RULE,
    Product,
    closet_photos,
    colour_features,
    heldout_mask,
    products,
)
from ml.shop.model import embed_images, embed_texts

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"


def _top_k(sim: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest per row, best first."""
    part = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(sim, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


MATCH_BUCKETS = (("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6+", 6, 10**9))  # other items with the query's label


def label_recall(vectors: np.ndarray, labels: list[str], ks: tuple[int, ...] = (1, 10)) -> dict:
    """Each item queries all the others; recall@k over the queries that have at least one match."""
    ids = {v: i for i, v in enumerate(sorted(set(labels)))}
    y = np.array([ids[v] for v in labels])
    sim = vectors @ vectors.T  # (N, N)
    np.fill_diagonal(sim, -np.inf)
    has_match = np.bincount(y)[y] > 1
    top = _top_k(sim[has_match], max(ks))
    hit = y[top] == y[has_match][:, None]  # (Q, K)
    out = {f"recall_at_{k}": round(float(hit[:, :k].any(1).mean()), 4) for k in ks}
    matches = np.bincount(y)[y[has_match]] - 1  # other items sharing each query's label
    hit_k = hit[:, : max(ks)].any(1)
    by_matches = {}
    for name, lo, hi in MATCH_BUCKETS:
        sel = (matches >= lo) & (matches <= hi)
        if sel.any():
            by_matches[name] = {"n": int(sel.sum()), f"recall_at_{max(ks)}": round(float(hit_k[sel].mean()), 4)}
    return {
        **out,
        "n": int(has_match.sum()),
        "n_without_match": int((~has_match).sum()),
        f"recall_at_{max(ks)}_by_matches": by_matches,
    }


def catalogue_recall(vectors: np.ndarray, labels: list[str], queries: np.ndarray, ks=(1, 10)) -> dict:
    """Each query (the held-out products) against every other product of the catalogue, as the app searches.

    The gallery holds training products too (the app indexes its whole catalogue); the queries were never
    trained on. Queries whose label no other product has are left out, as in ``label_recall``.
    """
    ids = {v: i for i, v in enumerate(sorted(set(labels)))}
    y = np.array([ids[v] for v in labels])
    has_match = np.bincount(y)[y[queries]] > 1
    q = queries[has_match]
    sim = vectors[q] @ vectors.T
    sim[np.arange(len(q)), q] = -np.inf
    top = _top_k(sim, max(ks))
    hit = y[top] == y[q][:, None]
    out = {f"catalogue_recall_at_{k}": round(float(hit[:, :k].any(1).mean()), 4) for k in ks}
    return {**out, "catalogue_n": int(len(q))}


def text_recall(text_vectors: np.ndarray, image_vectors: np.ndarray, names: list[str], k: int = 10) -> float:
    """Name i queries all photos; a hit is a photo whose product has exactly that name."""
    ids = {v: i for i, v in enumerate(sorted(set(names)))}
    y = np.array([ids[v] for v in names])
    top = _top_k(text_vectors @ image_vectors.T, k)  # (N, k)
    return round(float((y[top] == y[:, None]).any(1).mean()), 4)


def category_precision(
    queries: np.ndarray, query_types: list[str], gallery: np.ndarray, gallery_types: list[str], k: int = 10
) -> float:
    """Mean fraction of each query's top k whose fine type equals the query's."""
    g = np.array(gallery_types)
    top = _top_k(queries @ gallery.T, k)  # (Q, k)
    return round(float((g[top] == np.array(query_types)[:, None]).mean()), 4)


def retrieval_scores(
    items: list[Product],
    held: np.ndarray,
    image_vectors: np.ndarray,
    text_vectors: np.ndarray | None = None,
    text_photo_vectors: np.ndarray | None = None,
    closet_vectors: np.ndarray | None = None,
    closet_types: list[str] | None = None,
) -> dict:
    """The module docstring's figures from vectors of all of ``items`` (rows as ``items``).

    ``text_photo_vectors`` are the photos in the space of ``text_vectors`` when that differs from the
    space of ``image_vectors`` (the baseline's bridge); by default the same vectors.
    """
    h = np.flatnonzero(held)
    out = label_recall(image_vectors[h], [items[i].label for i in h])
    out.update(catalogue_recall(image_vectors, [p.label for p in items], h))
    if text_vectors is not None:
        photos = image_vectors if text_photo_vectors is None else text_photo_vectors
        out["text_recall_at_10"] = text_recall(text_vectors[h], photos[h], [items[i].name for i in h])
    if closet_vectors is not None and len(closet_vectors):
        gallery_types = [p.fine_type for p in items]
        out["closet_to_shop_precision_at_10"] = category_precision(
            closet_vectors, closet_types, image_vectors, gallery_types
        )
        out["n_closet_queries"] = len(closet_vectors)
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="fashion-product-images layout: styles.csv, images/<id>.jpg")
    parser.add_argument("--queries", help="clothing-dataset layout (images.csv, images/<image>.jpg): closet queries")
    parser.add_argument("--checkpoint", default=str(WEIGHTS / "shop_embedding.pt"))
    parser.add_argument("--garment-checkpoint", default=str(WEIGHTS / "garment_category.pt"))
    parser.add_argument(
        "--features-checkpoint",
        default=str(WEIGHTS / "product_features.pt"),
        help="the product-feature checkpoint, for a head that reads it too (config.features_model_version)",
    )
    parser.add_argument("--bridge-checkpoint", default=str(WEIGHTS / "image_to_text.pt"))
    parser.add_argument(
        "--attributes-checkpoint",
        default=str(WEIGHTS / "garment_attributes.pt"),
        help="attribute heads for the re-ranked figures (ml.shop.rerank); 'none' skips them",
    )
    parser.add_argument("--threads", type=int, default=2)


def closet_queries(
    data_dir: str | Path, garment_path: str, threads: int, bins: tuple[int, ...] = ()
) -> tuple[np.ndarray, list[str], np.ndarray | None]:
    """Garment embeddings (Q, 1280), fine types and (with ``bins``) colour features of the held-out-sender
    closet photos; the colour is that of the GrabCut cut-out, as the app's ingest computes it."""
    paths, types, held = closet_photos(data_dir)
    emb, _ = image_embeddings(paths, garment_path, threads)  # all photos, so training shares the cache
    colours = colour_features(paths, "cutout", bins)[held] if bins else None  # all, as training caches them
    return emb[held], [t for t, h in zip(types, held) if h], colours


def run(args: argparse.Namespace) -> dict:
    torch.set_num_threads(args.threads)
    t0 = time.time()
    items = products(args.data)
    held = heldout_mask(items)
    emb, garment_version = image_embeddings([p.path for p in items], args.garment_checkpoint, args.threads)
    head, text_map, config, meta = load_checkpoint(args.checkpoint, garment_model_version=garment_version)
    head_input = emb
    if config.features_model_version:  # the head reads the product feature after the embedding
        feats, features_version = image_embeddings([p.path for p in items], args.features_checkpoint, args.threads)
        if features_version != config.features_model_version:
            raise SystemExit(f"{args.checkpoint} reads {config.features_model_version}, not {features_version}")
        head_input = np.concatenate([emb, feats], axis=1)
    names = name_embeddings([p.name for p in items])
    bins = config.colour_bins if config.colour_dim else ()
    colours = colour_features([p.path for p in items], "studio", bins) if bins else None
    closet, closet_types, closet_colours = (
        closet_queries(args.queries, args.garment_checkpoint, args.threads, bins) if args.queries else (None,) * 3
    )
    closet_input = closet
    if closet is not None and config.features_model_version:
        closet_input = np.concatenate(
            [closet, closet_queries(args.queries, args.features_checkpoint, args.threads)[0]], 1
        )
    print(f"{held.sum()} held-out products; embeddings ready in {time.time() - t0:.0f}s", file=sys.stderr)

    shop_vectors = embed_images(head, head_input, colours)
    shop = retrieval_scores(
        items,
        held,
        shop_vectors,
        embed_texts(text_map, names),
        closet_vectors=None if closet is None else embed_images(head, closet_input, closet_colours),
        closet_types=closet_types,
    )
    shop["reranked"] = _reranked(args, items, held, shop_vectors)
    bridge_photos, bridge_note = _bridge_photo_vectors(args.bridge_checkpoint, emb, garment_version)
    baseline = retrieval_scores(
        items,
        held,
        emb,
        names if bridge_photos is not None else None,
        bridge_photos,
        closet_vectors=closet,
        closet_types=closet_types,
    )
    return {
        "task": "retrieval",
        "split": f"{SPLIT_RULE}; queries and gallery are the held-out products of --data",
        "closet_split": f"{CLOSET_SPLIT_RULE}; gallery = all products of --data" if args.queries else None,
        **shop,
        "baseline": {"what": f"raw 1280-d garment embedding, cosine; text: {bridge_note}", **baseline},
        "model_version": meta["model_version"],
        "garment_model_version": garment_version,
        "seconds": round(time.time() - t0, 1),
    }


def _reranked(args: argparse.Namespace, items: list[Product], held: np.ndarray, vectors: np.ndarray) -> dict | None:
    """Product->product recall with the attribute re-rank of ``ml.shop.rerank`` (the shop's "similar products"
    when the catalogue does not declare type and colour): held-out against held-out, and against the catalogue."""
    from ml.attributes.checkpoint import load_checkpoint as load_attributes
    from ml.attributes.model import predict_probabilities
    from ml.shop.rerank import (
        HEADS,
        RERANK_CANDIDATES,
        RERANK_FLOOR,
        RERANK_PROMOTE,
        RERANK_WEIGHT,
        reranked_recall,
        top_k_rows,
    )

    if args.attributes_checkpoint == "none" or not Path(args.attributes_checkpoint).exists():
        return None
    paths = [p.path for p in items]
    feats, features_version = image_embeddings(paths, args.features_checkpoint, args.threads)
    model, config, _ = load_attributes(args.attributes_checkpoint, garment_model_version=features_version)
    colours = colour_features(paths, "studio", config.colour_bins) if config.colour_bins else None
    probs = {h: top_k_rows(p) for h, p in predict_probabilities(model, feats, colours).items() if h in HEADS}
    h = np.flatnonzero(held)
    labels = [p.label for p in items]
    heldout = reranked_recall(vectors[h], {k: v[h] for k, v in probs.items()}, [labels[i] for i in h])
    catalogue = reranked_recall(vectors, probs, labels, queries=h)
    return {
        "what": f"{RERANK_PROMOTE} of the nearest {RERANK_CANDIDATES} promoted greedily, each by cosine + "
        f"{RERANK_WEIGHT} x the probability it adds that some promoted product shares the query's type and "
        f"colour (floor {RERANK_FLOOR}), then cosine order (attribute heads' top 3, over all article types)",
        **heldout,
        **{f"catalogue_{k}": v for k, v in catalogue.items()},
    }


def _bridge_photo_vectors(path: str, emb: np.ndarray, garment_version: str) -> tuple[np.ndarray | None, str]:
    """Photos mapped into the MiniLM space by the image->text bridge, when it exists and fits this garment model."""
    from ml.bridge import load_checkpoint as load_bridge

    if not Path(path).exists():
        return None, f"skipped, no {path}"
    bridge, config, _ = load_bridge(path)
    if config.garment_model_version != garment_version:
        return None, f"skipped, {path} was trained on another garment model"
    with torch.inference_mode():
        vectors = bridge(torch.from_numpy(emb)).numpy()
    return vectors, f"image->text bridge {Path(path).name} (photo -> MiniLM space) against the name's MiniLM vector"
