"""Benchmark the catalogue's vector search at scale (issue "The shop", section 6); prints JSON.

    DATABASE_NAME=fashionsite_bench python manage.py migrate
    DATABASE_NAME=fashionsite_bench python manage.py bench_search --n 1000000 > bench.json

The table holds the real product photos' shop vectors (``shop.inference.shop_vectors`` of the
garment-category embeddings of fashion-product-images, as cached by ``ml.bridge.train.image_embeddings``)
plus perturbed copies of them: base + seeded gaussian noise, re-normalised. Every row carries its base
product's category and gender, so filters pass the catalogue's shares of rows; price and stock are seeded
draws. Queries are fresh perturbations of real products, not in the table. Ground truth is the exact
cosine top-k by numpy over all rows, and over the rows passing each filter; a returned row counts
towards recall when it passes the filter and is at least as near as the true k-th (ties are no misses).

Measured, in one run: the load (binary COPY with the HNSW indexes dropped), the index build (the
migration's definition, same name), recall@k / p50 / p95 / QPS of the bare HNSW query per
``hnsw.ef_search``, and of ``shop.selectors.product_search`` itself, unfiltered and under each filter,
against its own exact plan. Beside each, in the same run and right after it (so both see the same load):
the baseline, product_search with its earlier settings (``SAFETY`` 3, ``EF_FACTOR`` 1: ef_search = the
candidates). One connection, queries one after another, caches warm.

It runs only on a database whose catalogue holds nothing but its own rows, and deletes them at the end
unless --keep (then --clean deletes them).
"""

from __future__ import annotations

import csv
import json
import math
import os
import resource
import sys
import threading
import time
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ml.taxonomy import GROUP_OF, OTHER_CATEGORY
from shop import selectors
from shop.models import SHOP_DIM, Product, Shop
from shop.selectors import ProductFilter, product_search

BENCH_SHOP = ("Search benchmark", "search-benchmark")  # name, slug: the only shop whose rows it touches
INDEX_NAME = "product_shop_embedding_hnsw"
BASELINE = {"SAFETY": 3.0, "EF_FACTOR": 1}  # product_search's settings before EF_FACTOR / SAFETY 5
TARGET_RECALL = 0.95
NO_EXACT_CAP = 10**12  # exact_below that sends product_search down its exact plan

# Filters a shopper sets, from nearly everything to a few thousand rows at 1M.
FILTERS = {
    "in_stock": ProductFilter(in_stock=True),
    "women": ProductFilter(genders=["women"]),
    "colour_black": ProductFilter(colours=["black"]),
    "shoes": ProductFilter(categories=["shoes"]),
    "under_20": ProductFilter(max_price=Decimal("20")),
    "men_tshirts_in_stock": ProductFilter(categories=["tshirt"], genders=["men"], in_stock=True),
    "women_dresses_under_30": ProductFilter(categories=["dress"], genders=["women"], max_price=Decimal("30")),
    "sunglasses_in_stock": ProductFilter(categories=["sunglasses"], in_stock=True),
}


@dataclass
class Catalogue:
    """The rows to load, column by column, in table order (row i is external_id str(i))."""

    vectors: np.ndarray  # (N, 128) float32, unit
    base: np.ndarray  # (N,) index of the real product it copies
    category: np.ndarray  # (N,) str
    gender: np.ndarray  # (N,) str
    colour: np.ndarray  # (N,) str, lower case ("" when the shop gave none)
    price_cents: np.ndarray  # (N,) int64
    in_stock: np.ndarray  # (N,) bool

    def mask(self, f: ProductFilter) -> np.ndarray:
        """The rows ``shop.selectors.product_queryset(f)`` passes, for the ground truth."""
        known = {"categories", "groups", "genders", "colours", "min_price", "max_price", "in_stock"}
        unknown = [x.name for x in fields(f) if x.name not in known and getattr(f, x.name)]
        if unknown:
            raise ValueError(f"the benchmark cannot mirror filters on {unknown}")
        m = np.ones(len(self.base), dtype=bool)
        if f.categories:
            m &= np.isin(self.category, f.categories)
        if f.groups:
            m &= np.isin(np.array([GROUP_OF.get(c, OTHER_CATEGORY) for c in self.category]), f.groups)
        if f.genders:
            m &= np.isin(self.gender, f.genders)
        if f.colours:
            m &= np.isin(self.colour, f.colours)
        if f.min_price is not None:
            m &= self.price_cents >= int(f.min_price * 100)
        if f.max_price is not None:
            m &= self.price_cents <= int(f.max_price * 100)
        if f.in_stock is not None:
            m &= self.in_stock == f.in_stock
        return m


@dataclass
class RealProducts:
    vectors: np.ndarray  # (R, 128) float32, unit
    names: list[str]
    article_types: list[str]
    categories: np.ndarray
    genders: np.ndarray
    colours: np.ndarray


class Command(BaseCommand):
    help = "Benchmark catalogue vector search (HNSW and product_search) at up to 1M vectors; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=1_000_000, help="rows in the table")
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument(
            "--filtered-queries",
            type=int,
            default=50,
            help="of the queries, how many run under each filter (each pays product_search's counts)",
        )
        parser.add_argument("--exact-queries", type=int, default=10, help="of the queries, how many run exactly")
        parser.add_argument("--k", type=int, default=10, help="page size and recall@k")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--noise",
            type=float,
            help="length of the gaussian noise added to a unit vector to make a copy or a query (default: the "
            "median distance from a real product to its nearest other product, so copies spread like real ones)",
        )
        parser.add_argument(
            "--source",
            help="a .npy of the real products' embeddings, in ml.bridge.train.product_pairs order: (R, 1280) "
            "garment-category embeddings (mapped by shop_vectors) or (R, 128) shop vectors "
            "(default: ml.bridge.train.image_embeddings over --data, cached under ml/cache)",
        )
        parser.add_argument("--data", default="../shared/data/fashion-product-images")
        parser.add_argument("--garment-checkpoint", default="ml/weights/garment_category.pt")
        parser.add_argument(
            "--ef-search", default="40,64,100,160,250,400,600,1000", help="hnsw.ef_search values to sweep"
        )
        parser.add_argument(
            "--hnsw",
            action="append",
            default=[],
            metavar="M:EF_CONSTRUCTION",
            help="also build and sweep these index settings (repeatable); the migration's is always built last",
        )
        parser.add_argument("--maintenance-work-mem", default="3GB")
        parser.add_argument("--build-workers", type=int, default=1, help="max_parallel_maintenance_workers")
        parser.add_argument("--keep", action="store_true", help="leave the rows (and index) in place")
        parser.add_argument("--clean", action="store_true", help="only delete the rows a --keep run left, and exit")

    def handle(self, **opts):
        t_start, load_start = time.perf_counter(), os.getloadavg()
        self._refuse_a_real_catalogue()
        migration_index = next(i for i in Product._meta.indexes if i.name == INDEX_NAME)
        if opts["clean"]:
            self._clear(self._bench_shop(), recreate=[migration_index])
            Shop.objects.filter(slug=BENCH_SHOP[1]).delete()
            return
        ef_values = sorted({int(x) for x in opts["ef_search"].split(",")})
        shipped_build = (migration_index.m, migration_index.ef_construction)
        builds = [b for b in map(_parse_hnsw, opts["hnsw"]) if b != shipped_build] + [shipped_build]
        k = opts["k"]

        real = self._real_products(opts)
        noise = opts["noise"] if opts["noise"] is not None else _median_nearest_distance(real.vectors, opts["seed"])
        cat, queries, query_base = _synthesise(real, opts["n"], opts["queries"], noise, opts["seed"])
        masks = {name: cat.mask(f) for name, f in FILTERS.items()}
        _log(f"ground truth for {len(queries)} queries over {len(cat.base)} rows")
        t0 = time.perf_counter()
        truth, truth_filtered = _ground_truth(cat.vectors, queries, masks, k)  # {name: Truth}
        ground_truth_s = time.perf_counter() - t0
        nq_filtered = min(opts["filtered_queries"], len(queries))
        nq_exact = min(opts["exact_queries"], len(queries))

        shop = self._bench_shop()
        pg = _Postgres()
        try:
            self._clear(shop)
            load_s, ids = self._load(cat, shop, real)
            t0 = time.perf_counter()
            pg.execute("VACUUM ANALYZE shop_product")
            vacuum_s = time.perf_counter() - t0
            judge = _Judge(cat.vectors, ids, queries)

            index_runs = {}
            for m, ef_construction in builds:
                build = pg.build_index(_hnsw_index(migration_index, m, ef_construction), opts)
                _log(f"index m={m} ef_construction={ef_construction}: {build['index_build_s']:.1f}s")
                _warm_up(queries[:50], max(ef_values), k)
                sweep = {str(ef): _score(_hnsw_query_timer(ef, k), queries, truth, judge) for ef in ef_values}
                build["hnsw_by_ef_search"] = sweep
                build["chosen_ef_search"] = next(
                    (ef for ef in ef_values if sweep[str(ef)][f"recall_at_{k}"] >= TARGET_RECALL), None
                )
                index_runs[f"m={m},ef_construction={ef_construction}"] = build
            shipped = index_runs[f"m={shipped_build[0]},ef_construction={shipped_build[1]}"]
            sweep, chosen = shipped.pop("hnsw_by_ef_search"), shipped.pop("chosen_ef_search")
            shipped["sweep"] = "see unfiltered.hnsw"

            _log("product_search, unfiltered")
            unfiltered = _measure_unfiltered(queries, truth, judge, k, nq_exact, sweep, chosen)
            with _search_settings(**BASELINE):
                unfiltered["product_search_baseline"] = _score(_app_timer(ProductFilter(), k), queries, truth, judge)
            _log("similar products (the product page), beside the plain 8 nearest it replaced")
            similar = _measure_similar(ids, nq_filtered, opts["seed"])
            filtered, exact_filtered, baseline = {}, {}, {}
            for name, f in FILTERS.items():
                _log(f"product_search, filter {name}")
                filtered[name], exact_filtered[name] = _measure_filtered(
                    f, masks[name], queries, truth_filtered[name], judge, k, nq_filtered, nq_exact
                )
                with _search_settings(**BASELINE):
                    baseline[name] = _measure_filtered(
                        f, masks[name], queries, truth_filtered[name], judge, k, nq_filtered, nq_exact=0
                    )[0]

            result = {
                "n": len(cat.base),
                "dim": SHOP_DIM,
                "k": k,
                "queries": len(queries),
                "filtered_queries": nq_filtered,
                "exact_queries": nq_exact,
                "seed": opts["seed"],
                "data": {
                    "real_products": len(real.names),
                    "perturbed_copies": len(cat.base) - min(len(real.names), len(cat.base)),
                    "noise_length": round(noise, 4),
                    "mean_cosine_query_to_its_product": round(
                        float(np.mean(np.sum(queries * real.vectors[query_base], 1))), 4
                    ),
                    "queries": "fresh perturbations of seeded real products, not in the table",
                },
                "load_s": round(load_s, 2),
                "vacuum_analyze_s": round(vacuum_s, 2),
                "ground_truth_numpy_s": round(ground_truth_s, 2),
                "index_build_s": shipped["index_build_s"],
                "index_build_settings": shipped["build_settings"],
                "index_mb": shipped["index_mb"],
                "table_mb": pg.mb("pg_table_size('shop_product')"),
                "memory": {
                    **shipped["build_memory"],
                    "pg_backend_peak_rss_mb": pg.backend_peak_rss_mb(),
                    "bench_process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                },
                "postgres": pg.settings(),
                "host": {"cpus": os.cpu_count(), "loadavg_1m_at_start": round(load_start[0], 2)},
                "index_builds": index_runs,
                "unfiltered": unfiltered,
                "baseline_settings": BASELINE,
                "filtered": filtered,
                "exact_filtered": exact_filtered,
                "filtered_baseline": baseline,
                "similar_products": similar,
                "filtered_vs_baseline": {
                    name: {
                        f"recall_at_{k}": [baseline[name][f"recall_at_{k}"], filtered[name][f"recall_at_{k}"]],
                        "p50_ms": [baseline[name]["p50_ms"], filtered[name]["p50_ms"]],
                        "p95_ms": [baseline[name]["p95_ms"], filtered[name]["p95_ms"]],
                        "p50_speedup": _ratio(baseline[name]["p50_ms"], filtered[name]["p50_ms"]),
                    }
                    for name in FILTERS
                },
            }
        finally:
            if not opts["keep"]:
                _log("deleting the benchmark's rows")
                self._clear(shop, recreate=[migration_index])
                shop.delete()
            pg.close()
        result["host"]["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
        result["wall_s"] = round(time.perf_counter() - t_start, 1)
        self.stdout.write(json.dumps(result, indent=2))

    def _refuse_a_real_catalogue(self) -> None:
        others = Product.objects.exclude(shop__slug=BENCH_SHOP[1]).count()
        if others:
            raise CommandError(
                f"database {connection.settings_dict['NAME']!r} holds {others} products that are not the "
                "benchmark's; it loads and deletes up to millions of rows, so run it on its own database: "
                "DATABASE_NAME=fashionsite_bench python manage.py migrate && "
                "DATABASE_NAME=fashionsite_bench python manage.py bench_search"
            )

    def _bench_shop(self) -> Shop:
        name, slug = BENCH_SHOP
        shop, _ = Shop.objects.get_or_create(slug=slug, defaults={"name": name})
        return shop

    def _real_products(self, opts) -> RealProducts:
        from ml.bridge.train import image_embeddings
        from ml.shop.data import products

        items = products(opts["data"])
        if opts["source"]:
            emb = np.load(opts["source"])
        else:
            _log(f"garment-category embeddings of {len(items)} product photos (cached under ml/cache)")
            emb, _ = image_embeddings([p.path for p in items], opts["garment_checkpoint"], 1)
        if len(emb) != len(items):
            raise CommandError(f"{len(emb)} embeddings for {len(items)} products with a photo in {opts['data']}")
        if emb.shape[1] == SHOP_DIM:
            vectors = emb.astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        else:
            from django.conf import settings

            from shop.inference import shop_vectors

            checkpoint = settings.ML_WEIGHTS_DIR / "shop_embedding.pt"
            if not checkpoint.exists():
                raise CommandError(f"{checkpoint} is missing (python -m ml.shop.train), or pass a (R, 128) --source")
            vectors = shop_vectors(emb)
        with open(Path(opts["data"]) / "styles.csv", newline="", encoding="utf-8", errors="replace") as f:
            gender_of = {r["id"]: r["gender"].lower() for r in csv.DictReader(f)}
        return RealProducts(
            vectors=vectors,
            names=[p.name for p in items],
            article_types=[p.article_type for p in items],
            categories=np.array([p.fine_type for p in items]),
            genders=np.array([gender_of[p.id] for p in items]),
            colours=np.array([p.colour.lower() for p in items]),
        )

    def _clear(self, shop: Shop, recreate=()) -> None:
        """Empty the catalogue of the benchmark's rows; the HNSW indexes are left dropped, or rebuilt empty.

        TRUNCATE where no other row points at a product: a DELETE leaves dead rows that CREATE INDEX still
        has to index while any snapshot in the database predates it (minutes at 200k in one run).
        """
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("LOCK TABLE shop_product IN ACCESS EXCLUSIVE MODE")  # no one adds a product meanwhile
            cur.execute("SELECT count(*) FROM shop_product WHERE shop_id <> %s", [shop.id])
            if others := cur.fetchone()[0]:
                raise CommandError(f"{others} products that are not the benchmark's appeared; nothing deleted")
            cur.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
            truncated = _truncate_if_unreferenced(cur, "shop_product")
            if not truncated:
                cur.execute("DELETE FROM shop_product WHERE shop_id = %s", [shop.id])
        with connection.cursor() as cur:
            if not truncated:
                cur.execute("VACUUM shop_product")
            for index in recreate:
                cur.execute(_create_sql(index))
            cur.execute("ANALYZE shop_product")

    def _load(self, cat: Catalogue, shop: Shop, real: RealProducts) -> tuple[float, np.ndarray]:
        """Binary COPY of every row (the HNSW index is dropped); returns (seconds, product id per row)."""
        from pgvector.psycopg.vector import register_vector_info
        from psycopg.types import TypeInfo

        columns = [
            ("shop_id", "int8"),
            ("external_id", "text"),
            ("title", "text"),
            ("brand", "text"),
            ("price", "numeric"),
            ("currency", "text"),
            ("url", "text"),
            ("gender", "text"),
            ("article_type", "text"),
            ("category", "text"),
            ("category_group", "text"),
            ("category_source", "text"),
            ("base_colour", "text"),
            ("colours", "jsonb"),
            ("colour_terms", "jsonb"),
            ("attributes", "jsonb"),
            ("season", "text"),
            ("usage", "text"),
            ("in_stock", "bool"),
            ("status", "text"),
            ("error", "text"),
            ("shop_embedding", "vector"),
            ("model_version", "text"),
            ("photo_sha256", "text"),
            ("created_at", "timestamptz"),
            ("updated_at", "timestamptz"),
        ]
        n = len(cat.base)
        now = timezone.now()
        _log(f"COPY {n} rows")
        t0 = time.perf_counter()
        connection.ensure_connection()
        raw = connection.connection
        info = TypeInfo.fetch(raw, "vector")
        with raw.cursor() as cur:
            register_vector_info(cur, info)  # on this cursor only: Django's own loaders stay as they are
            sql = f"COPY shop_product ({', '.join(c for c, _ in columns)}) FROM STDIN WITH (FORMAT BINARY)"
            with cur.copy(sql) as copy:
                copy.set_types([t for _, t in columns])
                for i in range(n):
                    b = int(cat.base[i])
                    category, colour = str(cat.category[i]), str(cat.colour[i])
                    copy.write_row(
                        (
                            shop.id,
                            str(i),
                            real.names[b],
                            "",
                            Decimal(int(cat.price_cents[i])).scaleb(-2),
                            "EUR",
                            "",
                            str(cat.gender[i]),
                            real.article_types[b],
                            category,
                            GROUP_OF.get(category, OTHER_CATEGORY),
                            "shop",
                            colour.title(),
                            [],
                            [colour] if colour else [],
                            {},
                            "",
                            "",
                            bool(cat.in_stock[i]),
                            Product.Status.READY.value,
                            "",
                            cat.vectors[i],
                            "bench",
                            "",
                            now,
                            now,
                        )
                    )
                    if i % 100_000 == 0 and i:
                        _log(f"  {i} rows {time.perf_counter() - t0:.0f}s")
            cur.execute("SELECT id, external_id FROM shop_product WHERE shop_id = %s", [shop.id])
            ids = np.zeros(n, dtype=np.int64)
            for pk, ext in cur.fetchall():
                ids[int(ext)] = pk
        return time.perf_counter() - t0, ids


def _truncate_if_unreferenced(cur, table: str) -> bool:
    """TRUNCATE the table with the tables whose foreign keys point at it, if those are all empty."""
    cur.execute(
        "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = %s::regclass AND conrelid <> confrelid",
        [table],
    )
    referencing = [r[0] for r in cur.fetchall()]
    for t in referencing:
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {t})")
        if cur.fetchone()[0]:
            return False
    try:
        with transaction.atomic():  # a savepoint: a table further down the chain refuses, and we DELETE
            cur.execute(f"TRUNCATE {', '.join([table, *referencing])}")
    except DatabaseError:
        return False
    return True


def _measure_unfiltered(queries, truth, judge, k, nq_exact, sweep, chosen) -> dict:
    """The index sweep beside the bare exact scan, and product_search beside its own exact plan."""
    app = _score(_app_timer(ProductFilter(), k), queries, truth, judge)
    app_exact = _score(_app_timer(ProductFilter(), k, exact_below=NO_EXACT_CAP), queries[:nq_exact], truth, judge)
    exact = _score(_exact_query_timer(k), queries[:nq_exact], truth, judge)
    at_chosen = sweep[str(chosen)] if chosen is not None else None
    return {
        "hnsw": sweep,
        "chosen_ef_search": chosen,
        "exact": exact,
        "product_search": app,
        "product_search_exact_plan": app_exact,
        "speedup_vs_exact": {
            "hnsw_at_chosen_ef_search": _ratio(exact["p50_ms"], at_chosen["p50_ms"]) if at_chosen else None,
            "product_search": _ratio(app_exact["p50_ms"], app["p50_ms"]),
        },
    }


def _measure_filtered(f, mask, queries, truth, judge, k, nq_filtered, nq_exact) -> tuple[dict, dict]:
    """product_search under one filter, and the same filter forced down its exact plan."""
    scored = _score(_app_timer(f, k), queries[:nq_filtered], truth, judge)
    exact = _score(_app_timer(f, k, exact_below=NO_EXACT_CAP), queries[:nq_exact], truth, judge) if nq_exact else None
    return {
        "filter": _filter_json(f),
        "rows": int(mask.sum()),
        "share": round(float(mask.mean()), 5),
        **scored,
        "speedup_vs_exact": _ratio(exact["p50_ms"], scored["p50_ms"]) if exact else None,
    }, exact


def _synthesise(real: RealProducts, n: int, n_queries: int, noise: float, seed: int):
    """(catalogue, queries (Q, 128), the real product each query perturbs)."""
    rng = np.random.default_rng(seed)
    r = len(real.names)
    if n <= r:
        base = np.sort(rng.choice(r, n, replace=False))
        vectors = real.vectors[base].copy()
    else:
        base = np.concatenate([np.arange(r), rng.integers(0, r, n - r)])
        vectors = np.empty((n, SHOP_DIM), dtype=np.float32)
        vectors[:r] = real.vectors
        for s in range(r, n, 100_000):
            vectors[s : s + 100_000] = _perturb(real.vectors[base[s : s + 100_000]], noise, rng)
    price_cents = np.round(np.exp(rng.normal(math.log(40.0), 0.8, n)) * 100).astype(np.int64)  # median 40 EUR
    cat = Catalogue(
        vectors=vectors,
        base=base,
        category=real.categories[base],
        gender=real.genders[base],
        colour=real.colours[base],
        price_cents=np.maximum(price_cents, 99),
        in_stock=rng.random(n) < 0.85,
    )
    query_base = rng.integers(0, r, n_queries)
    return cat, _perturb(real.vectors[query_base], noise, rng), query_base


def _median_nearest_distance(vectors: np.ndarray, seed: int, sample: int = 3000) -> float:
    """Median euclidean distance from a real product to its nearest other product (unit vectors)."""
    rows = np.random.default_rng(seed).choice(len(vectors), min(sample, len(vectors)), replace=False)
    sims = vectors[rows] @ vectors.T  # (sample, R)
    sims[np.arange(len(rows)), rows] = -1.0
    return float(np.median(np.sqrt(np.maximum(2 - 2 * sims.max(1), 0))))


def _perturb(v: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors moved by gaussian noise of expected length ``noise``, re-normalised."""
    x = v + rng.standard_normal(v.shape, dtype=np.float32) * np.float32(noise / math.sqrt(v.shape[1]))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@dataclass
class Truth:
    """Per query: how near the true k-th row is, and how many rows a full page holds."""

    k: int
    kth_sim: np.ndarray  # (Q,) float32 cosine similarity of the k-th nearest passing row
    want: np.ndarray  # (Q,) min(k, rows passing)
    mask: np.ndarray | None  # (N,) rows passing the filter; None: all


def _ground_truth(vectors, queries, masks, k, chunk=25) -> tuple[Truth, dict[str, Truth]]:
    """Exact top-k by cosine (vectors are unit) over all rows and over the rows passing each filter."""
    kth = np.zeros(len(queries), dtype=np.float32)
    kth_filtered = {name: np.full(len(queries), -np.inf, dtype=np.float32) for name in masks}
    for s in range(0, len(queries), chunk):
        sims = queries[s : s + chunk] @ vectors.T  # (chunk, N)
        kth[s : s + chunk] = _kth_largest(sims, k)
        for name, m in masks.items():
            if m.any():
                kth_filtered[name][s : s + chunk] = _kth_largest(sims[:, m], k)
    truth = Truth(k, kth, np.full(len(queries), min(k, len(vectors))), None)
    return truth, {
        name: Truth(k, kth_filtered[name], np.full(len(queries), min(k, int(m.sum()))), m) for name, m in masks.items()
    }


def _kth_largest(sims: np.ndarray, k: int) -> np.ndarray:
    k = min(k, sims.shape[1])
    return -np.partition(-sims, k - 1, axis=1)[:, k - 1]


class _Judge:
    """Recall of returned product ids against a Truth, by their numpy vectors."""

    def __init__(self, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray):
        self.vectors, self.queries = vectors, queries
        self.order = np.argsort(ids)
        self.sorted_ids = ids[self.order]

    def recall(self, q: int, returned: list[int], truth: Truth) -> float:
        want = int(truth.want[q])
        if not want:
            return 1.0
        if not returned:
            return 0.0
        pos = np.minimum(np.searchsorted(self.sorted_ids, returned), len(self.sorted_ids) - 1)
        known = self.sorted_ids[pos] == np.asarray(returned)  # a row the bench did not load is a miss
        rows = self.order[pos]
        sims = self.vectors[rows] @ self.queries[q]
        hits = known & (sims >= truth.kth_sim[q] - 1e-5)  # float32 here, float in pgvector
        if truth.mask is not None:
            hits &= truth.mask[rows]
        return min(int(hits.sum()), want) / want


def _literal(v: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in v) + "]"


def _hnsw_query_timer(ef_search: int, k: int):
    """The bare index query at one ef_search: (seconds, ids, plan) per query vector."""

    def run(v):
        with connection.cursor() as cur:
            cur.execute(f"SET hnsw.ef_search = {ef_search}")
            t0 = time.perf_counter()
            cur.execute("SELECT id FROM shop_product ORDER BY shop_embedding <=> %s::vector LIMIT %s", [_literal(v), k])
            ids = [r[0] for r in cur.fetchall()]
            elapsed = time.perf_counter() - t0
            cur.execute("RESET hnsw.ef_search")
        return elapsed, ids, "hnsw"

    return run


def _exact_query_timer(k: int):
    """The bare exact scan: "+ 0" on the distance keeps the planner off the HNSW index."""

    def run(v):
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(
                "SELECT id FROM shop_product ORDER BY (shop_embedding <=> %s::vector) + 0 LIMIT %s", [_literal(v), k]
            )
            ids = [r[0] for r in cur.fetchall()]
            return time.perf_counter() - t0, ids, "exact"

    return run


def _app_timer(f: ProductFilter, k: int, exact_below: int | None = None):
    """shop.selectors.product_search as the app calls it: (seconds, ids, plan) per query vector."""
    extra = {} if exact_below is None else {"exact_below": exact_below}

    def run(v):
        t0 = time.perf_counter()
        page = product_search(vector=v, filters=f, offset=0, limit=k, **extra)
        elapsed = time.perf_counter() - t0
        return elapsed, [p.id for p in page.products], page.plan, page.count, page.count_is_estimate

    return run


def _measure_similar(ids, n: int, seed: int, limit: int = 8) -> dict:
    """Latency of ``selectors.similar_products`` (the product page's 8: the 100 nearest fetched and re-ranked,
    ml.shop.rerank) for ``n`` seeded products of the table, each right after the plain ``product_search`` of
    its 8 nearest that the page ran before (the baseline). The bench rows carry no attributes, so the
    re-rank changes no order here: this times its cost."""
    rng = np.random.default_rng(seed + 1)
    anchors = [int(i) for i in rng.choice(np.asarray(ids), size=min(n, len(ids)), replace=False)]
    plain, reranked = [], []
    for pid in anchors:
        anchor = Product.objects.get(id=pid)
        t0 = time.perf_counter()
        product_search(vector=anchor.shop_embedding, filters=ProductFilter(exclude_ids=[pid]), limit=limit)
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        selectors.similar_products(anchor=anchor, filters=ProductFilter(), limit=limit)
        reranked.append(time.perf_counter() - t0)
    a, b = np.array(plain) * 1000, np.array(reranked) * 1000
    return {
        "anchors": len(anchors),
        "p50_ms": [round(float(np.percentile(a, 50)), 2), round(float(np.percentile(b, 50)), 2)],
        "p95_ms": [round(float(np.percentile(a, 95)), 2), round(float(np.percentile(b, 95)), 2)],
        "order": "[baseline: product_search of the 8 nearest, similar_products]",
        "p50_similar_over_baseline": _ratio(float(np.percentile(b, 50)), float(np.percentile(a, 50))),
    }


def _score(run, queries, truth: Truth, judge: _Judge) -> dict:
    """Recall@k against the exact search, latency percentiles and QPS (one client, sequential)."""
    k = truth.k
    times, recalls, plans, full, counts = [], [], {}, 0, []
    for q, v in enumerate(queries):
        elapsed, ids, plan, *count = run(v)
        times.append(elapsed)
        recalls.append(judge.recall(q, ids, truth))
        plans[plan] = plans.get(plan, 0) + 1
        full += len(ids) >= truth.want[q]
        counts += [count] if count else []
    ms = np.array(times) * 1000
    sizing = {}
    if counts:  # product_search's own idea of the filter's size (an estimate past 50k rows)
        sizing = {
            "count_reported_p50": int(np.median([c for c, _ in counts])),
            "count_is_estimate": round(float(np.mean([e for _, e in counts])), 4),
        }
    return {
        f"recall_at_{k}": round(float(np.mean(recalls)), 4),
        f"min_recall_at_{k}": round(float(np.min(recalls)), 4),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "qps": round(len(ms) / (ms.sum() / 1000), 1),
        "plans": plans,
        "full_pages": round(full / len(ms), 4),
        **sizing,
    }


def _warm_up(queries, ef_search, k) -> None:
    run = _hnsw_query_timer(ef_search, k)
    for v in queries:
        run(v)


class _search_settings:  # noqa: N801 - used as a context manager
    """product_search with other settings for a while (the baseline), restored after."""

    def __init__(self, **settings):
        self.new = settings

    def __enter__(self):
        self.old = {name: getattr(selectors, name) for name in self.new}
        for name, value in self.new.items():
            setattr(selectors, name, value)

    def __exit__(self, *exc):
        for name, value in self.old.items():
            setattr(selectors, name, value)


def _filter_json(f: ProductFilter) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(f).items() if v not in (None, [], "")}


def _hnsw_index(migration_index, m: int, ef_construction: int):
    from pgvector.django import HnswIndex

    return HnswIndex(
        name=migration_index.name,
        fields=migration_index.fields,
        m=m,
        ef_construction=ef_construction,
        opclasses=migration_index.opclasses,
    )


def _create_sql(index) -> str:
    with connection.schema_editor(atomic=False) as editor:
        return str(index.create_sql(Product, editor))


def _parse_hnsw(s: str) -> tuple[int, int]:
    try:
        m, ef_construction = (int(x) for x in s.split(":"))
    except ValueError as exc:
        raise CommandError(f"--hnsw takes M:EF_CONSTRUCTION, not {s!r}") from exc
    return m, ef_construction


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 1) if b else None


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class _Postgres:
    """The bench's side of the server: index builds with memory watched, sizes, settings."""

    def __init__(self):
        import psutil

        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.backend = psutil.Process(cur.fetchone()[0])

    def execute(self, sql: str) -> None:
        with connection.cursor() as cur:
            cur.execute(sql)

    def mb(self, expr: str) -> float:
        with connection.cursor() as cur:
            cur.execute(f"SELECT {expr}")
            return round(cur.fetchone()[0] / 2**20, 1)

    def build_index(self, index, opts) -> dict:
        maintenance_work_mem, workers = opts["maintenance_work_mem"], opts["build_workers"]
        notices: list[str] = []
        raw = connection.connection
        handler = lambda d: notices.append(d.message_primary)  # noqa: E731
        watch = _MemoryWatch(self.backend)
        try:
            with connection.cursor() as cur:
                cur.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
                cur.execute("SET maintenance_work_mem = %s", [maintenance_work_mem])
                cur.execute(f"SET max_parallel_maintenance_workers = {int(workers)}")
                raw.add_notice_handler(handler)
                watch.start()
                t0 = time.perf_counter()
                cur.execute(_create_sql(index))
                seconds = time.perf_counter() - t0
                watch.stop()
                cur.execute("RESET maintenance_work_mem")
                cur.execute("RESET max_parallel_maintenance_workers")
        finally:
            watch.stop()
            raw.remove_notice_handler(handler)
        return {
            "index_build_s": round(seconds, 1),
            "index_mb": self.mb(f"pg_relation_size('{INDEX_NAME}')"),
            "build_settings": {
                "maintenance_work_mem": maintenance_work_mem,
                "max_parallel_maintenance_workers": workers,
            },
            "build_notices": notices,
            "build_memory": {
                "build_backend_peak_rss_mb": watch.peak_mb["backend"],
                "build_parallel_workers_peak_rss_mb": watch.peak_mb["workers"],
            },
        }

    def backend_peak_rss_mb(self) -> float | None:
        """VmHWM of this session's backend: its peak RSS over the whole run (load, build, queries)."""
        try:
            for line in Path(f"/proc/{self.backend.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def settings(self) -> dict:
        names = [
            "server_version",
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "max_parallel_workers_per_gather",
            "jit",
        ]
        with connection.cursor() as cur:
            out = {}
            for name in names:
                cur.execute(f"SHOW {name}")
                out[name] = cur.fetchone()[0]
            cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            out["pgvector"] = cur.fetchone()[0]
        return out

    def close(self) -> None:
        connection.close()


class _MemoryWatch:
    """Polls RSS of a backend and of the parallel workers it starts (they exit with the build)."""

    def __init__(self, backend, interval: float = 0.2):
        self.backend, self.interval = backend, interval
        self.peak_mb = {"backend": 0.0, "workers": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        import psutil

        postmaster = self.backend.parent()
        marker = f"parallel worker for PID {self.backend.pid}"
        while not self._stop.is_set():
            try:
                rss = self.backend.memory_info().rss
                workers = sum(
                    p.memory_info().rss for p in postmaster.children() if marker in " ".join(p.cmdline() or [])
                )
            except psutil.Error:
                rss, workers = 0, 0
            self.peak_mb["backend"] = max(self.peak_mb["backend"], round(rss / 2**20, 1))
            self.peak_mb["workers"] = max(self.peak_mb["workers"], round(workers / 2**20, 1))
            self._stop.wait(self.interval)
