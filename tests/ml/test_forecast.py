"""Trend forecasting (ml.trends): damped trend vs naive, the backtest arithmetic, shares, k-means, evaluation."""

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml.trends import evaluate
from ml.trends.cluster import kmeans, kmeans_auto, nearest_members, silhouette
from ml.trends.forecast import Backtest, backtest, fit, forecast_model, forecast_naive
from ml.trends.series import next_period, period_label, season_period, share_table

REPO = Path(__file__).resolve().parents[2]


def test_a_linear_trend_is_extrapolated():
    y = 0.1 + 0.05 * np.arange(6)  # 0.10 .. 0.35
    assert forecast_model(y)[0] == pytest.approx(0.40)
    assert fit(y).phi == 1.0
    assert forecast_model(y, h=2)[0] == pytest.approx(0.45)
    assert forecast_naive(y)[0] == pytest.approx(0.35)


def test_forecasts_stay_shares_and_short_series_fall_back_to_naive():
    falling = 0.3 - 0.1 * np.arange(4)  # 0.3 0.2 0.1 0.0: a straight line would go below zero
    assert forecast_model(falling)[0] == 0.0
    assert forecast_model([0.2, 0.6])[0] == 0.6
    assert fit([0.2, 0.6]) is None


def test_the_backtest_mae_is_the_mean_absolute_one_step_error_from_rolling_origins():
    y = np.array([0.1, 0.3, 0.2, 0.5, 0.4])
    bt = backtest(y)
    assert bt.n == 2  # origins t = 3 and 4: forecasts of y[3] from y[:3], of y[4] from y[:4]
    expected_naive = (abs(0.2 - 0.5) + abs(0.5 - 0.4)) / 2
    assert bt.naive_mae == pytest.approx(expected_naive)
    expected_model = (abs(forecast_model(y[:3])[0] - 0.5) + abs(forecast_model(y[:4])[0] - 0.4)) / 2
    assert bt.model_mae == pytest.approx(expected_model)
    assert bt.as_dict()["model_beats_naive"] == (expected_model < expected_naive)


def test_the_model_beats_naive_on_trending_series():
    rng = np.random.default_rng(0)
    t = np.arange(16)
    rising = 0.05 + 0.02 * t + rng.normal(0, 0.004, 16)
    falling = 0.6 - 0.025 * t + rng.normal(0, 0.004, 16)
    bt = backtest(np.stack([rising, falling]))
    assert bt.n == 26
    assert bt.model_mae < 0.5 * bt.naive_mae


def test_shares_are_of_each_periods_items_so_growth_alone_is_no_trend():
    spring, summer, fall = (2020, 0), (2020, 1), (2020, 2)
    items = [(spring, "shoes")] * 1 + [(spring, "bag")] * 3  # 4 items
    items += [(summer, "shoes")] * 10 + [(summer, "bag")] * 30  # ten times the items, same mix
    items += [(fall, "shoes")] * 30 + [(fall, "bag")] * 10 + [(fall, None)] * 7  # None counts nowhere
    table = share_table(items, min_items=1)
    assert table.periods == [spring, summer, fall] and table.period_items == [4, 40, 40]
    by_value = {s.value: s for s in table.series}
    assert by_value["shoes"].shares == [0.25, 0.25, 0.75]
    assert by_value["bag"].shares == [0.75, 0.75, 0.25]
    assert by_value["bag"].count == 43 and table.series[0].value == "bag"
    assert table.backtest.n == 0  # three periods: no origin left to test


def test_small_periods_are_dropped_and_periods_read_in_season_order():
    assert season_period(2012, "Fall") == (2012, 2) and season_period(2012, "autumn") == (2012, 2)
    assert season_period(None, "Fall") is None and season_period(2012, "") is None
    assert period_label((2012, 3), "season") == "2012 Winter" and next_period((2012, 3), "season") == (2013, 0)
    assert period_label((2026, 3), "month") == "2026-03" and next_period((2026, 12), "month") == (2027, 1)
    items = [((2012, 0), "a")] * 5 + [((2012, 1), "a")] * 2 + [((2012, 2), "b")] * 5
    assert share_table(items).periods == [(2012, 0), (2012, 2)]  # 2 < MIN_PERIOD_ITEMS


def test_kmeans_is_seeded_and_finds_separated_groups():
    rng = np.random.default_rng(1)
    centres = np.eye(8)[:3] * 5
    x = np.concatenate([c + rng.normal(0, 0.1, (20, 8)) for c in centres])
    c1, labels1 = kmeans(x, 3, seed=7)
    c2, labels2 = kmeans(x, 3, seed=7)
    assert (labels1 == labels2).all() and np.allclose(c1, c2)
    for g in range(3):
        assert len(set(labels1[g * 20 : (g + 1) * 20])) == 1
    assert len(set(labels1)) == 3
    near = nearest_members(x, c1, labels1, labels1[0], 4)
    assert len(near) == 4 and all(labels1[i] == labels1[0] for i in near)


def test_pooled_backtest_counts_every_error():
    a = Backtest(np.ones((2, 3)), np.zeros((2, 3)))
    b = Backtest(np.zeros((1, 2)), np.ones((1, 2)))
    pooled = Backtest.pooled([a, b])
    assert pooled.n == 8 and pooled.model_mae == pytest.approx(6 / 8) and pooled.naive_mae == pytest.approx(2 / 8)


def _styles(tmp_path):
    rows = []
    for i, (year, season) in enumerate([(2010, "Summer"), (2010, "Fall"), (2011, "Spring"), (2011, "Summer"),
                                        (2011, "Fall"), (2012, "Winter")]):  # fmt: skip
        for k in range(20):
            shoes = k < 2 + 3 * i  # a rising share of shoes
            rows.append({"id": f"{i}-{k}", "gender": "Men", "masterCategory": "x", "subCategory": "y",
                         "articleType": "Casual Shoes" if shoes else "Tshirts", "baseColour": "Black" if k % 2 else "White",
                         "season": season, "year": str(year), "usage": "Casual", "productDisplayName": "p"})  # fmt: skip
    with open(tmp_path / "styles.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return tmp_path


def test_the_evaluation_prints_model_and_naive_backtest_mae_as_json(tmp_path):
    data = _styles(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "ml.evaluate", "trends", "--data", str(data)],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(out.stdout)
    for key in ("model_mae", "naive_mae", "n", "model_beats_naive", "periods", "category", "colour", "model"):
        assert key in result, key
    assert result["periods"] == ["2010 Summer", "2010 Fall", "2011 Spring", "2011 Summer", "2011 Fall", "2012 Winter"]
    assert result["category"]["n"] == 3 * 2  # origins 3, 4, 5 x {shoes, tshirt}
    assert result["category"]["model_mae"] < result["category"]["naive_mae"]  # the rising share is a line
    assert result["n"] == result["category"]["n"] + result["colour"]["n"]
    again = evaluate.run(argparse.Namespace(data=str(data), min_period_items=None))
    assert again["model_mae"] == result["model_mae"]


def test_the_number_of_clusters_is_the_one_with_the_best_silhouette():
    rng = np.random.default_rng(2)
    x = np.concatenate([c + rng.normal(0, 0.05, (15, 8)) for c in np.eye(8)[:3] * 4])
    centroids, labels = kmeans_auto(x, 8, seed=0)
    assert len(centroids) == 3 and len(set(labels)) == 3
    assert silhouette(x, labels) > 0.8 > silhouette(x, np.arange(len(x)) % 3)


def test_no_kept_period_gives_empty_series_not_an_error():
    assert share_table([]).series == [] and share_table([]).periods == []
    tiny = share_table([((2020, 0), "a"), ((2020, 1), "b")])  # each period below MIN_PERIOD_ITEMS
    assert tiny.periods == [] and tiny.series == [] and tiny.backtest.n == 0
    assert forecast_naive(np.zeros((2, 0))).tolist() == [0.0, 0.0]
