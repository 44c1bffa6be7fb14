"""Re-rank a product's shop neighbours by how likely each shares its article type and base colour.

The shop embedding ranks by look; the attribute heads (ml/attributes) name the article type and colour.
Two products agree with probability ``P(same type) * P(same colour)``, each the dot product of their
top-k distributions (``ml.attributes.model.predict`` keeps the top 3; a value the shop itself declares
counts as certain). Of the nearest ``RERANK_CANDIDATES`` by cosine, ``RERANK_PROMOTE`` are promoted and every
other product keeps its cosine order behind them. The plain promotion (``rerank``) takes the best by
``cosine + RERANK_WEIGHT * agreement``; promoting many that way fails in a large catalogue: the top 10 fills
with products that share the query's *predicted* type and colour, and when that prediction is wrong none is a
hit (on the validation carve, querying the whole catalogue at weight 4: recall@10 0.851 plain, 0.754
re-ordering all 100, 0.861 promoting 3).

The promotion *covers* (``cover``): each promoted product adds the most probability that some promoted product
shares the query's type and colour, so a query that is 55% navy and 40% blue gets a blue candidate among the
first, not only navy ones; ``RERANK_FLOOR`` keeps a little of every hypothesis uncovered, so that in a catalogue
that declares type and colour (the first pick covers everything) agreeing products still come first.

All settings were chosen on the validation carve of the training products, with a shop head and attribute
heads that never trained on it (``scripts/shop_rerank_weight.py``, its docstring has the rules):
- the weight, with the plain promotion (``rerank``): recall@1 rises with it and flattens (0.480 plain, 0.583 at
  0.3, 0.635 at 2, 0.641 at 4, the largest tried), promoting 3;
- covering (``--covering``), promoting 10 at weight 4: recall@10 0.904 -> 0.929 on the carve and 0.861 -> 0.910
  querying the whole catalogue, recall@1 unchanged (the first pick is the same);
- the floor, 0.02: recall@10 0.925 and 0.906, and a declared catalogue's top 10 holds 6.6 products of the
  query's type and colour on average, against 4.6 without the floor and 5.0 with the plain promotion of 3.
The held-out figures are in ``python -m ml.evaluate retrieval`` (``reranked``).
"""

from __future__ import annotations

import numpy as np

RERANK_WEIGHT = 4.0
RERANK_CANDIDATES = 100
RERANK_PROMOTE = 10
RERANK_FLOOR = 0.02
HEADS = ("articleType", "baseColour")


def distribution(entry: dict | None, declared: str = "") -> dict[str, float]:
    """``{value: probability}`` of one head's entry from ``predict`` (its ``top`` list); a declared value wins.
    Values are compared in lower case, so a shop's "navy blue" meets the model's "Navy Blue"."""
    if declared.strip():
        return {declared.strip().lower(): 1.0}
    if not entry:
        return {}
    top = entry.get("top") or [{"value": entry.get("value"), "confidence": entry.get("confidence", 0.0)}]
    return {t["value"].strip().lower(): float(t["confidence"]) for t in top if t.get("value")}


def rerank(cosine: np.ndarray, agree: np.ndarray, weight: float, promote: int) -> np.ndarray:
    """Order (best first) of candidates with ``cosine`` similarities and ``agree`` agreements, both (K,): the
    ``promote`` best by ``cosine + weight * agree``, then the others by cosine."""
    cosine = np.asarray(cosine, dtype=np.float64)
    first = np.argsort(-(cosine + weight * np.asarray(agree)), kind="stable")[:promote]
    rest = np.argsort(-cosine, kind="stable")
    return np.concatenate([first, rest[~np.isin(rest, first)]]).astype(np.int64)


def cover(
    cosine: np.ndarray, match: np.ndarray, prior: np.ndarray, weight: float, promote: int, floor: float = 0.0
) -> np.ndarray:
    """Order (best first) that promotes ``promote`` candidates greedily, each maximising ``cosine + weight x``
    the probability it adds that *some* promoted candidate shares the query's type and colour; then the others
    by cosine.

    ``prior`` (H,) is the query's probability of each (type, colour) hypothesis and ``match`` (K, H) each
    candidate's probability of having it. The first pick is ``rerank``'s (its gain is the agreement); a later one
    gains only on the hypotheses the earlier picks left uncovered, so when the query's colour is 55% navy and
    40% blue, the second pick can be a blue one instead of a second navy one. ``floor`` keeps that share of
    each hypothesis's mass uncovered for ever, so that once everything is covered (a catalogue that declares
    type and colour: one certain hypothesis, covered by the first pick), products that agree still come before
    those that do not."""
    cosine = np.asarray(cosine, dtype=np.float64)
    left = np.asarray(prior, dtype=np.float64).copy()  # probability mass not yet covered, per hypothesis
    open_ = np.ones(len(cosine), bool)
    first = []
    for _ in range(min(promote, len(cosine))):
        score = np.where(open_, cosine + weight * (match @ left), -np.inf)
        pick = int(np.argmax(score))
        first.append(pick)
        open_[pick] = False
        left = np.maximum(left * (1.0 - match[pick]), floor * prior)
    rest = np.argsort(-cosine, kind="stable")
    return np.concatenate([np.array(first, np.int64), rest[open_[rest]]]).astype(np.int64)


def hypotheses(query: dict[str, dict[str, float]], candidates: list[dict[str, dict[str, float]]]):
    """(match (K, H), prior (H,)) for ``cover`` from ``{head: distribution}`` dicts: the query's hypotheses are
    every combination of its heads' values (heads independent). ``match @ prior`` is each candidate's agreement,
    the probability that it shares every head's value with the query (0 when a head is unknown on either side)."""
    match, prior = np.ones((len(candidates), 1)), np.ones(1)
    for head in HEADS:  # earlier heads vary slowest
        values = list((query.get(head) or {}).items())
        has = np.array([[(d.get(head) or {}).get(v, 0.0) for v, _ in values] for d in candidates]).reshape(
            len(candidates), len(values)
        )
        match = (match[:, :, None] * has[:, None, :]).reshape(len(candidates), match.shape[1] * len(values))
        prior = (prior[:, None] * np.array([p for _, p in values]).reshape(1, -1)).reshape(-1)
    return match, prior


def agreement_matrix(queries: dict[str, np.ndarray], gallery: dict[str, np.ndarray]) -> np.ndarray:
    """(Q, G) agreements (P of sharing every head's value) from per-head probability rows (Q, C) and (G, C)."""
    out = None
    for head in HEADS:
        m = queries[head] @ gallery[head].T
        out = m if out is None else out * m
    return out


def top_k_rows(probs: np.ndarray, k: int = 3) -> np.ndarray:
    """Each row's probabilities kept at its k largest entries (zeros elsewhere), as the app stores them."""
    out = np.zeros_like(probs)
    idx = np.argsort(-probs, axis=1)[:, :k]
    np.put_along_axis(out, idx, np.take_along_axis(probs, idx, 1), 1)
    return out


def reranked_recall(
    vectors: np.ndarray,
    probs: dict[str, np.ndarray],
    labels: list[str],
    weight: float = RERANK_WEIGHT,
    candidates: int = RERANK_CANDIDATES,
    ks: tuple[int, ...] = (1, 10),
    queries: np.ndarray | None = None,
    promote: int = RERANK_PROMOTE,
    covering: bool = True,
    floor: float = RERANK_FLOOR,
) -> dict:
    """Recall@k of the re-ranked neighbours: each query (default: every row) against all other rows; a hit
    shares the query's label; queries whose label no other row has are left out (as ``label_recall``)."""
    ids = {v: i for i, v in enumerate(sorted(set(labels)))}
    y = np.array([ids[v] for v in labels])
    q = np.arange(len(labels)) if queries is None else np.asarray(queries)
    q = q[np.bincount(y)[y[q]] > 1]
    sim = vectors[q] @ vectors.T
    sim[np.arange(len(q)), q] = -np.inf
    k = min(candidates, sim.shape[1] - 1)
    cand = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    cos = np.take_along_axis(sim, cand, 1)
    if covering:  # each query's hypotheses: its heads' nonzero values (the top 3 each, as stored)
        rows = []
        for qi, c, s in zip(q, cand, cos):
            keep = [np.flatnonzero(probs[h][qi]) for h in HEADS]
            grid = np.meshgrid(*keep, indexing="ij")
            prior = np.prod([probs[h][qi][g.ravel()] for h, g in zip(HEADS, grid)], axis=0)
            match = np.prod([probs[h][c][:, g.ravel()] for h, g in zip(HEADS, grid)], axis=0)
            rows.append(c[cover(s, match, prior, weight, promote, floor)[: max(ks)]])
        top = np.stack(rows)
    else:
        near = np.take_along_axis(agreement_matrix({h: p[q] for h, p in probs.items()}, probs), cand, 1)
        top = np.stack([c[rerank(s, a, weight, promote)[: max(ks)]] for c, s, a in zip(cand, cos, near)])
    hit = y[top] == y[q][:, None]
    return {**{f"recall_at_{k}": round(float(hit[:, :k].any(1).mean()), 4) for k in ks}, "n": int(len(q))}
