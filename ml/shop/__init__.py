"""The shop's retrieval embedding: garment photos and typed queries in one 128-d space.

The app holds, per garment or product, the 1280-d garment-category embedding of its full photo and the
colour feature of its garment pixels (ml/shop/colour.py: the cut-out's, or a studio shot's non-white ones)
and, per query, the all-MiniLM-L6-v2 vector of the text; it calls::

    head, text_map, config, meta = load_checkpoint("ml/weights/shop_embedding.pt", garment_model_version=v)
    colours = np.stack([colour_feature(rgb, mask, config.colour_bins) for rgb, mask in photos_and_masks])
    photos = embed_images(head, garment_embeddings, colours)  # (N, 128) unit vectors
    queries = embed_texts(text_map, load_text_encoder().encode(["black leather shoes"]))  # (Q, 128)
    scores = queries @ photos.T  # higher is nearer, for photo->photo and text->photo alike

``config.garment_model_version`` names the garment-category checkpoint the head was trained on; pass the
one in use as ``garment_model_version`` and a mismatch is refused. A checkpoint from before the colour
feature (``config.colour_dim == 0``) reads the embedding alone and ignores colours.
"""

from ml.shop.checkpoint import load_checkpoint, save_checkpoint
from ml.shop.colour import colour_feature, colour_feature_rgba
from ml.shop.config import ShopConfig
from ml.shop.model import ShopEmbedding, ShopHead, TextToShop, embed_images, embed_texts

__all__ = [
    "ShopConfig",
    "ShopEmbedding",
    "ShopHead",
    "TextToShop",
    "colour_feature",
    "colour_feature_rgba",
    "embed_images",
    "embed_texts",
    "load_checkpoint",
    "save_checkpoint",
]
