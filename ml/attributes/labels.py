"""Labels of the attribute heads, read from fashion-product-images' styles.csv.

``articleType``, ``baseColour``, ``usage``, ``season`` and ``gender`` are columns of styles.csv. Pattern and
sleeve length are not: they are derived from words of ``productDisplayName`` when it has them ("Men Navy
Striped Shirt" -> striped), and a name without such words has no label for that head (never "solid" by
default). A name that names two patterns is left unlabelled, except "floral print", which is floral.

Names say the sleeve length for about 25 products, too few for a head, so closet photos teach it
(``closet_sleeve``): in the clothing-dataset the label of a T-shirt, a polo, a longsleeve, a hoodie or a blazer
says how long its sleeves are, and an undershirt is mostly a tank top (16 of the 19 held-out senders'
undershirts are sleeveless, by eye: ml/attributes/SLEEVE_TESTSET.md). Shirts, dresses, tops and blouses say
nothing: 242 training senders' dresses and tops were labelled by eye instead (sleeve_train_by_eye.json),
and the held-out senders' ones are what the by-eye test set scores.
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

# Colour families, to say how far off the colour head is when it errs (``baseColour_family`` of the evaluation):
# is it a neighbouring shade name ("Navy Blue" for "Blue") or another colour? Written after seeing the validation
# carve's confusions, before any score of it; black and grey stay apart. A value not here is its own family.
COLOUR_FAMILY = {
    **dict.fromkeys(["Black"], "black"),
    **dict.fromkeys(["Grey", "Charcoal", "Grey Melange"], "grey"),
    **dict.fromkeys(["White", "Off White", "Cream"], "white"),
    **dict.fromkeys(["Blue", "Navy Blue", "Turquoise Blue", "Teal"], "blue"),
    **dict.fromkeys(["Red", "Maroon", "Burgundy"], "red"),
    **dict.fromkeys(["Pink", "Magenta", "Rose", "Peach"], "pink"),
    **dict.fromkeys(["Purple", "Lavender", "Mauve"], "purple"),
    **dict.fromkeys(["Green", "Olive", "Sea Green", "Fluorescent Green", "Lime Green"], "green"),
    **dict.fromkeys(["Yellow", "Mustard"], "yellow"),
    **dict.fromkeys(["Orange", "Rust"], "orange"),
    **dict.fromkeys(["Brown", "Coffee Brown", "Mushroom Brown", "Tan", "Taupe"], "brown"),
    **dict.fromkeys(["Beige", "Skin", "Nude", "Khaki"], "beige"),
    **dict.fromkeys(["Silver", "Steel", "Metallic"], "silver"),
    **dict.fromkeys(["Gold", "Bronze", "Copper"], "gold"),
}


def colour_family(value: str) -> str:
    return COLOUR_FAMILY.get(value, value)


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


CLOSET_SLEEVE = {  # clothing-dataset label -> sleeve length; the labels that do not say are absent
    "T-Shirt": "short",
    "Polo": "short",
    "Longsleeve": "long",
    "Hoodie": "long",
    "Blazer": "long",
    "Undershirt": "sleeveless",
}


CLOSET_ARTICLE_TYPE = {  # clothing-dataset label -> the article type a shop would file it under, where one fits
    "T-Shirt": "Tshirts",
    "Polo": "Tshirts",
    "Shirt": "Shirts",
    "Top": "Tops",
    "Hoodie": "Sweatshirts",
    "Dress": "Dresses",
    "Skirt": "Skirts",
    "Shorts": "Shorts",
    "Outwear": "Jackets",
}  # not Pants (jeans or trousers?), Shoes (casual, sports, formal?), Longsleeve, Hat, Undershirt, Blazer, Body


def closet_article_type(source_label: str) -> str:
    """The article type a clothing-dataset label implies, "" when it implies none."""
    return CLOSET_ARTICLE_TYPE.get(source_label, "")


def closet_sleeve(source_label: str) -> str:
    """The sleeve length a clothing-dataset label implies, "" when it implies none."""
    return CLOSET_SLEEVE.get(source_label, "")


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
