"""Configuration of the shop embedding (image head and text map); it travels inside the checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class ShopConfig:
    image_dim: int = 1280  # ml.garment_category embedding (L2-normalised, full photo)
    text_dim: int = 384  # all-MiniLM-L6-v2 (ml.text_encoder)
    hidden_dim: int = 512
    embed_dim: int = 128  # the shop space: unit vectors compared by dot product
    dropout: float = 0.1
    garment_model_version: str = ""  # the garment-category checkpoint whose embeddings it was trained on
    text_model_version: str = ""  # the sentence encoder whose vectors TextToShop maps

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ShopConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
