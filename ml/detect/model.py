"""SSD-style garment detector: a frozen EfficientNet-Lite0 (the garment classifier's) and a small trainable head.

The backbone's maps at strides 16 and 32 feed a two-level top-down FPN; a stride-2 separable conv on the
last adds a stride-64 level. Each level has its own small tower and predicts, per anchor, ``C + 1`` class
logits (0 is background, softmax as in SSD) and 4 box offsets (SSD's centre/size encoding with variances).
The split ``features(x)`` / ``head(feats)`` lets training cache the frozen backbone's maps.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ml.backbone import EfficientNetLite0
from ml.detect.config import DetectorConfig


def _sep_conv_bn(c: int, stride: int = 1) -> nn.Sequential:
    """Depthwise 3x3 + pointwise 1x1 (cheap on 2 CPU cores)."""
    return nn.Sequential(
        nn.Conv2d(c, c, 3, stride=stride, padding=1, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c),
        nn.ReLU(inplace=True),
    )


def backbone_trunk() -> EfficientNetLite0:
    """Lite0 without its conv head (1280) and classifier: the detector only taps the blocks."""
    trunk = EfficientNetLite0(num_classes=None, drop_connect_rate=0.0)
    del trunk._conv_head, trunk._bn1
    return trunk


class DetectionHead(nn.Module):
    def __init__(self, config: DetectorConfig):
        super().__init__()
        c, a, k = config.fpn_channels, config.anchors_per_cell, len(config.classes) + 1
        self.num_logits = k
        self.lateral = nn.ModuleList([nn.Conv2d(ch, c, 1) for ch in config.tap_channels])
        self.smooth = nn.ModuleList([_sep_conv_bn(c) for _ in config.tap_channels[:-1]])
        self.extra = _sep_conv_bn(c, stride=2)
        levels = len(config.tap_channels) + 1
        self.towers = nn.ModuleList([nn.Sequential(_sep_conv_bn(c), _sep_conv_bn(c)) for _ in range(levels)])
        self.cls = nn.ModuleList([nn.Conv2d(c, a * k, 3, padding=1) for _ in range(levels)])
        self.box = nn.ModuleList([nn.Conv2d(c, a * 4, 3, padding=1) for _ in range(levels)])
        for conv in self.cls:  # start with background likely (p(fg) ~ 0.01 each), as RetinaNet does
            nn.init.zeros_(conv.weight)
            bias = conv.bias.view(a, k)
            with torch.no_grad():
                bias.zero_()
                bias[:, 0] = math.log(99.0 * (k - 1))  # softmax p(background) = 0.99
        for conv in self.box:
            nn.init.normal_(conv.weight, std=0.01)
            nn.init.zeros_(conv.bias)

    def forward(self, feats: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.lateral[-1](feats[-1])  # (B, c, S/32, S/32)
        pyramid = [p]
        for i in range(len(feats) - 2, -1, -1):
            lat = self.lateral[i](feats[i])
            p = self.smooth[i](lat + F.interpolate(p, size=lat.shape[-2:], mode="nearest"))
            pyramid.insert(0, p)
        pyramid.append(self.extra(pyramid[-1]))  # (B, c, S/64, S/64)
        logits, deltas = [], []
        for level, f in enumerate(pyramid):
            t = self.towers[level](f)
            b = t.shape[0]
            # (B, A*K, h, w) -> (B, h*w*A, K): anchors ordered row, column, anchor (as make_anchors)
            logits.append(self.cls[level](t).permute(0, 2, 3, 1).reshape(b, -1, self.num_logits))
            deltas.append(self.box[level](t).permute(0, 2, 3, 1).reshape(b, -1, 4))
        return torch.cat(logits, 1), torch.cat(deltas, 1)  # (B, N, C+1), (B, N, 4)


class GarmentDetector(nn.Module):
    def __init__(self, config: DetectorConfig):
        super().__init__()
        self.config = config
        self.backbone = backbone_trunk()
        self.backbone.requires_grad_(False)
        self.head = DetectionHead(config)
        self.register_buffer("anchors", make_anchors(config), persistent=False)

    def train(self, mode: bool = True) -> GarmentDetector:
        super().train(mode)
        self.backbone.eval()  # frozen: BatchNorms keep their statistics
        return self

    @torch.no_grad()
    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.backbone.tapped(x, self.config.taps)  # (B, 112, S/16, S/16), (B, 320, S/32, S/32)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.features(x))


def level_sizes(config: DetectorConfig) -> list[int]:
    s = config.image_size
    sizes = [math.ceil(s / 16), math.ceil(s / 32)]
    return sizes + [math.ceil(sizes[-1] / 2)]


def make_anchors(config: DetectorConfig) -> torch.Tensor:
    """(N, 4) anchors as (cx, cy, w, h) in pixels at image_size, ordered level, row, column, anchor."""
    out = []
    for n, sizes in zip(level_sizes(config), config.anchor_sizes):
        step = config.image_size / n
        shapes = [(s * math.sqrt(r), s / math.sqrt(r)) for s in sizes for r in config.aspect_ratios]
        for i in range(n):
            for j in range(n):
                for w, h in shapes:
                    out.append(((j + 0.5) * step, (i + 0.5) * step, w, h))
    return torch.tensor(out, dtype=torch.float32)


def xyxy_to_cxcywh(b: torch.Tensor) -> torch.Tensor:
    return torch.stack(
        [(b[..., 0] + b[..., 2]) / 2, (b[..., 1] + b[..., 3]) / 2, b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]], -1
    )


def cxcywh_to_xyxy(b: torch.Tensor) -> torch.Tensor:
    return torch.stack(
        [b[..., 0] - b[..., 2] / 2, b[..., 1] - b[..., 3] / 2, b[..., 0] + b[..., 2] / 2, b[..., 1] + b[..., 3] / 2], -1
    )


def encode(boxes: torch.Tensor, anchors: torch.Tensor, variances: tuple[float, float]) -> torch.Tensor:
    """xyxy boxes (N, 4) matched to anchors (N, 4, cxcywh) -> regression targets (N, 4)."""
    b = xyxy_to_cxcywh(boxes)
    centre = (b[:, :2] - anchors[:, :2]) / anchors[:, 2:] / variances[0]
    size = torch.log(b[:, 2:].clamp(min=1e-3) / anchors[:, 2:]) / variances[1]
    return torch.cat([centre, size], 1)


def decode(deltas: torch.Tensor, anchors: torch.Tensor, variances: tuple[float, float]) -> torch.Tensor:
    """Regression outputs (..., N, 4) -> xyxy boxes (..., N, 4) in pixels at image_size."""
    centre = anchors[:, :2] + deltas[..., :2] * variances[0] * anchors[:, 2:]
    size = anchors[:, 2:] * torch.exp((deltas[..., 2:] * variances[1]).clamp(max=4.0))
    return cxcywh_to_xyxy(torch.cat([centre, size], -1))


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of xyxy boxes (N, 4) x (M, 4) -> (N, M)."""
    area_a = (a[:, 2] - a[:, 0]).clamp(min=0) * (a[:, 3] - a[:, 1]).clamp(min=0)
    area_b = (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter).clamp(min=1e-9)


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou: float) -> torch.Tensor:
    """Indices of the boxes kept by greedy non-maximum suppression, best first."""
    order = scores.argsort(descending=True)
    keep = []
    while order.numel():
        i = order[0]
        keep.append(int(i))
        if order.numel() == 1:
            break
        overlap = box_iou(boxes[i][None], boxes[order[1:]])[0]
        order = order[1:][overlap <= iou]
    return torch.tensor(keep, dtype=torch.long)


def postprocess(
    logits: torch.Tensor, deltas: torch.Tensor, anchors: torch.Tensor, config: DetectorConfig, min_score: float
) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Per image: (boxes (D, 4) xyxy at image_size, scores (D,), class indices (D,), the class probabilities
    of each detection's anchor (D, C)) after per-class NMS."""
    probs = logits.float().softmax(-1)[..., 1:]  # (B, N, C)
    boxes = decode(deltas.float(), anchors, config.box_variances).clamp(0, config.image_size)  # (B, N, 4)
    out = []
    for p, b in zip(probs, boxes):
        sized = ((b[:, 2] - b[:, 0]) >= 1) & ((b[:, 3] - b[:, 1]) >= 1)  # clipping can flatten a box
        anchor_idx, cls = torch.nonzero((p > min_score) & sized[:, None], as_tuple=True)
        scores = p[anchor_idx, cls]
        if scores.numel() > 1000:
            top = scores.topk(1000).indices
            anchor_idx, cls, scores = anchor_idx[top], cls[top], scores[top]
        cand = b[anchor_idx]
        keep_all = []
        for c in cls.unique():
            idx = torch.nonzero(cls == c, as_tuple=True)[0]
            keep_all.append(idx[nms(cand[idx], scores[idx], config.nms_iou)])
        if keep_all:
            keep = torch.cat(keep_all)
            keep = keep[scores[keep].argsort(descending=True)][: config.max_detections]
        else:
            keep = torch.zeros(0, dtype=torch.long)
        out.append((cand[keep], scores[keep], cls[keep], p[anchor_idx[keep]]))
    return out
