import numpy as np
from django.db.models import Count, Prefetch

from closet.models import Garment
from ml.taste import TasteModel, fit_taste, item_features
from recommend import engine
from recommend.models import Feedback, Outfit, OutfitItem


def closet_items(*, owner, considering: bool = False) -> list[engine.Item]:
    """The owner's processed garments as engine items (those without a style embedding are skipped).

    Items being considered for purchase are not in the closet yet: left out unless asked for.
    """
    from ml.outfit import slot_for_category
    from ml.outfit.features import garment_extra

    rows = Garment.objects.filter(owner=owner, style_embedding__isnull=False, considering=considering).values(
        "id", "category", "category_group", "colours", "colour_names", "attributes", "style_embedding", "name_embedding"
    )
    return [
        engine.Item(
            id=r["id"],
            category=r["category"],
            slot=slot_for_category(r["category_group"], r["category"]),
            colours=r["colours"],
            vector=_item_vector(r["style_embedding"], r["name_embedding"]),
            features=item_features(r["category"], r["colours"]),
            extra=garment_extra(r["colour_names"], r["attributes"]),
            sleeve=_sleeve(r["category_group"], r["attributes"]),
        )
        for r in rows
    ]


def _sleeve(category_group: str, attributes: dict | None) -> str:
    """The garment's sleeve length as the app uses it (the user's value when corrected), "" without sleeves."""
    from closet.attributes import attribute_applies

    entry = (attributes or {}).get("sleeve")
    if not attribute_applies("sleeve", category_group) or not isinstance(entry, dict):
        return ""
    return entry.get("value", "")


def _item_vector(style, name) -> np.ndarray:
    """The photo's style vector, joined by the user's own description of the item when there is one."""
    v = np.asarray(style, dtype=np.float32)
    if name is not None:
        v = v + np.asarray(name, dtype=np.float32)
        v /= np.linalg.norm(v) + 1e-9
    return v


def taste_for(*, owner, items: list[engine.Item]) -> TasteModel:
    """Fit the owner's taste model from all their feedback (cheap: tens to hundreds of events)."""
    by_id = {i.id: i for i in items}
    centre = np.stack([i.features for i in items]).mean(0) if items else np.zeros(len(item_features("tshirt", [])))
    events = []
    feedback = Feedback.objects.filter(owner=owner).prefetch_related("outfit__items")
    for fb in feedback:
        target = 1.0 if fb.kind in (Feedback.Kind.LIKE, Feedback.Kind.WORE) else -1.0
        ids = [fb.garment_id] if fb.garment_id else [oi.garment_id for oi in fb.outfit.items.all()]
        feats = [by_id[g].features for g in ids if g in by_id]
        if feats:
            events.append((np.stack(feats).mean(0), target))
    return fit_taste(events, centre, l2=4.0)  # chosen on simulated users (ml/taste.simulate, seed 1)


def outfit_list(*, owner, source: str = "", request_id: int | None = None):
    qs = Outfit.objects.filter(owner=owner).prefetch_related(
        Prefetch("items", queryset=OutfitItem.objects.select_related("garment"))
    )
    if source:
        qs = qs.filter(source=source)
    if request_id is not None:
        qs = qs.filter(request_id=request_id).order_by("-rank_score")
    return qs


def closet_stats(*, owner, versatility: dict[int, int]) -> list[dict]:
    """Per garment: wears, cost per wear (when a price is known), never worn, versatility."""
    rows = Garment.objects.filter(owner=owner).annotate(wear_count=Count("wears")).order_by("-wear_count", "id")
    out = []
    for g in rows:
        cpw = round(float(g.price) / g.wear_count, 2) if g.price is not None and g.wear_count else None
        out.append(
            {
                "id": g.id,
                "category": g.category,
                "category_label": g.category_label,
                "name": g.name,
                "wears": g.wear_count,
                "price": float(g.price) if g.price is not None else None,
                "cost_per_wear": cpw,
                "never_worn": g.wear_count == 0,
                "versatility": versatility.get(g.id, 0),
                "cutout": g.cutout,
            }
        )
    return out
