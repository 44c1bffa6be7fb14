"""Product features: a second tail of EfficientNet-Lite0, fine-tuned on catalogue labels.

The garment category model (ml/garment_category) leaves blocks 0-4 at the ImageNet weights and fine-tunes the
rest for the app's 24 types. This model shares those frozen blocks and fine-tunes its own copy of blocks 5-15
and the conv head on fashion-product-images' labels (article type, base colour, usage, season, gender and the
pattern named in the product's name), so its pooled 1280-d feature knows the shop's 140-odd article types and
its colours, which the category embedding carries poorly. The attribute heads (ml/attributes) read it. The
shop head (ml/shop) stays on the category embedding: trained on this feature instead, its closet photo ->
shop precision@10 fell from 0.849 to 0.648 (the tail never saw a closet photo) and recall@10 went from 0.876
to 0.880 only. The app computes it in the same pass as the category: ``early`` once, two tails.

The checkpoint is a ``GarmentClassifier`` checkpoint (ml/garment_category/checkpoint.py, the delta over the
wheel), whose classifier is the article-type head; ``python -m ml.product_features.train`` writes it.
"""

from ml.product_features.model import PRODUCT_FEATURES_FILE, TwoTails

__all__ = ["PRODUCT_FEATURES_FILE", "TwoTails"]
