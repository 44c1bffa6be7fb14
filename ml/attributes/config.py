"""Configuration of the attribute heads; it travels inside the checkpoint, class names included."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass
class AttributesConfig:
    image_dim: int = 1280  # ml.garment_category embedding (L2-normalised, full photo)
    colour_bins: tuple[int, ...] = (5, 7, 7)  # ml.shop.colour feature of the garment's pixels; () = none
    colour_weight: float = 1.0  # the unit-norm colour feature is scaled by this before it joins the embedding
    hidden_dim: int = 512
    dropout: float = 0.2
    heads: dict[str, list[str]] = field(default_factory=dict)  # head name -> its class names, in logit order
    # The product-feature tail's own linear heads (ml.attributes.tail), trained jointly with the feature: per head
    # its classes, the share of its probabilities in the answer (0: the heads above only) and the constant raw
    # feature norm that turns the stored unit-norm feature back into what they read.
    tail_heads: dict[str, list[str]] = field(default_factory=dict)
    tail_mix: dict[str, float] = field(default_factory=dict)
    tail_norm: float = 0.0
    garment_model_version: str = ""  # the checkpoint whose features it reads (ml/product_features)
    colour_version: str = ""  # ml.shop.colour.feature_version(colour_bins)

    @property
    def colour_dim(self) -> int:
        n = 1
        for b in self.colour_bins:
            n *= int(b)
        return n if self.colour_bins else 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> AttributesConfig:
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        if "colour_bins" in d:
            d["colour_bins"] = tuple(int(n) for n in d["colour_bins"])
        for key in ("heads", "tail_heads"):
            if key in d:
                d[key] = {k: list(v) for k, v in d[key].items()}
        return cls(**d)
