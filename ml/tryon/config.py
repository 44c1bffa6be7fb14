"""Configuration of the CAGAN try-on generator; it travels inside the checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class TryOnConfig:
    height: int = 128  # served resolution: persons and articles are resized to (height, width)
    width: int = 96
    base_channels: int = 32  # generator width at the first level; doubles each level down
    depth: int = 4  # stride-2 levels in the generator's encoder
    disc_channels: int = 32

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TryOnConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
