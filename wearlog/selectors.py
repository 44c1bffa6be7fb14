"""Wear-log reads: outfit photos with their detections, and the calendar of wears. Scoped to their owner."""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Prefetch, QuerySet

from closet.models import Garment
from recommend.models import Wear
from recommend.selectors import closet_stats
from wearlog.models import Detection, OutfitPhoto


def _matches_attach(owner, photos: list[OutfitPhoto]) -> list[OutfitPhoto]:
    """Give each detection `match_garments`: (garment, match) for its suggestions, in one query for all.

    A garment deleted since the job ran drops out of the suggestions.
    """
    ids = {m["garment"] for p in photos for d in p.detections.all() for m in d.matches}
    by_id = Garment.objects.filter(owner=owner, id__in=ids).in_bulk()
    for p in photos:
        for d in p.detections.all():
            d.match_garments = [(by_id[m["garment"]], m) for m in d.matches if m["garment"] in by_id]
    return photos


def _with_detections(owner) -> QuerySet[OutfitPhoto]:
    return OutfitPhoto.objects.filter(owner=owner).prefetch_related(
        Prefetch("detections", queryset=Detection.objects.select_related("garment", "wear"))
    )


def outfit_photo_list(*, owner) -> QuerySet[OutfitPhoto]:
    return _with_detections(owner)


def outfit_photos_with_matches(*, owner, photos) -> list[OutfitPhoto]:
    """A page of `outfit_photo_list` ready to serialise, suggestions included."""
    return _matches_attach(owner, list(photos))


def outfit_photo_get(*, owner, pk: int) -> OutfitPhoto | None:
    """The photo with its detections, their garments and the garments their suggestions name."""
    photo = _with_detections(owner).filter(pk=pk).first()
    return _matches_attach(owner, [photo])[0] if photo is not None else None


def month_bounds(month: str | None, today: datetime.date) -> datetime.date:
    """The first day of `month` ("YYYY-MM"); this month when it is empty. ValueError for anything else."""
    if not month:
        return today.replace(day=1)
    year, _, number = month.partition("-")
    first = datetime.date(int(year), int(number), 1)
    if not 1900 <= first.year <= 2999:
        raise ValueError
    return first


def _shift(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def wear_calendar(*, owner, first: datetime.date) -> dict:
    """One month of wears: per day, what was worn (cut-out, cost per wear where a price is known) and the
    outfit photo it was logged from, if any; plus the weeks of the month for drawing the grid."""
    following = _shift(first, 1)
    wears = (
        Wear.objects.filter(owner=owner, worn_on__gte=first, worn_on__lt=following)
        .select_related("garment")
        .prefetch_related(
            Prefetch(
                "outfit_detections",
                queryset=Detection.objects.filter(owner=owner).select_related("outfit_photo").order_by("-id"),
            )
        )
        .order_by("worn_on", "garment_id")
    )
    stats = {row["id"]: row for row in closet_stats(owner=owner, versatility={})}
    days: dict[datetime.date, list[dict]] = {}
    for wear in wears:
        detections = list(wear.outfit_detections.all())
        row = stats.get(wear.garment_id, {})
        days.setdefault(wear.worn_on, []).append(
            {
                "id": wear.id,
                "garment": wear.garment,
                "wears": row.get("wears", 0),
                "price": row.get("price"),
                "cost_per_wear": row.get("cost_per_wear"),
                "outfit_photo": detections[0].outfit_photo if detections else None,
            }
        )
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return {
        "month": first,
        "previous": _shift(first, -1),
        "next": following,
        "days": [{"date": day, "wears": items} for day, items in days.items()],
        "weeks": [[(day, days.get(day, []), day.month == first.month) for day in week] for week in weeks],
    }
