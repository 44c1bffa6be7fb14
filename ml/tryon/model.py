"""CAGAN (Jetchev & Bergmann 2017): a U-Net generator that paints a new article onto a person, and a
PatchGAN discriminator on (person, article) pairs.

Images are (B, 3, H, W) in [-1, 1]. The generator sees the person x_i, the article y_i they wear and the
new article y_j stacked on channels, and outputs a mask α in [0, 1] and an image x̃; the try-on is
``composite(α, x̃, x_i) = α·x̃ + (1 − α)·x_i``, so pixels where α is 0 are the person's own.
"""

from __future__ import annotations

import torch
from torch import nn

from ml.tryon.config import TryOnConfig


def composite(alpha: torch.Tensor, painted: torch.Tensor, person: torch.Tensor) -> torch.Tensor:
    """α·x̃ + (1 − α)·x: (B, 1, H, W), (B, 3, H, W), (B, 3, H, W) -> (B, 3, H, W)."""
    return alpha * painted + (1 - alpha) * person


def _down(cin: int, cout: int, norm: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, stride=2, padding=1)]
    if norm:
        layers.append(nn.InstanceNorm2d(cout, affine=True))
    layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


def _up(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.InstanceNorm2d(cout, affine=True),
        nn.ReLU(),
    )


class Generator(nn.Module):
    """U-Net with instance norm, LeakyReLU down, ReLU up, and a skip at every level."""

    def __init__(self, config: TryOnConfig) -> None:
        super().__init__()
        self.config = config
        widths = [config.base_channels * 2**k for k in range(config.depth)]  # e.g. 32, 64, 128, 256
        self.downs = nn.ModuleList()
        cin = 9
        for k, c in enumerate(widths):
            self.downs.append(_down(cin, c, norm=k > 0))
            cin = c
        self.ups = nn.ModuleList()
        for k in reversed(range(config.depth)):
            skip = widths[k - 1] if k > 0 else 9
            cout = widths[k - 1] if k > 0 else config.base_channels
            self.ups.append(_up(cin, cout))
            cin = cout + skip
        self.head = nn.Conv2d(cin, 4, 3, padding=1)

    def forward(
        self, person: torch.Tensor, worn: torch.Tensor, new: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> (result, α, x̃): (B, 3, H, W), (B, 1, H, W), (B, 3, H, W). H and W divisible by 2**depth."""
        h = torch.cat([person, worn, new], 1)  # (B, 9, H, W)
        skips = [h]
        for down in self.downs:
            h = down(h)
            skips.append(h)
        skips.pop()  # the bottleneck itself
        for up in self.ups:
            h = torch.cat([up(h), skips.pop()], 1)
        out = self.head(h)  # (B, 4, H, W)
        alpha = torch.sigmoid(out[:, :1])
        painted = torch.tanh(out[:, 1:])
        return composite(alpha, painted, person), alpha, painted


class Discriminator(nn.Module):
    """PatchGAN on a (person, article) pair: one real/fake logit per ~30 px patch."""

    def __init__(self, config: TryOnConfig) -> None:
        super().__init__()
        c = config.disc_channels
        self.net = nn.Sequential(
            _down(6, c, norm=False),
            _down(c, 2 * c),
            _down(2 * c, 4 * c),
            nn.Conv2d(4 * c, 1, 3, padding=1),
        )

    def forward(self, person: torch.Tensor, article: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([person, article], 1))  # (B, 1, H/8, W/8)
