"""Trend forecasts: damped trend vs naive, rolling-origin backtest MAE of shares on a real catalogue.

``python -m ml.evaluate trends --data DIR`` reads DIR/styles.csv (fashion-product-images: year, season,
articleType, baseColour). Periods are catalogue seasons (year + season); a product counts in its season.
Dimensions, as the app stores them at import: ``category`` (articleType mapped by ml.taxonomy.PRODUCT_CATEGORY,
"other" when unmapped) and ``colour`` (baseColour, lower case); ``article_type`` (raw) as a finer check.
For every value of a dimension the share series over the kept seasons is backtested (ml.trends.forecast);
errors are pooled over all values. ``n`` counts forecasts, ``series`` values, ``periods`` kept seasons.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from ml.taxonomy import OTHER_CATEGORY, PRODUCT_CATEGORY
from ml.trends.forecast import GRID, MIN_FIT, Backtest
from ml.trends.series import min_period_items, period_label, season_period, share_table

MODEL = "damped-trend exponential smoothing, one (alpha, beta, phi) per dimension by pooled in-sample one-step SSE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="fashion-product-images layout: DIR/styles.csv")
    parser.add_argument("--min-period-items", type=int, default=None, help="keep seasons with this many products")


def catalogue_rows(data_dir: str | Path) -> list[dict]:
    with open(Path(data_dir) / "styles.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def run(args: argparse.Namespace) -> dict:
    rows = catalogue_rows(args.data)
    dated = [
        (season_period(int(r["year"]) if (r.get("year") or "").isdigit() else 0, r.get("season")), r) for r in rows
    ]
    dated = [(p, r) for p, r in dated if p]
    floor = args.min_period_items or min_period_items(len(dated))
    values = {
        "category": lambda r: PRODUCT_CATEGORY.get(r.get("articleType", ""), OTHER_CATEGORY),
        "colour": lambda r: (r.get("baseColour") or "").strip().lower() or None,
        "article_type": lambda r: (r.get("articleType") or "").strip() or None,
    }
    out = {"task": "trends", "data": str(args.data), "model": MODEL, "grid_size": len(GRID), "min_train": MIN_FIT,
           "products": len(rows), "products_dated": len(dated), "min_period_items": floor}  # fmt: skip
    pooled = []
    for name, value in values.items():
        table = share_table([(p, value(r)) for p, r in dated], top=None, min_items=floor)
        out.setdefault("periods", [period_label(p, "season") for p in table.periods])
        out.setdefault("period_items", table.period_items)
        out[name] = {**table.backtest.as_dict(), "series": len(table.series), "params": table.params}
        if name != "article_type":
            pooled.append(table.backtest)
    out.update(Backtest.pooled(pooled).as_dict())  # category and colour together: the app's dimensions
    return out
