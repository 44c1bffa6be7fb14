"""The detector's 13 classes (ModaNet's) and how the two real-image sources map onto them.

``ARTICLE_TYPES``: fashion-product-images ``styles.csv`` articleType -> class, for the flat-lay composites.
Chosen by what a garment looks like lying flat, not by how a shop files it: kurtas, tunics, sweaters and
sweatshirts are tops; jumpsuits would be dresses (none are usable here); wallets and pouches are bags
(ModaNet's "bag" is any carried bag). The source has no boots (no "Boots" articleType), so ``boots`` is a
class the detector can name but never learned: its AP is absent from every evaluation here.
Left out: watches, socks, innerwear, jewellery, gloves, gift sets (not ModaNet classes).

``CLOSET_LABELS``: clothing-dataset ``images.csv`` label -> class, for the real single-garment photos
("Body" and "Other" are left out: a bodysuit is neither a top nor a dress in ModaNet's terms).

``APP_CATEGORY``: class -> the app's fine type (``ml.taxonomy.CLASSES``), for a detected garment's first guess.
"""

from __future__ import annotations

from ml.taxonomy import CLASSES as APP_CLASSES

CLASSES = [
    "bag",
    "belt",
    "boots",
    "footwear",
    "outer",
    "dress",
    "sunglasses",
    "pants",
    "top",
    "shorts",
    "skirt",
    "headwear",
    "scarf/tie",
]

ARTICLE_TYPES = {
    **dict.fromkeys(["Tshirts", "Shirts", "Tops", "Sweatshirts", "Sweaters", "Kurtas", "Kurtis", "Tunics"], "top"),
    **dict.fromkeys(["Jackets", "Blazers", "Coats", "Waistcoat", "Shrug", "Tracksuits"], "outer"),
    **dict.fromkeys(["Jeans", "Trousers", "Track Pants", "Leggings", "Capris", "Lounge Pants", "Churidar"], "pants"),
    **dict.fromkeys(["Shorts", "Lounge Shorts"], "shorts"),
    "Skirts": "skirt",
    **dict.fromkeys(["Dresses", "Jumpsuit"], "dress"),
    **dict.fromkeys(
        ["Casual Shoes", "Sports Shoes", "Formal Shoes", "Heels", "Flats", "Sandals", "Sports Sandals", "Flip Flops"],
        "footwear",
    ),
    "Boots": "boots",
    **dict.fromkeys(
        [
            "Handbags",
            "Backpacks",
            "Clutches",
            "Wallets",
            "Laptop Bag",
            "Duffel Bag",
            "Messenger Bag",
            "Mobile Pouch",
            "Waist Pouch",
            "Rucksacks",
        ],
        "bag",
    ),
    "Belts": "belt",
    "Sunglasses": "sunglasses",
    **dict.fromkeys(["Caps", "Hat", "Headband"], "headwear"),
    **dict.fromkeys(["Scarves", "Mufflers", "Stoles", "Ties", "Dupatta"], "scarf/tie"),
}

CLOSET_LABELS = {
    **dict.fromkeys(
        ["T-Shirt", "Longsleeve", "Shirt", "Polo", "Blouse", "Top", "Undershirt", "Hoodie"],
        "top",
    ),
    **dict.fromkeys(["Outwear", "Blazer"], "outer"),
    "Pants": "pants",
    "Shorts": "shorts",
    "Skirt": "skirt",
    "Dress": "dress",
    "Shoes": "footwear",
    "Hat": "headwear",
}

APP_CATEGORY = {
    "bag": "bag",
    "belt": "belt",
    "boots": "shoes",
    "footwear": "shoes",
    "outer": "outerwear",
    "dress": "dress",
    "sunglasses": "sunglasses",
    "pants": "pants",
    "top": "top",
    "shorts": "shorts",
    "skirt": "skirt",
    "headwear": "hat",
    "scarf/tie": "scarf",
}

assert set(APP_CATEGORY) == set(CLASSES) and set(APP_CATEGORY.values()) <= set(APP_CLASSES)
assert set(ARTICLE_TYPES.values()) <= set(CLASSES) and set(CLOSET_LABELS.values()) <= set(CLASSES)
