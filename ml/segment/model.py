"""Garment segmentation: frozen EfficientNet-Lite0 features + a small FPN decoder with a stride-2 photo branch.

``GarmentSegmenter.forward(x)`` takes scaled images (B, 3, S, S) and returns mask logits (B, 1, S/2, S/2).
The backbone is split so training can cache its outputs: ``features(x)`` gives the four tapped maps
(strides 4, 8, 16, 32) and ``decode(feats, x)`` the logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ml.backbone import EfficientNetLite0, load_wheel_state_dict
from ml.segment.config import SegmentConfig


def _conv_bn(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


def _sep_conv_bn(c: int) -> nn.Sequential:
    """Depthwise 3x3 + pointwise 1x1 (cheap on 2 CPU cores)."""
    return nn.Sequential(
        nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c),
        nn.ReLU(inplace=True),
    )


class SegmentDecoder(nn.Module):
    def __init__(self, config: SegmentConfig):
        super().__init__()
        self.config = config
        c = config.fpn_channels
        self.lateral = nn.ModuleList([nn.Conv2d(ch, c, 1) for ch in config.tap_channels])
        self.smooth = nn.ModuleList([_sep_conv_bn(c) for _ in config.tap_channels[:-1]])
        f = config.fine_channels
        self.coarse_head = nn.Conv2d(c, 1, 1)  # logits at stride 4
        if not f:  # no stride-2 branch: the stride-4 logits are upsampled
            return
        self.photo = nn.Sequential(_conv_bn(3, f), _conv_bn(f, f))  # on the photo at stride 2
        self.reduce = nn.Conv2d(c, f, 1)  # to the fine branch's width before upsampling (cheap at stride 2)
        self.fine = nn.Sequential(_conv_bn(2 * f, f), _conv_bn(f, f))
        self.head = nn.Conv2d(f, 1, 1)

    def forward(self, feats: list[torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.lateral[-1](feats[-1])  # (B, c, S/32, S/32)
        for i in range(len(feats) - 2, -1, -1):
            lat = self.lateral[i](feats[i])
            p = self.smooth[i](lat + F.interpolate(p, size=lat.shape[-2:], mode="bilinear", align_corners=False))
        coarse = self.coarse_head(p)  # (B, 1, S/4, S/4)
        half = (x.shape[-2] // 2, x.shape[-1] // 2)
        if not self.config.fine_channels:
            return F.interpolate(coarse, size=half, mode="bilinear", align_corners=False), coarse
        photo = self.photo(F.interpolate(x, size=half, mode="bilinear", align_corners=False, antialias=True))
        up = F.interpolate(self.reduce(p), size=half, mode="bilinear", align_corners=False)
        fine = self.fine(torch.cat([up, photo], 1))
        logits = self.head(fine) + F.interpolate(coarse, size=half, mode="bilinear", align_corners=False)
        return logits, coarse  # (B, 1, S/2, S/2), (B, 1, S/4, S/4)


class GarmentSegmenter(nn.Module):
    def __init__(self, config: SegmentConfig, pretrained: bool = True):
        super().__init__()
        self.config = config
        self.backbone = EfficientNetLite0(num_classes=None, drop_connect_rate=0.0)
        del self.backbone._conv_head, self.backbone._bn1
        if pretrained:
            state = {
                k: v for k, v in load_wheel_state_dict().items() if not k.startswith(("_fc.", "_conv_head", "_bn1"))
            }
            self.backbone.load_state_dict(state, strict=True)
        self.backbone.requires_grad_(False)
        self.decoder = SegmentDecoder(config)

    def train(self, mode: bool = True) -> GarmentSegmenter:
        super().train(mode)
        self.backbone.eval()  # frozen: BatchNorms keep their ImageNet statistics
        return self

    @torch.no_grad()
    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.backbone.tapped(x, self.config.taps)

    def decode(self, feats: list[torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.decoder(feats, x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.features(x), x)[0]
