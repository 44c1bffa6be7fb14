"""Labels of the attribute heads, read from fashion-product-images' styles.csv.

``articleType``, ``baseColour``, ``usage``, ``season`` and ``gender`` are columns of styles.csv. Pattern and
sleeve length are not: they are derived from words of ``productDisplayName`` when it has them ("Men Navy
Striped Shirt" -> striped), and a name without such words has no label for that head (never "solid" by
default). A name that names two patterns is left unlabelled, except "floral print", which is floral.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ml.shop.data import Product

COLUMNS = ("articleType", "baseColour", "usage", "season", "gender")
MISSING = {"", "NA"}  # styles.csv writes "NA" for an unknown usage

PATTERN_WORDS = {  # checked in this order; floral first, so "Floral Print" is floral
    "floral": r"\bfloral\b|\bflower",
    "striped": r"\bstripe[sd]?\b|\bpinstripe",
    "checked": r"\bchecks?\b|\bchecked\b|\bplaid\b|\bgingham\b|\btartan\b",
    "printed": r"\bprint(ed|s)?\b|\bgraphic\b|\bpolka\b",
    "solid": r"\bsolid\b|\bplain\b",
}
SLEEVE_WORDS = {
    "sleeveless": r"\bsleeveless\b",
    "long": r"\b(full|long)[- ]sleeved?s?\b",
    "short": r"\b(half|short|cap)[- ]sleeved?s?\b",
    "three-quarter": r"\b3/4(th)?[- ]sleeved?s?\b|\bthree[- ]quarter[- ]sleeved?s?\b",
}


def _from_words(name: str, words: dict[str, str]) -> str:
    n = name.lower()
    hits = [k for k, pattern in words.items() if re.search(pattern, n)]
    if not hits:
        return ""
    if hits[0] == "floral" or len(hits) == 1:
        return hits[0]
    return ""  # two different patterns named: ambiguous


def pattern_from_name(name: str) -> str:
    """ "striped", "checked", "floral", "printed", "solid", or "" when the name does not say."""
    return _from_words(name, PATTERN_WORDS)


def sleeve_from_name(name: str) -> str:
    """One of sleeveless, short, long, three-quarter; "" when the name does not say."""
    return _from_words(name, SLEEVE_WORDS)


def product_labels(data_dir: str | Path, items: list[Product]) -> dict[str, list[str]]:
    """Per head, one label per item ("" where it has none): the styles.csv columns, then pattern and sleeve."""
    with open(Path(data_dir) / "styles.csv", newline="", encoding="utf-8", errors="replace") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    out = {c: [_clean(rows[p.id].get(c)) for p in items] for c in COLUMNS}
    out["pattern"] = [pattern_from_name(p.name) for p in items]
    out["sleeve"] = [sleeve_from_name(p.name) for p in items]
    return out


def _clean(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value in MISSING else value
