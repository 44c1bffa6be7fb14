"""Configuration of the image->text bridge; it travels inside the checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class BridgeConfig:
    image_dim: int = 1280  # ml.garment_category embedding (L2-normalised)
    hidden_dim: int = 512
    text_dim: int = 384  # all-MiniLM-L6-v2 space (ml.text_encoder)
    dropout: float = 0.1
    garment_model_version: str = ""  # the garment-category checkpoint whose embeddings it was trained on

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> BridgeConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
