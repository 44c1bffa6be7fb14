"""Aesthetic words for an outfit from its colours, after Kobayashi's colour image scale.

Kobayashi places colours (and colour combinations) on two axes, warm–cool and soft–hard, and names
regions of that plane with image words. Here each palette colour gets a position on the same axes
(x: -1 warm … +1 cool, y: -1 soft … +1 hard), an outfit's position is the share-weighted mean of
its garments' colours, and its words are the anchors nearest to it. Positions are read off the
published scale by eye and rounded; they are a written-down mapping, not a learned model.
"""

import math

# colour name -> (warm..cool, soft..hard)
COLOUR_POSITION: dict[str, tuple[float, float]] = {
    "black": (0.3, 1.0),
    "charcoal": (0.4, 0.8),
    "grey": (0.5, 0.3),
    "light grey": (0.6, -0.3),
    "white": (0.8, -0.5),
    "off-white": (0.2, -0.7),
    "cream": (-0.2, -0.8),
    "beige": (-0.3, -0.5),
    "khaki": (-0.4, 0.0),
    "tan": (-0.5, -0.1),
    "camel": (-0.6, 0.2),
    "brown": (-0.6, 0.6),
    "burgundy": (-0.5, 0.8),
    "red": (-0.9, 0.6),
    "coral": (-0.8, -0.3),
    "orange": (-1.0, 0.3),
    "mustard": (-0.7, 0.2),
    "yellow": (-0.8, -0.1),
    "gold": (-0.7, 0.5),
    "olive": (-0.3, 0.4),
    "green": (0.2, 0.3),
    "dark green": (0.1, 0.8),
    "mint": (0.5, -0.7),
    "teal": (0.6, 0.4),
    "light blue": (0.8, -0.6),
    "denim": (0.7, 0.2),
    "blue": (0.9, 0.4),
    "navy": (0.7, 0.9),
    "lavender": (0.4, -0.8),
    "purple": (0.1, 0.7),
    "pink": (-0.4, -0.6),
    "light pink": (-0.3, -0.9),
    "fuchsia": (-0.5, 0.4),
}

# image word -> its centre on the scale
ANCHORS: dict[str, tuple[float, float]] = {
    "romantic": (-0.2, -0.9),
    "pretty": (-0.6, -0.6),
    "casual": (-0.8, 0.0),
    "dynamic": (-0.9, 0.6),
    "gorgeous": (-0.6, 0.8),
    "wild": (-0.4, 1.0),
    "natural": (-0.4, -0.3),
    "elegant": (0.1, -0.3),
    "classic": (-0.4, 0.6),
    "dandy": (0.0, 0.6),
    "chic": (0.4, 0.1),
    "formal": (0.5, 0.9),
    "modern": (0.8, 0.6),
    "cool casual": (0.8, -0.1),
    "clear": (0.8, -0.7),
}


def outfit_position(colours: list[list[dict]]) -> tuple[float, float] | None:
    """Share-weighted mean position of all garments' colours (each garment's shares sum to <= 1)."""
    x = y = total = 0.0
    for garment in colours:
        for c in garment:
            if c["name"] in COLOUR_POSITION:
                px, py = COLOUR_POSITION[c["name"]]
                x, y, total = x + c["share"] * px, y + c["share"] * py, total + c["share"]
    if total == 0:
        return None
    return x / total, y / total


def aesthetic_words(colours: list[list[dict]], k: int = 3) -> list[str]:
    """The k image words nearest to the outfit's position on the scale."""
    position = outfit_position(colours)
    if position is None:
        return []
    return sorted(ANCHORS, key=lambda w: math.dist(ANCHORS[w], position))[:k]
