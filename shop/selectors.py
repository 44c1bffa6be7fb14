"""Catalogue reads: filtered vector search that always fills its page, similar items, owned look-alikes.

pgvector 0.6 (the embedded server's) filters HNSW results only after the index scan, and has no
iterative scan: ``WHERE category = 'dress' ORDER BY embedding <=> q LIMIT 20`` walks the graph for the
40 nearest products of any kind (``hnsw.ef_search``) and keeps the dresses among them, so a selective
filter returns a short page or none. ``product_search`` plans around that from the filter's size:

- no filter, or a filter most products pass: HNSW with ``ef_search`` raised so that the candidates,
  after the filter, still hold the page (candidates = wanted / share passing x 5, at least 100, at most
  1000), tripled while the page is short;
- a filter that leaves fewer than ``exact_below`` products, or needs more than 1000 candidates: an
  exact scan of just the products that pass the filter (the btree indexes find them; distances are
  computed for those rows only), which is both right and fast at that size;
- a filter that only leaves out given products ("similar to X", X excluded): HNSW with just the page plus
  those products as candidates (at least 100), since nothing else is filtered away;
- if the HNSW candidates still fall short of the page, the same query runs exactly.
The index walk keeps ``EF_FACTOR`` times the candidates it returns, so the far end of a long candidate
list is still nearly exact (a selective filter's page comes from that far end). The plan used is returned,
so callers (and tests, and the benchmark) can see it.

A partial HNSW index per category group was tried and measured at 1M rows (``bench_search``): for a query
from outside the group (a shirt's vector under a shoes filter) the group's graph found only 44% of the true
nearest shoes at ef_search 200 and 74% at 1000, against 100% for the exact fallback here, so it was dropped.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Value, prefetch_related_objects
from pgvector.django import CosineDistance

from shop.models import Product

EXACT_BELOW = 5000  # filtered sets smaller than this are scanned exactly
MAX_EF_SEARCH = 1000  # pgvector's upper bound for hnsw.ef_search
MIN_CANDIDATES = 100  # ef_search 40 (the default) gave recall@10 0.93 at 1M vectors, 64-100 gave 0.985
SAFETY = 5.0  # neighbours are not a random sample: a filter's share near the query is often below its average
COUNT_EXACT_BELOW = 50_000
EF_FACTOR = 2  # hnsw.ef_search = EF_FACTOR x candidates (capped at MAX_EF_SEARCH)
OWNED_LIKE_MAX_DISTANCE = 0.44  # shop-space cosine distance of "the same kind of thing"; see garments_like


@dataclass
class ProductFilter:
    categories: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    genders: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    shop: str = ""  # slug
    exclude_ids: list[int] = field(default_factory=list)

    def excludes_only(self) -> bool:
        """True when the filter only leaves out a few given products (no other condition)."""
        return bool(self.exclude_ids) and ProductFilter(**{**self.__dict__, "exclude_ids": []}).is_empty()

    def is_empty(self) -> bool:
        return not (
            self.categories
            or self.groups
            or self.genders
            or self.colours
            or self.min_price is not None
            or self.max_price is not None
            or self.in_stock is not None
            or self.shop
            or self.exclude_ids
        )


@dataclass
class SearchPage:
    products: list[Product]
    count: int  # products passing the filter (all of them are ranked)
    plan: str  # browse, exact, hnsw, hnsw+exact
    count_is_estimate: bool = False


def product_queryset(f: ProductFilter) -> QuerySet[Product]:
    qs = Product.objects.filter(status=Product.Status.READY)
    if f.categories:
        qs = qs.filter(category__in=f.categories)
    if f.groups:
        qs = qs.filter(category_group__in=f.groups)
    if f.genders:
        qs = qs.filter(gender__in=f.genders)
    if f.colours:
        any_colour = Q()
        for c in f.colours:
            any_colour |= Q(colour_terms__contains=[c])
        qs = qs.filter(any_colour)
    if f.min_price is not None:
        qs = qs.filter(price__gte=f.min_price)
    if f.max_price is not None:
        qs = qs.filter(price__lte=f.max_price)
    if f.in_stock is not None:
        qs = qs.filter(in_stock=f.in_stock)
    if f.shop:
        qs = qs.filter(shop__slug=f.shop)
    if f.exclude_ids:
        qs = qs.exclude(id__in=f.exclude_ids)
    return qs


def product_search(
    *,
    vector: np.ndarray | None,
    filters: ProductFilter,
    offset: int = 0,
    limit: int = 20,
    exact_below: int = EXACT_BELOW,
    photos: bool = True,
) -> SearchPage:
    """The page of products passing ``filters``, nearest to ``vector`` first (browse order without one), with
    their photos loaded in one query unless ``photos`` is False."""
    qs = product_queryset(filters)
    count, estimated = _count(qs)
    if vector is None:
        page = list(qs.select_related("shop").order_by("-in_stock", "id")[offset : offset + limit])
        return _page(photos, SearchPage(page, count, "browse", estimated))
    need = offset + limit
    if count == 0 or offset >= count:
        return SearchPage([], count, "exact", estimated)
    if filters.excludes_only():  # "similar to X": every candidate but X passes, so no margin is needed
        candidates = max(MIN_CANDIDATES, need + len(filters.exclude_ids))
    else:
        total = count if filters.is_empty() else _count(Product.objects.filter(shop_embedding__isnull=False))[0]
        share = min(count / max(total, 1), 1.0)
        candidates = max(MIN_CANDIDATES, math.ceil(need / share * SAFETY))
    if count < exact_below or candidates > MAX_EF_SEARCH:
        return _page(photos, SearchPage(_exact(qs, vector, offset, limit), count, "exact", estimated))
    while True:  # widen the candidate pool before giving up on the index
        ids = hnsw_candidates(vector, candidates)
        ranked = list(
            qs.filter(id__in=ids)
            .select_related("shop")
            .annotate(distance=CosineDistance("shop_embedding", vector))
            .order_by("distance", "id")[:need]
        )
        if len(ranked) >= min(need, count):
            return _page(photos, SearchPage(ranked[offset:need], count, "hnsw", estimated))
        if candidates >= MAX_EF_SEARCH:
            return _page(photos, SearchPage(_exact(qs, vector, offset, limit), count, "hnsw+exact", estimated))
        candidates = min(candidates * 3, MAX_EF_SEARCH)


def _page(photos: bool, page: SearchPage) -> SearchPage:
    """The page, with its photos loaded in one query (not one per product tile) when ``photos``."""
    if photos:
        prefetch_related_objects(page.products, "images")
    return page


def attribute_distributions(product: Product) -> dict[str, dict[str, float]]:
    """The product's article type and base colour as ``{value: probability}``: the shop's own column when it
    has one, else the attribute model's top 3 (``attributes["predicted_attributes"]``)."""
    from ml.shop.rerank import distribution

    predicted = (product.attributes or {}).get("predicted_attributes") or {}
    return {
        "articleType": distribution(predicted.get("articleType"), product.article_type),
        "baseColour": distribution(predicted.get("baseColour"), product.base_colour),
    }


def similar_products(*, anchor: Product, filters: ProductFilter, offset: int = 0, limit: int = 20) -> SearchPage:
    """Products like ``anchor`` that pass ``filters``: the nearest ``RERANK_CANDIDATES`` in the shop space,
    re-ranked by how likely they share the anchor's article type and colour (``ml.shop.rerank.cover``; README,
    Shop embedding), then the rest in plain vector order. The re-ranked head is a permutation of the vector
    order's first ``RERANK_CANDIDATES``, and later pages leave those out by id, so no product comes twice."""
    from ml.shop.rerank import RERANK_CANDIDATES, RERANK_FLOOR, RERANK_PROMOTE, RERANK_WEIGHT, cover, hypotheses

    f = ProductFilter(**{**filters.__dict__, "exclude_ids": [*filters.exclude_ids, anchor.id]})
    vector = anchor.shop_embedding
    head = product_search(vector=vector, filters=f, offset=0, limit=RERANK_CANDIDATES, photos=False)
    cosine = np.array([1.0 - float(p.distance) for p in head.products])
    match, prior = hypotheses(attribute_distributions(anchor), [attribute_distributions(p) for p in head.products])
    for p, a in zip(head.products, match @ prior):
        p.agreement = float(a)  # shown with the results ("likely the same type and colour")
    ranked = [head.products[i] for i in cover(cosine, match, prior, RERANK_WEIGHT, RERANK_PROMOTE, RERANK_FLOOR)]
    page = ranked[offset : offset + limit]
    if offset + limit > RERANK_CANDIDATES and len(head.products) == RERANK_CANDIDATES:
        start = max(offset, RERANK_CANDIDATES)
        # the rest leaves the head out by id: a second index walk need not agree with the first on its order
        rest = ProductFilter(**{**f.__dict__, "exclude_ids": [*f.exclude_ids, *(p.id for p in head.products)]})
        page += product_search(
            vector=vector, filters=rest, offset=start - RERANK_CANDIDATES, limit=offset + limit - start, photos=False
        ).products
    return _page(True, SearchPage(page, head.count, f"{head.plan}+rerank", head.count_is_estimate))


def _count(qs: QuerySet) -> tuple[int, bool]:
    """Exact count for up to COUNT_EXACT_BELOW rows; above that the planner's estimate (a count(*) over a
    million-row table costs ~0.7 s here, the estimate ~1 ms). Returns (count, is_estimate)."""
    plan = json.loads(qs.explain(format="json")) if hasattr(qs, "explain") else None
    estimate = int(plan[0]["Plan"]["Plan Rows"]) if plan else 0
    if estimate < COUNT_EXACT_BELOW:
        return qs.count(), False
    return estimate, True


def hnsw_candidates(vector: np.ndarray, k: int) -> list[int]:
    """The k nearest products of any kind by the HNSW index.

    ``hnsw.ef_search`` is EF_FACTOR x k (40 to 1000): with ef_search = k the last of the k are often not
    the true k-th nearest, and a selective filter's page comes from there.
    """
    literal = "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32)) + "]"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL hnsw.ef_search = {int(min(max(k * EF_FACTOR, 40), MAX_EF_SEARCH))}")
        cur.execute(
            "SELECT id FROM shop_product ORDER BY shop_embedding <=> %s::vector LIMIT %s",
            [literal, int(k)],
        )
        return [r[0] for r in cur.fetchall()]


def _exact(qs: QuerySet[Product], vector, offset: int, limit: int) -> list[Product]:
    """Exact ranking of the filtered rows; "+ 0" keeps the planner from the (post-filtering) HNSW index."""
    return list(
        qs.select_related("shop")
        .annotate(distance=CosineDistance("shop_embedding", vector) + Value(0.0))
        .order_by("distance", "id")[offset : offset + limit]
    )


def garments_like(*, owner, vector, limit: int = 3, max_distance: float = OWNED_LIKE_MAX_DISTANCE):
    """The owner's own garments nearest a product in the shop space ("you already own something like this").

    0.44: scripts/owned_like_calibration.py (shop-embedding-v1-0b02e5e3, which reads colour) found a demo
    product's nearest demo garment of the same type at median 0.24 (90th percentile 0.43), and of another
    type never nearer than 0.455.
    """
    from closet.models import Garment

    qs = Garment.objects.filter(owner=owner, considering=False, shop_embedding__isnull=False)
    qs = qs.annotate(distance=CosineDistance("shop_embedding", vector) + Value(0.0)).order_by("distance")
    return [g for g in qs[:limit] if g.distance <= max_distance]
