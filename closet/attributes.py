"""Writes for a garment's attributes (ml.attributes): refreshing the model's, and the user's corrections.

Kept apart from closet/services.py, which is long already; the same rules hold (keyword-only, one write each).
``Garment.attributes`` is ``{"model_version", <attribute>: {"value", "confidence", "top", "predicted", "source"}}``:
``value`` is what the app uses, ``predicted`` and ``confidence`` (its softmax probability) the model's answer,
``source`` "user" once the user set the value; a re-parse refreshes the model's answer and keeps the user's value.
"""

from __future__ import annotations

from django.db import transaction

from closet import inference
from closet.models import Correction, Garment

SHOWN = {  # the attributes a person sees and can correct, in this order, with their labels
    "articleType": "Type",
    "baseColour": "Main colour",
    "pattern": "Pattern",
    "usage": "Usage",
    "season": "Season",
    "gender": "Gender fit",
    "sleeve": "Sleeves",
}
SLEEVED_GROUPS = {"tops", "one-pieces", "outerwear"}  # the sleeve length is shown (and correctable) for these only


def attribute_applies(name: str, category_group: str) -> bool:
    """Whether an attribute means something for a garment of this group: the sleeve length only for
    ``SLEEVED_GROUPS``, every other attribute always. Pages, the API and the suggestions all ask this."""
    return name != "sleeve" or category_group in SLEEVED_GROUPS


def attributes_merge(*, old: dict, predicted: dict) -> dict:
    """The garment's new attributes: the model's ``predicted`` ones (``closet.inference.attributes``), where
    the user set a value (``source`` "user") that value kept."""
    out = {"model_version": predicted["model_version"]}
    for name, pred in predicted.items():
        if name == "model_version":
            continue
        entry = {**pred, "predicted": pred["value"], "source": Garment.Source.MODEL.value}
        prev = (old or {}).get(name)
        if isinstance(prev, dict) and prev.get("source") == Garment.Source.USER:
            entry["value"], entry["source"] = prev["value"], Garment.Source.USER.value
        out[name] = entry
    for name, prev in (old or {}).items():  # a user's value for an attribute the new model lacks stays too
        if name not in out and isinstance(prev, dict) and prev.get("source") == Garment.Source.USER:
            out[name] = prev
    return out


def attribute_choices() -> dict[str, list[str]]:
    """The values each shown attribute can take (the model's classes)."""
    heads = inference.attributes_classes()
    return {name: heads[name] for name in SHOWN if name in heads}


@transaction.atomic
def garment_attributes_correct(*, garment: Garment, user, values: dict[str, str]) -> Garment:
    """Set attribute values the user chose; each change is kept as a correction (training data)."""
    choices = attribute_choices()
    garment = Garment.objects.select_for_update().select_related("photo").get(id=garment.id)
    attributes = dict(garment.attributes or {})
    for name, value in values.items():
        if name not in choices:
            raise ValueError(f"Unknown attribute {name!r}; one of {sorted(choices)}.")
        if value not in choices[name]:
            raise ValueError(f"{value!r} is not a {SHOWN[name].lower()} the app knows.")
        current = attributes.get(name) or {}
        if current.get("value") == value:
            continue
        Correction.objects.create(
            garment=garment,
            owner=user,
            field=f"attribute:{name}",
            predicted=current.get("predicted"),
            corrected=value,
            model_version=attributes.get("model_version", ""),
            photo_sha256=garment.photo.sha256,
        )
        attributes[name] = {**current, "value": value, "source": Garment.Source.USER.value}
    garment.attributes = attributes
    garment.save(update_fields=["attributes", "updated_at"])
    return garment


def attributes_for_display(attributes: dict, category_group: str) -> list[dict]:
    """The shown attributes that apply to the group (``attribute_applies``), in order:
    ``{"name", "label", "value", "confidence", "source", "choices"}``."""
    if not any(isinstance(v, dict) for v in (attributes or {}).values()):
        return []  # parsed before attributes existed: a re-parse fills them
    choices = attribute_choices()
    rows = []
    for name, label in SHOWN.items():
        entry = (attributes or {}).get(name)
        if not isinstance(entry, dict):
            continue
        if not attribute_applies(name, category_group):
            continue
        rows.append({"name": name, "label": label, **entry, "choices": choices.get(name, [entry["value"]])})
    return rows
