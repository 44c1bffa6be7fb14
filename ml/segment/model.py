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
        top = config.tap_channels[-1] * 2 + 2 if config.context else config.tap_channels[-1]  # + mean, x, y
        self.lateral = nn.ModuleList([nn.Conv2d(ch, c, 1) for ch in (*config.tap_channels[:-1], top)])
        self.top = _sep_conv_bn(c) if config.context else nn.Identity()
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
        deepest = feats[-1]  # (B, C, S/32, S/32)
        if self.config.context:
            b, _, h, w = deepest.shape
            mean = deepest.mean((2, 3), keepdim=True).expand_as(deepest)
            ys = torch.linspace(-1, 1, h, device=deepest.device, dtype=deepest.dtype)
            xs = torch.linspace(-1, 1, w, device=deepest.device, dtype=deepest.dtype)
            grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij"))[None].expand(b, 2, h, w)
            deepest = torch.cat([deepest, mean, grid], 1)
        p = self.top(self.lateral[-1](deepest))  # (B, c, S/32, S/32)
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
        if config.tune_from_block:
            if config.tune_from_block != config.taps[-2] + 1:
                raise ValueError("tune_from_block must follow the last tap but one (the cached features feed it)")
            for block in self.backbone._blocks[config.tune_from_block :]:
                block.requires_grad_(True)
        self.decoder = SegmentDecoder(config)

    def train(self, mode: bool = True) -> GarmentSegmenter:
        super().train(mode)
        self.backbone.eval()  # BatchNorms keep their ImageNet statistics, tuned blocks included
        return self

    def tuned_state(self) -> dict[str, torch.Tensor]:
        """The fine-tuned backbone blocks' weights (empty when the backbone is frozen)."""
        if not self.config.tune_from_block:
            return {}
        names = tuple(f"_blocks.{i}." for i in range(self.config.tune_from_block, len(self.backbone._blocks)))
        return {k: v for k, v in self.backbone.state_dict().items() if k.startswith(names)}

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The tapped maps; the frozen part runs without gradients, the tuned blocks (training) with them."""
        if not self.config.tune_from_block:
            with torch.no_grad():
                return self.backbone.tapped(x, self.config.taps)
        with torch.no_grad():
            frozen = self.backbone.tapped(x, self.config.taps[:-1])
        return self.finish(frozen)

    def finish(self, frozen: list[torch.Tensor]) -> list[torch.Tensor]:
        """The frozen taps plus the deepest one, run through the tuned blocks (from cached features in training)."""
        deepest = self.backbone.run_blocks(frozen[-1], self.config.tune_from_block, self.config.taps[-1] + 1)
        return [*frozen, deepest]

    def decode(self, feats: list[torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.decoder(feats, x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.features(x), x)[0]
