"""Configuration of the shop embedding (image head and text map); it travels inside the checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class ShopConfig:
    image_dim: int = 1280  # ml.garment_category embedding (L2-normalised, full photo)
    # ml.shop.colour feature of the garment's pixels, appended to the embedding; 0 = none (checkpoints before it)
    colour_dim: int = 0
    colour_bins: tuple[int, ...] = ()  # its (L, a, b) histogram bins; prod(colour_bins) == colour_dim
    colour_weight: float = 1.0  # the unit-norm feature is scaled by this before it joins the unit-norm embedding
    text_dim: int = 384  # all-MiniLM-L6-v2 (ml.text_encoder)
    hidden_dim: int = 512
    embed_dim: int = 128  # the shop space: unit vectors compared by dot product
    dropout: float = 0.1
    garment_model_version: str = ""  # the garment-category checkpoint whose embeddings it was trained on
    # when set, ml.product_features' feature of the same photo follows the embedding (image_dim 2560)
    features_model_version: str = ""
    text_model_version: str = ""  # the sentence encoder whose vectors TextToShop maps

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ShopConfig:
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        if "colour_bins" in d:
            d["colour_bins"] = tuple(int(n) for n in d["colour_bins"])
        return cls(**d)
