"""Trend line charts drawn with Pillow as PNG: one line per series, share (%) against period, forecast dashed."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

# Okabe-Ito and friends: distinguishable, also for colour-blind readers
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
MIN_SIZE, MAX_SIZE = (320, 200), (1600, 1000)
DEFAULT_SIZE = (800, 360)


def _dashed(draw: ImageDraw.ImageDraw, a, b, fill, width=2, dash=7, gap=5) -> None:
    (x0, y0), (x1, y1) = a, b
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    pos = 0.0
    while pos < length:
        end = min(pos + dash, length)
        p = (x0 + (x1 - x0) * pos / length, y0 + (y1 - y0) * pos / length)
        q = (x0 + (x1 - x0) * end / length, y0 + (y1 - y0) * end / length)
        draw.line([p, q], fill=fill, width=width)
        pos = end + gap


def line_chart_png(dimension: dict, *, width: int, height: int, title: str = "") -> bytes:
    """The dimension's series (report format) as a PNG of exactly width x height."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    periods = list(dimension.get("periods") or [])
    series = list(dimension.get("series") or [])
    legend_w = min(200, width // 4)
    left, right, top, bottom = 48, width - legend_w - 10, 28, height - 34
    draw.text((left, 8), title, fill="#222", font=font)
    if not periods or not series:
        draw.text((left, height // 2), "Not enough data yet", fill="#666", font=font)
        return _png(image)
    peak = max([max(s["shares"]) for s in series] + [s["forecast"] for s in series] + [0.01])
    step = next(st for st in (0.025, 0.05, 0.1, 0.15, 0.2, 0.25) if peak * 1.05 <= 4 * st) if peak * 1.05 <= 1 else 0.25
    ymax = 4 * step  # four gridlines at round percentages
    slots = len(periods) + 1  # the last slot is the forecast's period
    x_at = lambda i: left + (right - left) * (i / max(slots - 1, 1))  # noqa: E731
    y_at = lambda v: bottom - (bottom - top) * (v / ymax)  # noqa: E731

    for k in range(5):  # grid and y labels
        v = ymax * k / 4
        draw.line([(left, y_at(v)), (right, y_at(v))], fill="#e6e6e6")
        draw.text((4, y_at(v) - 6), f"{100 * v:g}%", fill="#555", font=font)
    draw.line([(left, top), (left, bottom), (right, bottom)], fill="#888")
    labels = [*periods, dimension.get("next_period") or "next"]
    step = max(1, int(len(labels) * 70 / max(right - left, 1)) + 1)
    for i, label in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            draw.text((x_at(i) - 18, bottom + 6), str(label), fill="#333" if i < len(periods) else "#888", font=font)
    _dashed(draw, (x_at(len(periods)), top), (x_at(len(periods)), bottom), fill="#cccccc", width=1, dash=3, gap=4)

    for n, s in enumerate(series):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        points = [(x_at(i), y_at(v)) for i, v in enumerate(s["shares"])]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2, joint="curve")
        for x, y in points:
            draw.ellipse([x - 2.5, y - 2.5, x + 2.5, y + 2.5], fill=colour)
        fx, fy = x_at(len(periods)), y_at(s["forecast"])
        _dashed(draw, points[-1], (fx, fy), fill=colour)
        draw.ellipse([fx - 3, fy - 3, fx + 3, fy + 3], outline=colour, width=2)
        ly = top + 16 * n
        draw.line([(right + 12, ly + 6), (right + 30, ly + 6)], fill=colour, width=3)
        draw.text((right + 36, ly), str(s["label"])[:24], fill="#222", font=font)
    ly = top + 16 * len(series) + 6
    _dashed(draw, (right + 12, ly + 6), (right + 30, ly + 6), fill="#555")
    draw.text((right + 36, ly), "forecast", fill="#555", font=font)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return buf.getvalue()
