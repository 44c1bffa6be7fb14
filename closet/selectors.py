"""Reads that span rows: the closet grid, similarity, jobs. Every read is scoped to its owner."""

from django.db.models import QuerySet, Value
from pgvector.django import CosineDistance

from closet.models import Garment, IngestJob


def garment_list(
    *, owner, category: str = "", group: str = "", colour: str = "", sleeve: str = ""
) -> QuerySet[Garment]:
    """The owner's garments; ``sleeve`` (long, short, sleeveless: the attribute's value, the user's when
    corrected) keeps tops, one-pieces and outerwear with that sleeve length."""
    from closet.attributes import SLEEVED_GROUPS

    qs = Garment.objects.filter(owner=owner).select_related("photo")
    if category:
        qs = qs.filter(category=category)
    if group:
        qs = qs.filter(category_group=group)
    if colour:
        qs = qs.filter(colour_names__contains=[colour])
    if sleeve:
        qs = qs.filter(category_group__in=SLEEVED_GROUPS, attributes__sleeve__value=sleeve)
    return qs


def garment_nearest(*, owner, embedding, exclude_photo=None, limit: int = 8) -> list[Garment]:
    """The most similar garments in one closet, exact.

    A closet is small, so this scans it exactly. Adding 0 to the distance keeps the planner off the
    HNSW index, which filters by owner only after its scan and could return fewer rows than asked.
    """
    qs = Garment.objects.filter(owner=owner)
    if exclude_photo is not None:
        qs = qs.exclude(photo=exclude_photo)
    qs = qs.annotate(distance=CosineDistance("embedding", embedding) + Value(0.0))
    return list(qs.order_by("distance")[:limit])


def garment_similar(*, garment: Garment, limit: int = 8) -> list[Garment]:
    return garment_nearest(owner=garment.owner, embedding=garment.embedding, exclude_photo=garment.photo, limit=limit)


def job_list(*, owner, ids: list[int] | None = None) -> QuerySet[IngestJob]:
    qs = IngestJob.objects.filter(owner=owner).select_related("photo").prefetch_related("photo__garments")
    if ids is not None:
        qs = qs.filter(id__in=ids)
    return qs
