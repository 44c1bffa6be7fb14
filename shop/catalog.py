"""Reading catalogue files: the generic CSV/JSON format and the fashion-product-images layout.

Every reader yields ``(row_number, fields)`` for rows it could read; ``row_validate`` turns one row into a
clean product dict or raises ``RowError`` with a reason a shop manager can act on. Row numbers count the
way a person opens the file: the CSV header is row 1, so the first product is row 2; in JSON the first
object is row 1.

The generic format (CSV with a header, or a JSON list of objects; column names are case-insensitive):

    id, title, images          required; images are paths relative to the image folder, several joined by "|"
    brand, price, currency, url, gender, category, article_type, colour, season, usage, year, in_stock
                               optional; any other column is kept as a product attribute
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ml.taxonomy import CLASSES, LABELS, OTHER_CATEGORY, PRODUCT_CATEGORY

KNOWN = {
    "id",
    "title",
    "images",
    "brand",
    "price",
    "currency",
    "url",
    "gender",
    "category",
    "article_type",
    "colour",
    "season",
    "usage",
    "year",
    "in_stock",
}
ALIASES = {"image": "images", "color": "colour", "name": "title", "stock": "in_stock", "type": "article_type"}
GENDERS = {
    "men": "men",
    "man": "men",
    "male": "men",
    "m": "men",
    "women": "women",
    "woman": "women",
    "female": "women",
    "f": "women",
    "w": "women",
    "unisex": "unisex",
    "boys": "boys",
    "boy": "boys",
    "girls": "girls",
    "girl": "girls",
}
TRUE = {"true", "yes", "y", "1", "in stock", "instock", "available"}
FALSE = {"false", "no", "n", "0", "out of stock", "outofstock", "sold out", "unavailable"}
CATEGORY_WORDS = {**{c: c for c in CLASSES}, **{LABELS[c].lower(): c for c in CLASSES}, OTHER_CATEGORY: OTHER_CATEGORY}
MAX_IMAGES = 8
FPI_GENDER_WORDS = ("Men", "Women", "Boys", "Girls", "Unisex", "Kids")


class RowError(ValueError):
    """One row cannot be imported; the message says why."""


class CatalogUnreadable(ValueError):
    """The whole file cannot be read (not CSV/JSON, no header, no id column)."""


@dataclass
class CatalogSource:
    path: Path  # the CSV/JSON file
    images_dir: Path
    format: str  # csv, json, fashion-product-images


def source_detect(path: str | Path, images_dir: str | Path | None = None) -> CatalogSource:
    """A folder with styles.csv and images/ is the fashion-product-images layout; a file is CSV or JSON."""
    p = Path(path)
    if p.is_dir():
        if (p / "styles.csv").is_file() and (p / "images").is_dir():
            return CatalogSource(p / "styles.csv", Path(images_dir or p / "images"), "fashion-product-images")
        raise CatalogUnreadable(f"{p} is a folder without styles.csv and images/; give a CSV or JSON file instead.")
    if not p.is_file():
        raise CatalogUnreadable(f"{p} does not exist.")
    fmt = "json" if p.suffix.lower() == ".json" else "csv"
    return CatalogSource(p, Path(images_dir) if images_dir else p.parent, fmt)


def rows_read(source: CatalogSource):
    """Yield (row number, {lower-case column: value}) for each row, or raise CatalogUnreadable."""
    if source.format == "json":
        try:
            data = json.loads(source.path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CatalogUnreadable(f"Not valid JSON: {exc}") from exc
        if isinstance(data, dict) and isinstance(data.get("products"), list):
            data = data["products"]
        if not isinstance(data, list):
            raise CatalogUnreadable('JSON must be a list of product objects (or {"products": [...]}).')
        for n, obj in enumerate(data, start=1):
            yield n, _normalise_keys(obj) if isinstance(obj, dict) else None
        return
    try:
        text = source.path.read_text(encoding="utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        text = source.path.read_text(encoding="latin-1")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise CatalogUnreadable("The CSV file is empty: it needs a header row.")
    header = {f.strip().lower() for f in reader.fieldnames if f}
    if source.format == "fashion-product-images":
        if not {"id", "productdisplayname", "articletype"} <= header:
            raise CatalogUnreadable("styles.csv lacks the id, productDisplayName and articleType columns.")
        for n, raw in enumerate(reader, start=2):
            yield n, _fpi_row(_normalise_keys(raw), source.images_dir)
        return
    if "id" not in header:
        raise CatalogUnreadable("The CSV header has no `id` column (see the generic catalogue format).")
    for n, raw in enumerate(reader, start=2):
        yield n, _normalise_keys(raw)


def _normalise_keys(obj: dict) -> dict:
    out = {}
    for k, v in obj.items():
        if k is None:  # a CSV row with more cells than the header
            out["__extra_cells__"] = v
            continue
        key = str(k).strip().lower().replace(" ", "_")
        out[ALIASES.get(key, key)] = v
    return out


def _fpi_row(r: dict, images_dir: Path) -> dict | None:
    """A styles.csv row in the generic field names; None when the layout has no photo for it (skipped)."""
    pid = (r.get("id") or "").strip()
    if not (images_dir / f"{pid}.jpg").is_file():
        return None
    title = (r.get("productdisplayname") or "").strip()
    return {
        "id": pid,
        "title": title,
        "brand": fpi_brand(title),
        "gender": r.get("gender", ""),
        "article_type": r.get("articletype", ""),
        "colour": "" if r.get("basecolour") == "NA" else r.get("basecolour", ""),
        "season": r.get("season", ""),
        "usage": "" if r.get("usage") == "NA" else r.get("usage", ""),
        "year": r.get("year", ""),
        "images": f"{pid}.jpg",
        "master_category": r.get("mastercategory", ""),
        "sub_category": r.get("subcategory", ""),
    }


def fpi_brand(title: str) -> str:
    """fashion-product-images names read "<Brand> <Gender> <Colour> <Type>": the words before the gender word.

    A heuristic: names without a gender word give no brand rather than a guess.
    """
    words = title.split()
    for i, w in enumerate(words):
        if w in FPI_GENDER_WORDS and i > 0:
            return " ".join(words[:i])
    return ""


def _text(row: dict, key: str, limit: int) -> str:
    value = row.get(key)
    value = "" if value is None else str(value).strip()
    if len(value) > limit:
        raise RowError(f"`{key}` is longer than {limit} characters.")
    return value


def row_validate(row: dict | None, images_dir: Path) -> dict:
    """One catalogue row as clean product fields, or RowError with the reason."""
    if row is None:
        raise RowError("The row is not an object.")
    if "__extra_cells__" in row:
        raise RowError("The row has more cells than the header (a comma inside a value needs quotes).")
    pid = _text(row, "id", 100)
    if not pid:
        raise RowError("`id` is missing.")
    title = _text(row, "title", 300)
    if not title:
        raise RowError("`title` is missing.")
    out = {
        "external_id": pid,
        "title": title,
        "brand": _text(row, "brand", 120),
        "url": _text(row, "url", 500),
        "article_type": _text(row, "article_type", 64),
        "base_colour": _text(row, "colour", 40),
        "season": _text(row, "season", 16),
        "usage": _text(row, "usage", 32),
    }
    if out["url"] and not re.match(r"^https?://\S+$", out["url"]):
        raise RowError(f"`url` is not a web address: {out['url']!r}.")
    out["price"] = _price(_text(row, "price", 32))
    currency = _text(row, "currency", 8).upper()
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        raise RowError(f"`currency` must be a three-letter code such as EUR, not {currency!r}.")
    if out["price"] is not None and not currency:
        raise RowError("`price` is given without a `currency`.")
    out["currency"] = currency
    gender = _text(row, "gender", 16).lower()
    if gender and gender not in GENDERS:
        raise RowError(f"`gender` {gender!r} is not one of men, women, unisex, boys, girls.")
    out["gender"] = GENDERS.get(gender, "")
    year = _text(row, "year", 8)
    if year and not (year.isdigit() and 1900 <= int(year) <= 2100):
        raise RowError(f"`year` {year!r} is not a year.")
    out["year"] = int(year) if year else None
    stock = _text(row, "in_stock", 16).lower()
    if stock and stock not in TRUE | FALSE:
        raise RowError(f"`in_stock` {stock!r} is not yes/no.")
    out["in_stock"] = stock not in FALSE
    category = _text(row, "category", 64).lower()
    if category and category not in CATEGORY_WORDS:
        raise RowError(f"`category` {category!r} is not one of the app's categories ({', '.join(CLASSES)}, other).")
    out["category"] = CATEGORY_WORDS.get(category) or PRODUCT_CATEGORY.get(out["article_type"], "")
    out["images"] = _images(_text(row, "images", 2000), images_dir)
    out["attributes"] = {k: str(v) for k, v in row.items() if k not in KNOWN and v not in (None, "")}
    return out


def _price(text: str) -> Decimal | None:
    if not text:
        return None
    cleaned = re.sub(r"[^\d.,-]", "", text)
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 49,90
    cleaned = cleaned.replace(",", "")  # 1,299.00
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise RowError(f"`price` {text!r} is not a number.") from exc
    if value < 0 or value >= Decimal("100000000"):
        raise RowError(f"`price` {text!r} is out of range.")
    return value.quantize(Decimal("0.01"))


def _images(text: str, images_dir: Path) -> list[str]:
    names = [n.strip() for n in text.split("|") if n.strip()]
    if not names:
        raise RowError("`images` is missing: give at least one photo.")
    if len(names) > MAX_IMAGES:
        raise RowError(f"At most {MAX_IMAGES} photos per product.")
    root = images_dir.resolve()
    paths = []
    for name in names:
        p = (images_dir / name).resolve()
        if root not in p.parents:
            raise RowError(f"Photo {name!r} is outside the image folder.")
        if not p.is_file():
            raise RowError(f"Photo {name!r} is not in the image folder.")
        paths.append(str(p))
    return paths
