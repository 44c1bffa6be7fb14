"""Coarse outfit slots, and how each data source's categories map onto them.

| slot       | app taxonomy group (ml/taxonomy.py) | Maryland Polyvore slot                   | Polyvore coarse category           |
|------------|-------------------------------------|------------------------------------------|------------------------------------|
| top        | tops                                | upper (unless its name says otherwise)   | tops                               |
| bottom     | bottoms                             | bottom                                   | bottoms                            |
| one-piece  | one-pieces                          | upper named dress/gown/jumpsuit/romper.. | all-body                           |
| outerwear  | outerwear                           | upper named coat/jacket/blazer/cardigan..| outerwear                          |
| shoes      | footwear                            | shoe                                     | shoes                              |
| bag        | bags                                | bag                                      | bags                               |
| accessory  | accessories                         | accessory                                | accessories, hats, jewellery, scarves, sunglasses |

Maryland puts dresses and coats in its "upper" slot; the app keeps them apart, so upper items are
refined by whole words of their names (``refine_upper``). Polyvore fine category ids map through
``polyvore_categories.json`` (built from ../shared/data/polyvore/categories.csv).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

SLOTS = ["top", "bottom", "one-piece", "outerwear", "shoes", "bag", "accessory"]

GROUP_SLOT = {
    "tops": "top",
    "bottoms": "bottom",
    "one-pieces": "one-piece",
    "outerwear": "outerwear",
    "footwear": "shoes",
    "bags": "bag",
    "accessories": "accessory",
}

MARYLAND_SLOT = {"upper": "top", "bottom": "bottom", "shoe": "shoes", "bag": "bag", "accessory": "accessory"}

_ONE_PIECE = re.compile(r"\b(dress(es)?|gowns?|jumpsuits?|rompers?|playsuits?|overalls|dungarees)\b")
_OUTERWEAR = re.compile(
    r"\b(coats?|overcoats?|raincoats?|peacoats?|trench|jackets?|blazers?|parkas?|cardigans?|capes?|ponchos?"
    r"|bombers?|anoraks?|windbreakers?|gilets?)\b"
)


def slot_for_category(group: str, fine: str = "") -> str:
    """Slot of an app garment from its taxonomy group (``ml.taxonomy.GROUPS``); ``fine`` is accepted for
    finer rules later, none is needed today."""
    try:
        return GROUP_SLOT[group]
    except KeyError:
        raise ValueError(f"unknown taxonomy group {group!r} (fine {fine!r})") from None


def refine_upper(name: str) -> str:
    """A Maryland "upper" item's slot: one-piece or outerwear when its name says so, else top."""
    name = name.lower()
    if _ONE_PIECE.search(name):
        return "one-piece"
    if _OUTERWEAR.search(name):
        return "outerwear"
    return "top"


def maryland_slot(slot: str, name: str) -> str:
    return refine_upper(name) if slot == "upper" else MARYLAND_SLOT[slot]


@functools.cache
def _polyvore_categories() -> dict[str, str]:
    return json.loads((Path(__file__).with_name("polyvore_categories.json")).read_text())


def polyvore_slot(category_id: int | str, name: str = "") -> str:
    """Slot of a Polyvore item from its fine category id; unknown ids fall back to the item's name."""
    slot = _polyvore_categories().get(str(category_id))
    if slot == "top":
        return refine_upper(name) if name else slot
    return slot or slot_from_name(name)


_NAME_SLOTS = [
    (
        "shoes",
        re.compile(
            r"\b(shoes?|boots?|booties|sneakers?|trainers?|heels?|pumps?|sandals?|loafers?|flats|mules?|espadrilles?|oxfords?|slippers?)\b"
        ),
    ),
    ("bag", re.compile(r"\b(bags?|handbags?|clutch(es)?|totes?|backpacks?|purses?|satchels?|wallets?)\b")),
    ("bottom", re.compile(r"\b(jeans|pants|trousers|shorts|skirts?|leggings|joggers|chinos|culottes)\b")),
    (
        "accessory",
        re.compile(
            r"\b(necklaces?|earrings?|bracelets?|rings?|watch(es)?|sunglasses|hats?|caps?|beanies?|scarf|scarves|belts?|socks|tights|gloves?)\b"
        ),
    ),
]


def slot_from_name(name: str) -> str:
    """Last resort for items without a known category: keyword rules, else top/one-piece/outerwear rules."""
    name = name.lower()
    for slot, pattern in _NAME_SLOTS:
        if pattern.search(name):
            return slot
    return refine_upper(name)
