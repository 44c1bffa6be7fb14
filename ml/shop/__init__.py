"""The shop's retrieval embedding: garment photos and typed queries in one 128-d space.

The app holds, per garment or product, the 1280-d garment-category embedding of its full photo and, per
query, the all-MiniLM-L6-v2 vector of the text; it calls::

    head, text_map, config, meta = load_checkpoint("ml/weights/shop_embedding.pt", garment_model_version=v)
    photos = embed_images(head, garment_embeddings)  # (N, 128) unit vectors
    queries = embed_texts(text_map, load_text_encoder().encode(["black leather shoes"]))  # (Q, 128)
    scores = queries @ photos.T  # higher is nearer, for photo->photo and text->photo alike

``config.garment_model_version`` names the garment-category checkpoint the head was trained on; pass the
one in use as ``garment_model_version`` and a mismatch is refused.
"""

from ml.shop.checkpoint import load_checkpoint, save_checkpoint
from ml.shop.config import ShopConfig
from ml.shop.model import ShopEmbedding, ShopHead, TextToShop, embed_images, embed_texts

__all__ = [
    "ShopConfig",
    "ShopEmbedding",
    "ShopHead",
    "TextToShop",
    "embed_images",
    "embed_texts",
    "load_checkpoint",
    "save_checkpoint",
]
