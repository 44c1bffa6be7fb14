"""Reads for stylists, clients and shoppers. Each read is scoped to who asks: a row they may not see is not found.

- engagements: the two parties see them;
- a client's closet: their stylist, only while the engagement is ACTIVE;
- a look sent to a client: its stylist, and the client once it is sent;
- lookbooks: everyone once published (their curated looks only), their stylist always.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, Value
from pgvector.django import CosineDistance

from closet.models import Garment
from shop.models import Product
from shop.selectors import OWNED_LIKE_MAX_DISTANCE
from stylists.models import Engagement, Look, Lookbook, LookbookEntry, LookItem

CLOSE_MATCH = OWNED_LIKE_MAX_DISTANCE  # the calibration of shop.selectors.garments_like

_ITEMS = Prefetch(
    "items", queryset=LookItem.objects.select_related("garment", "product__shop").prefetch_related("product__images")
)


def engagement_list(*, user) -> QuerySet[Engagement]:
    return Engagement.objects.filter(Q(stylist=user) | Q(client=user)).select_related("stylist", "client")


def engagement_get(*, user, pk: int) -> Engagement | None:
    return engagement_list(user=user).filter(pk=pk).first()


def client_get(*, stylist, client_id: int):
    """The client, if this stylist has an active engagement with them (else None)."""
    engagement = (
        Engagement.objects.filter(stylist=stylist, client_id=client_id, status=Engagement.Status.ACTIVE)
        .select_related("client")
        .first()
    )
    return engagement.client if engagement else None


def client_closet(*, stylist, client_id: int, category: str = "", group: str = "", colour: str = ""):
    """(client, their garments) while the engagement is active; (None, none) otherwise."""
    client = client_get(stylist=stylist, client_id=client_id)
    if client is None:
        return None, Garment.objects.none()
    qs = Garment.objects.filter(owner=client, considering=False)
    if category:
        qs = qs.filter(category=category)
    if group:
        qs = qs.filter(category_group=group)
    if colour:
        qs = qs.filter(colour_names__contains=[colour])
    return client, qs


def garment_visible(*, user, pk: int) -> Garment | None:
    """A garment its owner may see, or their stylist while the engagement is active."""
    return (
        Garment.objects.filter(pk=pk)
        .filter(
            Q(owner=user)
            | Q(owner__stylists_as_client__stylist=user, owner__stylists_as_client__status=Engagement.Status.ACTIVE)
        )
        .first()
    )


def looks_made(*, stylist) -> QuerySet[Look]:
    return Look.objects.filter(stylist=stylist).select_related("client", "stylist").prefetch_related(_ITEMS)


def looks_received(*, client) -> QuerySet[Look]:
    return (
        Look.objects.filter(client=client)
        .exclude(status=Look.Status.DRAFT)
        .select_related("stylist", "client")
        .prefetch_related(_ITEMS)
    )


def _shopper_visible() -> Q:
    return Q(client__isnull=True) & (Q(published=True) | Q(lookbooks__published=True))


def look_get(*, user, pk: int) -> Look | None:
    """A look its stylist, its client (once sent) or, for a published curated look, any shopper may see."""
    visible = Q(stylist=user) | (Q(client=user) & ~Q(status=Look.Status.DRAFT)) | _shopper_visible()
    ids = Look.objects.filter(visible, pk=pk).values("id")
    return Look.objects.filter(id__in=ids).select_related("stylist", "client").prefetch_related(_ITEMS).first()


def lookbook_list(*, user=None) -> QuerySet[Lookbook]:
    """Published lookbooks (and, for a stylist, their own drafts), each with its curated looks."""
    visible = Q(published=True) | Q(stylist=user) if user is not None else Q(published=True)
    entries = LookbookEntry.objects.filter(look__client__isnull=True).select_related("look")
    return (
        Lookbook.objects.filter(visible)
        .select_related("stylist")
        .prefetch_related(Prefetch("entries", queryset=entries), *_entry_items())
    )


def _entry_items():
    return [
        Prefetch(
            "entries__look__items",
            queryset=LookItem.objects.select_related("product__shop", "garment").prefetch_related("product__images"),
        )
    ]


def lookbook_get(*, user, slug: str) -> Lookbook | None:
    return lookbook_list(user=user).filter(slug=slug).first()


def lookbook_look(*, lookbook: Lookbook, look_id: int) -> Look | None:
    entry = next((e for e in lookbook.entries.all() if e.look_id == look_id), None)
    return entry.look if entry else None


def _item_vector(item: LookItem):
    if item.product_id:
        return item.product.shop_embedding
    from closet.services import garment_shop_vector

    return garment_shop_vector(item.garment) if item.garment.embedding is not None else None


def _thing(item: LookItem):
    return item.product or item.garment


@dataclass
class ShopItem:
    item: LookItem
    similar: list[Product]


def look_shop(*, look: Look, per_item: int = 3) -> list[ShopItem]:
    """ "Shop this look": each item of the look with the nearest catalogue products in the shop space."""
    from shop.selectors import ProductFilter, product_search

    in_look = [i.product_id for i in look.items.all() if i.product_id]
    out = []
    for item in look.items.all():
        vector = _item_vector(item)
        similar = []
        if vector is not None:
            similar = product_search(vector=vector, filters=ProductFilter(exclude_ids=in_look), limit=per_item).products
        out.append(ShopItem(item, similar))
    return out


def look_total(look: Look) -> tuple[float | None, str]:
    """The sum of the look's product prices (when all share one currency)."""
    products = [i.product for i in look.items.all() if i.product_id and i.product.price is not None]
    currencies = {p.currency for p in products}
    if not products or len(currencies) > 1:
        return None, ""
    return float(sum(p.price for p in products)), currencies.pop()


@dataclass
class ClosetMatch:
    item: LookItem
    garment: Garment | None
    distance: float | None
    same_group: bool
    close: bool


def look_from_closet(*, look: Look, owner, max_distance: float = CLOSE_MATCH) -> list[ClosetMatch]:
    """ "Make it from my closet": for each item, the nearest garment of the owner's own closet.

    Nearest by cosine distance of shop embeddings (products and garments share that space), exact: a closet is
    small, and ``+ 0`` keeps the planner off an HNSW index that would filter by owner after its scan. A garment
    of the item's category group is preferred; another group's only when the owner has none of that group.
    ``close`` says whether the match is within ``max_distance``; the others are reported as missing.
    """
    from closet.services import garment_shop_vector

    for g in Garment.objects.filter(owner=owner, considering=False, shop_embedding__isnull=True):
        garment_shop_vector(g)  # garments parsed before the shop existed get their vector once
    closet = Garment.objects.filter(owner=owner, considering=False, shop_embedding__isnull=False)
    out = []
    for item in look.items.all():
        thing, vector = _thing(item), _item_vector(item)
        if vector is None:
            out.append(ClosetMatch(item, None, None, False, False))
            continue
        ranked = closet.exclude(id=item.garment_id or 0).annotate(
            distance=CosineDistance("shop_embedding", vector) + Value(0.0)
        )
        match = ranked.filter(category_group=thing.category_group).order_by("distance", "id").first()
        same = match is not None
        if match is None:
            match = ranked.order_by("distance", "id").first()
        distance = float(match.distance) if match else None
        out.append(ClosetMatch(item, match, distance, same, distance is not None and distance <= max_distance))
    return out


def look_training_rows() -> list[dict]:
    """Answered looks as outfit training rows: accepted = 1, rejected = 0 (recommend export_outfit_data).

    Garments are described by their photo's style vector and products by their title's, both in the MiniLM
    space the grader reads, plus the grader's colour/pattern ``extra``; items without a vector or a slot are
    left out, looks under two items skipped.
    """
    from ml.outfit import slot_for_category
    from ml.outfit.features import garment_extra, product_extra

    rows = []
    looks = (
        Look.objects.filter(status__in=[Look.Status.ACCEPTED, Look.Status.REJECTED])
        .prefetch_related(Prefetch("items", queryset=LookItem.objects.select_related("garment", "product")))
        .order_by("id")
    )
    for look in looks:
        items = []
        for item in look.items.all():
            thing = _thing(item)
            if thing.style_embedding is None or thing.category_group == "other":
                continue
            if item.product is not None:
                extra = product_extra(thing.title, thing.base_colour, thing.colour_terms, thing.attributes)
            else:
                extra = garment_extra(thing.colour_names, thing.attributes)
            items.append(
                {
                    "slot": slot_for_category(thing.category_group, thing.category),
                    "text_embedding": [round(float(v), 5) for v in thing.style_embedding],
                    "extra": extra.tolist(),  # the grader's colour/pattern features (ml.outfit.features)
                }
            )
        if len(items) >= 2:
            label = 1 if look.status == Look.Status.ACCEPTED else 0
            rows.append({"label": label, "source": "stylist-look", "look": look.id, "items": items})
    return rows
