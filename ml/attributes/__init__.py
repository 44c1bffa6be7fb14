"""Garment attributes beyond category: article type, colour, usage, season, gender fit, pattern.

Small heads on what the app stores per garment or product: the 1280-d product feature (ml/product_features)
of the full photo and the colour feature of its garment pixels (ml/shop/colour.py; a cut-out's mask, or a studio
shot's non-white pixels). The app calls::

    model, config, meta = load_checkpoint("ml/weights/garment_attributes.pt", garment_model_version=v)
    colours = np.stack([colour_feature(rgb, mask, config.colour_bins) for rgb, mask in photos_and_masks])
    predict(model, embeddings, colours)  # [{"usage": {"value": "Casual", "confidence": 0.91, "top": [...]}, ...}]

Each confidence is the head's softmax probability of the value. Trained on fashion-product-images
(``python -m ml.attributes.train``), evaluated by ``python -m ml.evaluate product-attributes``.
"""

from ml.attributes.checkpoint import load_checkpoint, save_checkpoint
from ml.attributes.config import AttributesConfig
from ml.attributes.labels import pattern_from_name, product_labels, sleeve_from_name
from ml.attributes.model import AttributeHeads, predict, predict_probabilities

__all__ = [
    "AttributeHeads",
    "AttributesConfig",
    "load_checkpoint",
    "pattern_from_name",
    "predict",
    "predict_probabilities",
    "product_labels",
    "save_checkpoint",
    "sleeve_from_name",
]
