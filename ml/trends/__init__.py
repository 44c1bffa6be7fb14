"""Trends: popularity shares over periods, a damped-trend forecast checked against the naive forecast by
rolling-origin backtest, and seeded k-means style clusters. Pure numpy; the app builds the items from its tables."""
