"""Garment category classifier and image embedding (EfficientNet-Lite0 fine-tuned on closet photos).

The app calls::

    model, config, meta = load_checkpoint("ml/weights/garment_category.pt")
    logits, embedding = model(preprocess(images, config))  # (B, len(config.classes)), (B, 1280)
"""

from ml.garment_category.checkpoint import load_checkpoint, save_checkpoint
from ml.garment_category.config import GarmentCategoryConfig
from ml.garment_category.model import GarmentClassifier
from ml.garment_category.preprocess import preprocess

__all__ = ["GarmentCategoryConfig", "GarmentClassifier", "load_checkpoint", "preprocess", "save_checkpoint"]
