"""Reading a shopper's search words: "navy linen shirt under 50" -> filters plus the words left for the text model.

Filters are taken only where the words are unambiguous: a colour name, a garment type, a gender, a price
bound ("under 50", "over 20", "20-50", "between 20 and 50", "€30"), "in stock". Everything else
("linen", "for a wedding") stays for the text encoder. The whole query, filters included, is embedded
too, so "navy" also pulls the ranking towards navy even where a product's colour label is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ml.colours import PALETTE

# word(s) -> app categories. Longer phrases are matched first ("t-shirt" before "shirt").
CATEGORY_PHRASES = {
    "t-shirt": ["tshirt"],
    "t-shirts": ["tshirt"],
    "tshirt": ["tshirt"],
    "tshirts": ["tshirt"],
    "tee": ["tshirt"],
    "tees": ["tshirt"],
    "long sleeve": ["longsleeve"],
    "longsleeve": ["longsleeve"],
    "sweater": ["longsleeve"],
    "sweaters": ["longsleeve"],
    "jumper": ["longsleeve"],
    "shirt": ["shirt"],
    "shirts": ["shirt"],
    "polo": ["polo"],
    "polos": ["polo"],
    "blouse": ["blouse"],
    "blouses": ["blouse"],
    "top": ["top"],
    "tops": ["top"],
    "kurta": ["top"],
    "tank": ["undershirt"],
    "vest": ["undershirt"],
    "hoodie": ["hoodie"],
    "hoodies": ["hoodie"],
    "sweatshirt": ["hoodie"],
    "sweatshirts": ["hoodie"],
    "pants": ["pants"],
    "trousers": ["pants"],
    "jeans": ["pants"],
    "chinos": ["pants"],
    "leggings": ["pants"],
    "shorts": ["shorts"],
    "skirt": ["skirt"],
    "skirts": ["skirt"],
    "dress": ["dress"],
    "dresses": ["dress"],
    "jumpsuit": ["bodysuit"],
    "bodysuit": ["bodysuit"],
    "jacket": ["outerwear"],
    "jackets": ["outerwear"],
    "coat": ["outerwear"],
    "coats": ["outerwear"],
    "blazer": ["blazer"],
    "blazers": ["blazer"],
    "shoes": ["shoes"],
    "shoe": ["shoes"],
    "sneakers": ["shoes"],
    "trainers": ["shoes"],
    "heels": ["shoes"],
    "sandals": ["shoes"],
    "boots": ["shoes"],
    "flats": ["shoes"],
    "flip flops": ["shoes"],
    "bag": ["bag"],
    "bags": ["bag"],
    "handbag": ["bag"],
    "backpack": ["bag"],
    "clutch": ["bag"],
    "hat": ["hat"],
    "cap": ["hat"],
    "caps": ["hat"],
    "belt": ["belt"],
    "belts": ["belt"],
    "sunglasses": ["sunglasses"],
    "watch": ["watch"],
    "watches": ["watch"],
    "scarf": ["scarf"],
    "scarves": ["scarf"],
    "tie": ["tie"],
    "ties": ["tie"],
    "socks": ["socks"],
}
GENDER_WORDS = {
    "men": "men",
    "mens": "men",
    "men's": "men",
    "man": "men",
    "male": "men",
    "women": "women",
    "womens": "women",
    "women's": "women",
    "woman": "women",
    "ladies": "women",
    "female": "women",
    "boys": "boys",
    "girls": "girls",
    "kids": "kids",
    "unisex": "unisex",
}
# Colour words a shop label or the photo palette uses; "navy" and "navy blue" both mean navy.
COLOUR_WORDS = sorted(
    {name.lower() for name in PALETTE}
    | {
        "black",
        "white",
        "grey",
        "gray",
        "navy",
        "navy blue",
        "blue",
        "red",
        "green",
        "olive",
        "brown",
        "beige",
        "cream",
        "pink",
        "purple",
        "yellow",
        "orange",
        "maroon",
        "burgundy",
        "khaki",
        "tan",
        "silver",
        "gold",
        "charcoal",
        "teal",
        "turquoise",
        "lavender",
        "mustard",
        "peach",
        "magenta",
        "off white",
        "rust",
        "copper",
        "multi",
    },
    key=lambda w: -len(w),
)
COLOUR_ALIASES = {"gray": "grey", "navy blue": "navy"}
MONEY = r"[$€£]?\s*(\d+(?:[.,]\d{1,2})?)\s*(?:eur|euro|euros|usd|dollars?|gbp|pounds?|inr|rs\.?|[$€£])?"


@dataclass
class ParsedQuery:
    text: str  # the whole query, for the text encoder
    rest: str  # the words no filter took
    categories: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    genders: list[str] = field(default_factory=list)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None

    def filters(self) -> dict:
        return {
            "categories": self.categories,
            "colours": self.colours,
            "genders": self.genders,
            "min_price": None if self.min_price is None else str(self.min_price),
            "max_price": None if self.max_price is None else str(self.max_price),
            "in_stock": self.in_stock,
        }


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def query_parse(query: str) -> ParsedQuery:
    text = " ".join(query.split())
    low = f" {text.lower()} "
    parsed = ParsedQuery(text=text, rest="")

    def take(pattern: str, handle) -> None:
        nonlocal low
        for m in list(re.finditer(pattern, low)):
            handle(m)
        low = re.sub(pattern, " ", low)

    take(rf"\bbetween\s+{MONEY}\s+and\s+{MONEY}", lambda m: _range(parsed, m.group(1), m.group(2)))
    take(rf"(?<![\w-]){MONEY}\s*(?:-|to)\s*{MONEY}(?![\w-])", lambda m: _range(parsed, m.group(1), m.group(2)))
    take(
        rf"\b(?:under|below|less than|cheaper than|max|up to|<)\s*{MONEY}",
        lambda m: setattr(parsed, "max_price", _money(m.group(1))),
    )
    take(
        rf"\b(?:over|above|more than|from|min|>)\s*{MONEY}",
        lambda m: setattr(parsed, "min_price", _money(m.group(1))),
    )
    take(r"\bin[ -]stock\b|\bavailable\b", lambda m: setattr(parsed, "in_stock", True))
    for phrase in sorted(CATEGORY_PHRASES, key=lambda w: -len(w)):
        take(
            rf"(?<![\w-]){re.escape(phrase)}(?![\w-])",
            lambda m, p=phrase: parsed.categories.extend(CATEGORY_PHRASES[p]),
        )
    for word in COLOUR_WORDS:
        take(
            rf"(?<![\w-]){re.escape(word)}(?![\w-])", lambda m, w=word: parsed.colours.append(COLOUR_ALIASES.get(w, w))
        )
    for word, gender in GENDER_WORDS.items():
        take(rf"(?<![\w-]){re.escape(word)}(?![\w-])", lambda m, g=gender: parsed.genders.append(g))
    parsed.categories = list(dict.fromkeys(parsed.categories))
    parsed.colours = list(dict.fromkeys(parsed.colours))
    genders = set(parsed.genders)
    if "kids" in genders:
        genders |= {"boys", "girls"}
    if genders & {"men", "women"}:
        genders.add("unisex")  # unisex products suit both
    parsed.genders = sorted(genders - {"kids"})
    parsed.rest = " ".join(w for w in low.split() if w not in {"for", "a", "an", "the", "in", "with", "and"})
    return parsed


def _range(parsed: ParsedQuery, lo: str, hi: str) -> None:
    a, b = sorted([_money(lo), _money(hi)])
    parsed.min_price, parsed.max_price = a, b
