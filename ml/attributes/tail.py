"""The product-feature tail's own linear heads, as an input to the attribute heads.

``python -m ml.product_features.train --heads-out FILE`` saves them: one linear layer per label over the pooled
feature, trained together with the tail (blocks 5-15), of the epoch the validation carve kept. Heads trained
afterwards on the finished feature (ml.attributes.train) see the training rows' features after the tail has
fitted them; the heads that grew with it might carry over better. Measured, they did not: the mix the carve chose
was no better on held-out products, so no shipped checkpoint uses them (README, Attributes). The app stores the
unit-norm feature; these heads read the raw one, so the stored feature is scaled by a constant, the mean raw
norm on the validation carve (20.5; raw norms run from about 15 to 30). Against the raw feature, that changed one
article-type and one pattern answer of the 1,191 carve photos, and the confidences a little.
"""

from __future__ import annotations

import os
from dataclasses import replace

import torch

from ml.attributes.model import AttributeHeads


def load_tail_heads(path: str | os.PathLike) -> dict:
    """``{"classes": {head: [class, ...]}, "state": {"heads.<head>.weight"/"bias": tensor}, "raw_norm": float}``."""
    data = torch.load(path, map_location="cpu", weights_only=True)
    missing = {"classes", "state", "raw_norm"} - set(data)
    if missing:
        raise ValueError(f"{path} is not a tail-heads file (missing {sorted(missing)})")
    return data


def attach(model: AttributeHeads, tail: dict, mix: dict[str, float]) -> AttributeHeads:
    """A copy of ``model`` whose config and weights carry the tail's heads named in ``mix`` (head -> share)."""
    names = [k for k, v in mix.items() if v > 0]
    unknown = [k for k in names if k not in tail["classes"] or k not in model.config.heads]
    if unknown:
        raise ValueError(f"no tail head or no attribute head for {unknown}")
    config = replace(
        model.config,
        tail_heads={k: list(tail["classes"][k]) for k in names},
        tail_mix={k: float(mix[k]) for k in names},
        tail_norm=float(tail["raw_norm"]),
    )
    out = AttributeHeads(config)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("tail.")}
    for k in names:
        state[f"tail.{k}.weight"] = tail["state"][f"heads.{k}.weight"].float()
        state[f"tail.{k}.bias"] = tail["state"][f"heads.{k}.bias"].float()
    out.load_state_dict(state)
    return out.eval()
