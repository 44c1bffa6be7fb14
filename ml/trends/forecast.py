"""Next-period forecast of share series, and the rolling-origin backtest that compares it with naive.

The model is damped-trend exponential smoothing (Gardner & McKenzie's damped Holt), in error-correction form:

    f_t = l_{t-1} + phi * b_{t-1}                 one-step forecast
    e_t = y_t - f_t
    l_t = l_{t-1} + phi * b_{t-1} + alpha * e_t   level
    b_t = phi * b_{t-1} + alpha * beta * e_t      trend
    forecast h ahead = l_n + (phi + ... + phi^h) * b_n, clipped to [0, 1] (it is a share)

started at l_0 = y_0, b_0 = y_1 - y_0. One ``(alpha, beta, phi)`` from ``GRID`` serves all the series of a
dimension (every category, or every colour): the one with the least pooled sum of squared one-step errors over
their history (t >= 2; t = 1 only re-fits b_0). Choosing it per series instead over-fits short, noisy series
and lost to naive on fashion-product-images; pooled, it beat naive there (README, "Trends"). The grid holds
phi = 0 (simple exponential smoothing) and alpha = 1, phi = 0 (the naive forecast itself), and phi = 1 (Holt's
linear trend, which continues a straight line exactly). Below ``MIN_FIT`` periods the forecast is naive.

The naive baseline forecasts the last value. ``backtest`` scores both alike: for every origin t from
``MIN_FIT`` to P - 1 it fits on the first t periods only and forecasts period t; an error is
|forecast - share| in share units, pooled over series and origins (``n`` of them) into a mean (MAE).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_FIT = 3
ALPHAS = (0.2, 0.4, 0.6, 0.8, 1.0)
BETAS = (0.1, 0.3, 0.6)
PHIS = (0.0, 0.8, 0.9, 1.0)
GRID = np.array([(a, b, p) for a in ALPHAS for b in BETAS for p in PHIS])  # (C, 3)


def _as_matrix(y) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return y[None] if y.ndim == 1 else y  # (V, P)


def _smooth(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run every parameter set of GRID over Y (V, P): final levels (V, C), trends (V, C), pooled SSE (C,)."""
    alpha, beta, phi = GRID[:, 0], GRID[:, 1], GRID[:, 2]  # (C,)
    level = np.repeat(Y[:, :1], len(GRID), 1)  # (V, C)
    trend = np.repeat(Y[:, 1:2] - Y[:, :1], len(GRID), 1)
    sse = np.zeros(len(GRID))
    for t in range(1, Y.shape[1]):
        err = Y[:, t : t + 1] - (level + phi * trend)  # (V, C)
        if t >= 2:
            sse += (err**2).sum(0)
        level = level + phi * trend + alpha * err
        trend = phi * trend + alpha * beta * err
    return level, trend, sse


@dataclass(frozen=True)
class Fit:
    alpha: float
    beta: float
    phi: float
    level: np.ndarray  # (V,)
    trend: np.ndarray  # (V,)

    def forecast(self, h: int = 1) -> np.ndarray:
        damp = sum(self.phi**i for i in range(1, h + 1))
        return np.clip(self.level + damp * self.trend, 0.0, 1.0)  # (V,)

    def params(self) -> dict:
        return {"alpha": self.alpha, "beta": self.beta, "phi": self.phi}


def fit(Y) -> Fit | None:
    """One damped-trend fit for all rows of Y (V, P) (or one series), or None below ``MIN_FIT`` periods."""
    Y = _as_matrix(Y)
    if Y.shape[1] < MIN_FIT or not len(Y):
        return None
    level, trend, sse = _smooth(Y)
    best = int(np.argmin(sse))  # ties: the first in GRID, i.e. the smallest alpha, beta, phi
    alpha, beta, phi = GRID[best]
    return Fit(float(alpha), float(beta), float(phi), level[:, best], trend[:, best])


def forecast_model(Y, h: int = 1) -> np.ndarray:
    """The model's forecasts (V,) h periods after the end of Y (V, P); naive below ``MIN_FIT`` periods."""
    f = fit(Y)
    return f.forecast(h) if f else forecast_naive(Y)


def forecast_naive(Y) -> np.ndarray:
    Y = _as_matrix(Y)
    return Y[:, -1].copy() if Y.shape[1] else np.zeros(len(Y))  # no period yet: nothing seen, share 0


@dataclass
class Backtest:
    model_errors: np.ndarray  # (origins, V) absolute one-step errors in share units
    naive_errors: np.ndarray

    @property
    def n(self) -> int:
        return int(self.model_errors.size)

    @property
    def model_mae(self) -> float | None:
        return float(self.model_errors.mean()) if self.n else None

    @property
    def naive_mae(self) -> float | None:
        return float(self.naive_errors.mean()) if self.n else None

    def as_dict(self) -> dict:
        def r(v):
            return None if v is None else round(v, 6)

        beats = bool(self.model_mae < self.naive_mae) if self.n else None
        return {"model_mae": r(self.model_mae), "naive_mae": r(self.naive_mae), "n": self.n, "model_beats_naive": beats}

    def column(self, j: int) -> Backtest:
        """The errors of series j alone."""
        return Backtest(self.model_errors[:, j : j + 1], self.naive_errors[:, j : j + 1])

    @classmethod
    def pooled(cls, parts: list[Backtest]) -> Backtest:
        flat = lambda es: np.concatenate([e.ravel() for e in es] or [np.zeros(0)])[:, None]  # noqa: E731
        return cls(flat([p.model_errors for p in parts]), flat([p.naive_errors for p in parts]))


def backtest(Y, min_train: int = MIN_FIT) -> Backtest:
    """Rolling origin over Y (V, P): fit on Y[:, :t], forecast Y[:, t], for t = min_train .. P-1."""
    Y = _as_matrix(Y)
    model, naive = [], []
    for t in range(max(min_train, 1), Y.shape[1]):
        model.append(np.abs(forecast_model(Y[:, :t]) - Y[:, t]))
        naive.append(np.abs(forecast_naive(Y[:, :t]) - Y[:, t]))
    shape = (len(model), len(Y))
    return Backtest(np.array(model).reshape(shape), np.array(naive).reshape(shape))
