"""Configuration of the outfit grader; it travels inside the checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from ml.outfit.slots import SLOTS


@dataclass
class OutfitConfig:
    text_dim: int = 384  # all-MiniLM-L6-v2 space (item names, or photos through ml.bridge)
    slots: list[str] = field(default_factory=lambda: list(SLOTS))
    extra_dim: int = 16  # per-item features (ml.outfit.features: colour families, pattern)
    # which features fill ``extra``: "" = none, always zeros (checkpoints before they existed)
    extra_features: str = ""
    d_model: int = 64  # type-aware embedding size
    hidden: int = 256  # item MLP width
    dropout: float = 0.2
    input_dropout: float = 0.1
    max_items: int = 8
    text_encoder: str = "all-MiniLM-L6-v2 (ml.text_encoder)"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> OutfitConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
