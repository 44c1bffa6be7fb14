"""Popularity as a share of each period's items, so that a growing site does not read as a trend.

An item is ``(period, value)``: the period a sortable key (``season_period`` / ``month_period``), the value
a category, colour or cluster, or None when the item has none (it then counts in no period's total for that
dimension). A period is kept when it has at least ``min_period_items(total)`` items: a season of two products
would otherwise swing every share from 0 to 1.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ml.trends.forecast import Backtest, backtest, fit, forecast_naive

SEASONS = ("Spring", "Summer", "Fall", "Winter")  # order within a year
MIN_PERIOD_ITEMS = 3
MIN_PERIOD_FRACTION = 0.005


def season_period(year: int, season: str) -> tuple[int, int] | None:
    """(year, 0..3) for a catalogue year and season ("Fall"; "Autumn" too), None when either is missing."""
    s = (season or "").strip().capitalize()
    s = "Fall" if s == "Autumn" else s
    if not year or s not in SEASONS:
        return None
    return (int(year), SEASONS.index(s))


def month_period(year: int, month: int) -> tuple[int, int]:
    return (int(year), int(month))


def period_label(period: tuple[int, int], kind: str) -> str:
    return f"{period[0]} {SEASONS[period[1]]}" if kind == "season" else f"{period[0]}-{period[1]:02d}"


def next_period(period: tuple[int, int], kind: str) -> tuple[int, int]:
    year, sub = period
    if kind == "season":
        return (year + 1, 0) if sub == 3 else (year, sub + 1)
    return (year + 1, 1) if sub == 12 else (year, sub + 1)


def min_period_items(total: int) -> int:
    return max(MIN_PERIOD_ITEMS, math.ceil(MIN_PERIOD_FRACTION * total))


@dataclass
class Series:
    value: str
    count: int  # items with this value in the kept periods
    shares: list[float]  # one per kept period
    forecast: float  # model, next period
    naive: float  # last value
    backtest: Backtest = field(repr=False)


@dataclass
class ShareTable:
    periods: list[tuple[int, int]]
    period_items: list[int]  # items with a value, per kept period
    series: list[Series]  # most frequent values first
    backtest: Backtest  # pooled over every value, not only the ones shown
    params: dict | None  # the fitted (alpha, beta, phi); None when naive (too few periods)


def share_table(items, *, top: int | None = 8, min_items: int | None = None) -> ShareTable:
    """Shares per period of each value in ``items`` [(period, value)], with forecasts and backtests."""
    items = [(p, v) for p, v in items if p is not None and v not in (None, "")]
    per_period = Counter(p for p, _ in items)
    floor = min_period_items(len(items)) if min_items is None else min_items
    periods = sorted(p for p, n in per_period.items() if n >= floor)
    index = {p: i for i, p in enumerate(periods)}
    totals = Counter(v for p, v in items if p in index)
    values = [v for v, _ in totals.most_common()]
    column = {v: j for j, v in enumerate(values)}
    counts = np.zeros((len(periods), len(values)))  # (P, V)
    for p, v in items:
        if p in index:
            counts[index[p], column[v]] += 1
    period_items = counts.sum(1)  # (P,)
    shares = (counts / np.maximum(period_items, 1)[:, None]).T  # (V, P)
    tested = backtest(shares)
    fitted = fit(shares)
    model = fitted.forecast() if fitted else forecast_naive(shares)
    naive = forecast_naive(shares)
    series = [
        Series(
            v,
            int(totals[v]),
            [round(float(s), 6) for s in shares[j]],
            round(float(model[j]), 6),
            round(float(naive[j]), 6),
            tested.column(j),
        )  # fmt: skip
        for j, v in enumerate(values[:top] if top else values)
    ]
    return ShareTable(
        periods=periods,
        period_items=[int(n) for n in period_items],
        series=series,
        backtest=tested,
        params=fitted.params() if fitted else None,
    )
