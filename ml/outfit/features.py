"""The grader's per-item ``extra`` vector: colour families (multi-hot) and pattern (one-hot), 16 values.

One mapping serves every source, so training and the app agree:
  Maryland Polyvore items: colour words and pattern words of the item's name;
  app garments: their colour names (``ml.colours.PALETTE``) and ``attributes["pattern"]["value"]``;
  catalogue products: their colour terms, base colour and title words, and their pattern attribute or title.

Layout: ``COLOUR_FAMILIES`` (11) then ``PATTERNS`` (5). A colour family is on when any of the item's colour
words belongs to it; an item whose colour or pattern is unknown has zeros there (never "solid" by default).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import numpy as np

from ml.attributes.labels import pattern_from_name

COLOUR_FAMILIES = (
    "black",
    "white",
    "grey",
    "beige-brown",
    "red-pink",
    "orange-yellow",
    "green",
    "blue",
    "purple",
    "metallic",
    "multi",
)
PATTERNS = ("solid", "striped", "checked", "floral", "printed")
EXTRA_DIM = len(COLOUR_FAMILIES) + len(PATTERNS)
FEATURES = "colour11-pattern5-v1"  # written into OutfitConfig.extra_features of graders trained on them

_FAMILY_WORDS = {
    "black": "black onyx ebony",
    "white": "white ivory cream ecru",
    "grey": "grey gray charcoal melange heather slate",
    "beige-brown": "beige khaki tan camel brown chocolate coffee cognac taupe nude skin sand mocha caramel "
    "mushroom chestnut",
    "red-pink": "red burgundy maroon wine bordeaux crimson scarlet cherry pink coral fuchsia magenta blush "
    "rose rust peach salmon",
    "orange-yellow": "orange yellow mustard lemon ochre amber tangerine apricot",
    "green": "green olive mint teal emerald sage lime jade",
    "blue": "blue navy denim cobalt indigo turquoise aqua azure sky cyan",
    "purple": "purple lavender lilac violet plum mauve aubergine",
    "metallic": "gold golden silver metallic bronze copper steel gunmetal",
    "multi": "multicolor multicolour multicolored multicoloured rainbow colorblock colourblock",
}
WORD_FAMILY = {w: family for family, words in _FAMILY_WORDS.items() for w in words.split()}
_PHRASES = {  # before single words; "multi" alone is too loose ("multi stone ring")
    "rose gold": "metallic",
    "off white": "white",
    "off-white": "white",
    "multi colour": "multi",
    "multi-colour": "multi",
    "multi color": "multi",
    "multi-color": "multi",
}
_TOKEN = re.compile(r"[a-z]+")


def colour_families(words: Iterable[str]) -> set[str]:
    """Families named by free text: item names, palette names ("light blue"), shop labels ("Navy Blue")."""
    out = set()
    for text in words:
        text = (text or "").lower()
        for phrase, family in _PHRASES.items():
            if phrase in text:
                out.add(family)
                text = text.replace(phrase, " ")
        out.update(WORD_FAMILY[t] for t in _TOKEN.findall(text) if t in WORD_FAMILY)
    return out


def item_extra(colour_words: Iterable[str], pattern: str = "") -> np.ndarray:
    """The (EXTRA_DIM,) vector: multi-hot colour families, then the pattern one-hot (zeros if unknown)."""
    v = np.zeros(EXTRA_DIM, np.float32)
    for family in colour_families(colour_words):
        v[COLOUR_FAMILIES.index(family)] = 1.0
    if pattern in PATTERNS:
        v[len(COLOUR_FAMILIES) + PATTERNS.index(pattern)] = 1.0
    return v


def name_extra(name: str) -> np.ndarray:
    """Extra vector of an item known only by its name (Maryland Polyvore items, product titles)."""
    return item_extra([name], pattern_from_name(name))


def garment_extra(colour_names: Iterable[str], attributes: dict | None) -> np.ndarray:
    """A closet garment: its photo's palette colour names and its (predicted or corrected) pattern."""
    return item_extra(colour_names, attribute_value(attributes, "pattern"))


def product_extra(title: str, base_colour: str, colour_terms: Iterable[str], attributes: dict | None) -> np.ndarray:
    """A catalogue product: the shop's words first (title and colour label, as Maryland names are words), the
    photo's colour terms only when those name no colour; pattern from the title, else the model's prediction.
    Cached: complete the look grades thousands of products per request, mostly the same ones."""
    predicted = attribute_value((attributes or {}).get("predicted_attributes"), "pattern")
    return _product_extra(title or "", base_colour or "", tuple(colour_terms or ()), predicted)


@functools.lru_cache(maxsize=65536)
def _product_extra(title: str, base_colour: str, colour_terms: tuple[str, ...], predicted: str) -> np.ndarray:
    colours = [title, base_colour] if colour_families([title, base_colour]) else list(colour_terms)
    v = item_extra(colours, pattern_from_name(title) or predicted)
    v.flags.writeable = False  # shared by every caller
    return v


def attribute_value(attributes: dict | None, key: str) -> str:
    """``attributes[key]["value"]`` of a garment's or product's attributes JSON, or "" (a bare string is
    accepted too)."""
    value = (attributes or {}).get(key)
    if isinstance(value, dict):
        value = value.get("value")
    return value if isinstance(value, str) else ""


def reads_extra(config) -> bool:
    """Whether a grader (its ``OutfitConfig``) was trained on these features; older ones saw only zeros."""
    if not config.extra_features:
        return False
    if config.extra_features != FEATURES or config.extra_dim != EXTRA_DIM:
        raise ValueError(f"grader expects extra features {config.extra_features!r}; this code makes {FEATURES!r}")
    return True
