"""Attribute heads: [product feature | colour feature] -> one softmax per attribute."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ml.attributes.config import AttributesConfig


class AttributeHeads(nn.Module):
    """A shared hidden layer, then one linear classifier per attribute (``config.heads``).

    The colour feature of the garment's pixels (ml/shop/colour.py) joins the product feature
    (ml/product_features), as in ShopHead: the feature sees the whole photo, a model's other clothes too, the
    colour feature only the garment. Callers pass the unit-norm colour feature as is; it is scaled by
    ``config.colour_weight`` here.
    """

    def __init__(self, config: AttributesConfig) -> None:
        super().__init__()
        self.config = config
        self.trunk = nn.Sequential(
            nn.Linear(config.image_dim + config.colour_dim, config.hidden_dim),
            nn.GELU(),
            nn.Dropout(config.dropout),
        )
        self.heads = nn.ModuleDict({name: nn.Linear(config.hidden_dim, len(c)) for name, c in config.heads.items()})
        # the tail's jointly trained heads read the product feature alone (ml.attributes.tail)
        self.tail = nn.ModuleDict({name: nn.Linear(config.image_dim, len(c)) for name, c in config.tail_heads.items()})

    def forward(self, image_embedding: torch.Tensor, colour: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """(B, image_dim) [+ (B, colour_dim)] -> {head: (B, n_classes) logits}."""
        x = image_embedding
        if self.config.colour_dim:
            if colour is None or colour.shape[-1] != self.config.colour_dim:
                got = None if colour is None else tuple(colour.shape)
                raise ValueError(f"these heads need (B, {self.config.colour_dim}) colour features, got {got}")
            x = torch.cat([x, colour * self.config.colour_weight], dim=-1)  # (B, image_dim + colour_dim)
        h = self.trunk(x)  # (B, hidden_dim)
        return {name: head(h) for name, head in self.heads.items()}

    def probabilities(
        self, image_embedding: torch.Tensor, colour: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """{head: (B, n_classes) probabilities}: each head's softmax, mixed with the tail's head where
        ``config.tail_mix`` says so (its probabilities put into this head's classes; ml.attributes.tail)."""
        probs = {name: logits.float().softmax(-1) for name, logits in self(image_embedding, colour).items()}
        for name, share in self.config.tail_mix.items():
            if share <= 0 or name not in probs:
                continue
            raw = image_embedding.float() * self.config.tail_norm  # the unit-norm feature scaled back
            tail = self.tail[name](raw).softmax(-1)  # (B, tail classes)
            mapped = torch.zeros_like(probs[name])
            index = {c: i for i, c in enumerate(self.config.heads[name])}
            for j, c in enumerate(self.config.tail_heads[name]):
                if c in index:
                    mapped[:, index[c]] = tail[:, j]
            mapped = mapped / mapped.sum(-1, keepdim=True).clamp_min(1e-12)
            probs[name] = (1 - share) * probs[name] + share * mapped
        return probs


def predict_probabilities(
    model: AttributeHeads, emb: np.ndarray, colours: np.ndarray | None = None, batch_size: int = 4096
) -> dict[str, np.ndarray]:
    """{head: (N, n_classes) softmax probabilities} for (N, 1280) embeddings [+ (N, colour_dim) features]."""
    x = torch.as_tensor(np.asarray(emb), dtype=torch.float32)
    c = None if colours is None else torch.as_tensor(np.asarray(colours), dtype=torch.float32)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out: dict[str, list[np.ndarray]] = {name: [] for name in model.config.heads}
    with torch.inference_mode():
        for s in range(0, len(x), batch_size):
            cb = None if c is None else c[s : s + batch_size].to(device)
            for name, p in model.probabilities(x[s : s + batch_size].to(device), cb).items():
                out[name].append(p.cpu().numpy())
    model.train(was_training)
    return {
        name: np.concatenate(v) if v else np.zeros((0, len(model.config.heads[name])), np.float32)
        for name, v in out.items()
    }


def within_group(probs: np.ndarray, article_types: list[str], groups: list[str]) -> np.ndarray:
    """(N, C) articleType probabilities kept to the types of each item's garment group ("tops", "footwear", ...;
    ml.taxonomy), renormalised: P(type | group). An item whose group is "" or has none of the types keeps its row.

    The article-type head learned from studio product shots and on closet photos it often leaves the garment's
    group (pants read as jackets); the category model, trained on closet photos too, is right about the group
    far more often (README), so the app asks the head which type *within* the garment's group it is.
    """
    from ml.taxonomy import GROUP_OF, OTHER_CATEGORY, PRODUCT_CATEGORY

    type_group = np.array(
        [GROUP_OF.get(PRODUCT_CATEGORY.get(a, OTHER_CATEGORY), OTHER_CATEGORY) for a in article_types]
    )
    out = np.array(probs, dtype=np.float32, copy=True)
    for i, group in enumerate(groups):
        keep = type_group == group
        if group and keep.any():
            out[i] = np.where(keep, out[i], 0.0)
            out[i] /= max(float(out[i].sum()), 1e-12)
    return out


def predict(
    model: AttributeHeads,
    emb: np.ndarray,
    colours: np.ndarray | None = None,
    top: int = 3,
    groups: list[str] | None = None,
) -> list[dict[str, dict]]:
    """Per item, ``{head: {"value", "confidence", "top": [{"value", "confidence"}, ...]}}``; confidence is the softmax.

    With ``groups`` (each item's garment group, "" for unknown), the article type is chosen within the group
    (``within_group``) and its entry says so: ``"within_group": "tops"``.
    """
    probs = predict_probabilities(model, emb, colours)
    if groups is not None and "articleType" in probs:
        probs["articleType"] = within_group(probs["articleType"], model.config.heads["articleType"], groups)
    n = len(np.asarray(emb))
    out: list[dict[str, dict]] = [{} for _ in range(n)]
    for name, p in probs.items():
        classes = model.config.heads[name]
        order = np.argsort(-p, axis=1)[:, :top]  # (N, top)
        for i in range(n):
            best = [{"value": classes[j], "confidence": round(float(p[i, j]), 4)} for j in order[i]]
            out[i][name] = {"value": best[0]["value"], "confidence": best[0]["confidence"], "top": best}
            if name == "articleType" and groups is not None and groups[i]:
                out[i][name]["within_group"] = groups[i]
    return out
