"""The app's garment taxonomy: groups a real closet is organised by, and the fine types under them.

The classifier predicts the fine types (``CLASSES``); the group is derived. Source labels from the
two training sets map onto the fine types here, in one place, so training, evaluation and the app agree.
"""

GROUPS = {
    "tops": ["tshirt", "longsleeve", "shirt", "polo", "blouse", "top", "undershirt", "hoodie"],
    "bottoms": ["pants", "shorts", "skirt"],
    "one-pieces": ["dress", "bodysuit"],
    "outerwear": ["outerwear", "blazer"],
    "footwear": ["shoes"],
    "bags": ["bag"],
    "accessories": ["hat", "belt", "sunglasses", "watch", "scarf", "tie", "socks"],
}

CLASSES = [fine for fines in GROUPS.values() for fine in fines]
GROUP_OF = {fine: group for group, fines in GROUPS.items() for fine in fines}

LABELS = {
    "tshirt": "T-shirt",
    "longsleeve": "Long-sleeve top",
    "shirt": "Shirt",
    "polo": "Polo",
    "blouse": "Blouse",
    "top": "Top",
    "undershirt": "Undershirt / tank",
    "hoodie": "Hoodie",
    "pants": "Pants",
    "shorts": "Shorts",
    "skirt": "Skirt",
    "dress": "Dress",
    "bodysuit": "Bodysuit / jumpsuit",
    "outerwear": "Outerwear",
    "blazer": "Blazer",
    "shoes": "Shoes",
    "bag": "Bag",
    "hat": "Hat / cap",
    "belt": "Belt",
    "sunglasses": "Sunglasses",
    "watch": "Watch",
    "scarf": "Scarf",
    "tie": "Tie",
    "socks": "Socks",
}

# clothing-dataset `images.csv` label -> fine type ("Other" is left out of training).
CLOTHING_DATASET = {
    "T-Shirt": "tshirt",
    "Longsleeve": "longsleeve",
    "Shirt": "shirt",
    "Polo": "polo",
    "Blouse": "blouse",
    "Top": "top",
    "Undershirt": "undershirt",
    "Hoodie": "hoodie",
    "Pants": "pants",
    "Shorts": "shorts",
    "Skirt": "skirt",
    "Dress": "dress",
    "Body": "bodysuit",
    "Outwear": "outerwear",
    "Blazer": "blazer",
    "Shoes": "shoes",
    "Hat": "hat",
}

# fashion-product-images `styles.csv` articleType -> fine type, for classes the closet photos lack or
# have few of. Apparel product shots are mostly on a model, unlike closet photos, so only a sample is used.
PRODUCT_ARTICLE_TYPES = {
    "Tshirts": "tshirt",
    "Shirts": "shirt",
    "Tops": "top",
    "Jeans": "pants",
    "Trousers": "pants",
    "Track Pants": "pants",
    "Shorts": "shorts",
    "Skirts": "skirt",
    "Dresses": "dress",
    "Jackets": "outerwear",
    "Blazers": "blazer",
    "Casual Shoes": "shoes",
    "Sports Shoes": "shoes",
    "Formal Shoes": "shoes",
    "Heels": "shoes",
    "Flats": "shoes",
    "Sandals": "shoes",
    "Flip Flops": "shoes",
    "Handbags": "bag",
    "Backpacks": "bag",
    "Clutches": "bag",
    "Laptop Bag": "bag",
    "Duffel Bag": "bag",
    "Messenger Bag": "bag",
    "Caps": "hat",
    "Hat": "hat",
    "Belts": "belt",
    "Sunglasses": "sunglasses",
    "Watches": "watch",
    "Scarves": "scarf",
    "Mufflers": "scarf",
    "Stoles": "scarf",
    "Ties": "tie",
    "Socks": "socks",
}

# The 10 clothing-dataset labels the `garment-category` evaluation reports on, and their fine types.
EVAL_LABELS = {
    "T-Shirt": "tshirt",
    "Longsleeve": "longsleeve",
    "Pants": "pants",
    "Shoes": "shoes",
    "Shirt": "shirt",
    "Dress": "dress",
    "Outwear": "outerwear",
    "Shorts": "shorts",
    "Hat": "hat",
    "Skirt": "skirt",
}

# Every fashion-product-images articleType a shop sells -> the app's fine type, used by the catalogue
# import and by retrieval evaluation ("same category"). A superset of PRODUCT_ARTICLE_TYPES: it also
# places types the classifier never trained on (kurtas, sweaters, ...) at their nearest closet type.
# An articleType missing here (wallets, perfume, underwear, ...) is sold under OTHER_CATEGORY.
OTHER_CATEGORY = "other"
PRODUCT_CATEGORY = {
    **PRODUCT_ARTICLE_TYPES,
    "Kurtas": "top",
    "Kurtis": "top",
    "Tunics": "top",
    "Sweaters": "longsleeve",
    "Sweatshirts": "hoodie",
    "Innerwear Vests": "undershirt",
    "Capris": "pants",
    "Leggings": "pants",
    "Lounge Pants": "pants",
    "Churidar": "pants",
    "Tights": "pants",
    "Lounge Shorts": "shorts",
    "Sarees": "dress",
    "Shrug": "outerwear",
    "Waistcoat": "outerwear",
    "Tracksuits": "outerwear",
    "Sports Sandals": "shoes",
    "Rucksacks": "bag",
    "Mobile Pouch": "bag",
    "Waist Pouch": "bag",
    "Headband": "hat",
    "Dupatta": "scarf",
    "Stockings": "socks",
}
