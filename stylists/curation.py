"""Curation writes: a look's grader score, and publishing looks and lookbooks to every shopper.

Only curated looks (no client) are published: a look sent to a client holds that client's garments,
which nobody else may see. Publishing a lookbook publishes its looks; unpublishing a lookbook leaves
its looks as they are (a look may sit in several lookbooks, or be published on its own).
"""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.utils import timezone

from stylists.models import Look, Lookbook, LookItem


class CurationRefused(ValueError):
    """A publish the rules forbid; the message is for the stylist."""


def look_grader_items(*, look: Look) -> list[dict]:
    """The look's gradeable items in position order, as the grader takes them.

    Garments are graded as "Dress me" grades closet items (photo style vector joined by the owner's own
    name for it); products by their title's style vector, as "complete the look" does. Items without a
    style vector, or with a category the grader has no slot for ("other"), are left out.
    """
    from ml.outfit import slot_for_category
    from recommend.selectors import _item_vector

    items = []
    rows = LookItem.objects.filter(look=look).select_related("garment", "product").order_by("position", "id")
    for row in rows:
        thing = row.garment or row.product
        if thing is None or thing.style_embedding is None:
            continue
        try:
            slot = slot_for_category(thing.category_group, thing.category)
        except ValueError:
            continue
        if row.garment is not None:
            vector = _item_vector(row.garment.style_embedding, row.garment.name_embedding)
        else:
            vector = np.asarray(row.product.style_embedding, dtype=np.float32)
        items.append({"text_embedding": vector, "slot": slot})
    return items


def look_score(*, look: Look) -> Look:
    """Grade the look's items with the outfit grader and store the score with the grader's version.

    Fewer than two gradeable items is not an outfit: the score is cleared. Past the grader's limit
    (8 items) the first items in position order are graded.
    """
    from recommend.inference import grader, grader_version

    items = look_grader_items(look=look)
    if len(items) < 2:
        look.score, look.score_version = None, ""
    else:
        model = grader()
        score, _ = model.score(items[: model.config.max_items])
        look.score, look.score_version = float(score), grader_version()
    Look.objects.filter(pk=look.pk).update(score=look.score, score_version=look.score_version)
    return look


def look_publish(*, look: Look) -> Look:
    if look.client_id is not None:
        raise CurationRefused(f"“{look.title}” is for a client; only curated looks (no client) are published.")
    if not look.published:
        look.published, look.published_at = True, timezone.now()
        look.save(update_fields=["published", "published_at", "updated_at"])
    return look


def look_unpublish(*, look: Look) -> Look:
    if look.published:
        look.published, look.published_at = False, None
        look.save(update_fields=["published", "published_at", "updated_at"])
    return look


@transaction.atomic
def lookbook_publish(*, lookbook: Lookbook) -> Lookbook:
    """Publish the lookbook and every look in it; refused when it is empty or holds a client's look."""
    looks = list(lookbook.looks.all())
    if not looks:
        raise CurationRefused(f"“{lookbook.title}” has no looks; add at least one before publishing.")
    for_clients = [look.title for look in looks if look.client_id is not None]
    if for_clients:
        raise CurationRefused(
            f"“{lookbook.title}” holds looks made for a client ({', '.join(for_clients)}); remove them to publish."
        )
    for look in looks:
        look_publish(look=look)
    if not lookbook.published:
        lookbook.published, lookbook.published_at = True, timezone.now()
        lookbook.save(update_fields=["published", "published_at", "updated_at"])
    return lookbook


def lookbook_unpublish(*, lookbook: Lookbook) -> Lookbook:
    if lookbook.published:
        lookbook.published, lookbook.published_at = False, None
        lookbook.save(update_fields=["published", "published_at", "updated_at"])
    return lookbook
