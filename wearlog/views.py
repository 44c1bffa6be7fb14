import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from closet.models import Garment
from closet.photos import PhotoRejected
from wearlog import selectors, services
from wearlog.models import Detection, OutfitPhoto


@login_required
def calendar(request):
    try:
        first = selectors.month_bounds(request.GET.get("month"), timezone.localdate())
    except ValueError:
        messages.error(request, "The month must look like 2026-12; showing this month.")
        first = timezone.localdate().replace(day=1)
    cal = selectors.wear_calendar(owner=request.user, first=first)
    return render(request, "wearlog/calendar.html", {"cal": cal, "today": timezone.localdate()})


@login_required
def photos(request):
    if request.method == "POST":
        f = request.FILES.get("file")
        if f is None:
            messages.error(request, "Choose an outfit photo first.")
            return redirect("wearlog:photos")
        try:
            worn_on = datetime.date.fromisoformat(request.POST["worn_on"]) if request.POST.get("worn_on") else None
            photo = services.outfit_photo_upload(owner=request.user, name=f.name, data=f.read(), worn_on=worn_on)
        except ValueError as exc:  # PhotoRejected, or a malformed date
            messages.error(request, str(exc) if isinstance(exc, PhotoRejected) else "The date must be YYYY-MM-DD.")
            return redirect("wearlog:photos")
        return redirect("wearlog:review", pk=photo.id)
    return render(
        request,
        "wearlog/photos.html",
        {
            "photos": selectors.outfit_photo_list(owner=request.user)[:50],
            "today": timezone.localdate(),
            "max_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024),
        },
    )


def _default_choice(detection: Detection) -> str:
    """What the review form starts with: the decision already made, else the likely match, else "new"."""
    if detection.action == Detection.Action.MATCH and detection.garment_id:
        return f"match:{detection.garment_id}"
    if detection.action:
        return detection.action
    likely = [g for g, m in detection.match_garments if m["likely"]]
    return f"match:{likely[0].id}" if likely else Detection.Action.NEW


@login_required
def review(request, pk):
    photo = selectors.outfit_photo_get(owner=request.user, pk=pk)
    if photo is None:
        raise Http404
    if request.method == "POST":
        return _confirm(request, photo)
    detections = list(photo.detections.all())
    for d in detections:
        d.choice = _default_choice(d)
        d.match_choices = [(g, m, f"match:{g.id}") for g, m in d.match_garments]
        x0, y0, x1, y1 = d.box  # as percentages of the photo, to outline it on the page
        d.outline = {
            "left": 100 * x0 / photo.width,
            "top": 100 * y0 / photo.height,
            "width": 100 * (x1 - x0) / photo.width,
            "height": 100 * (y1 - y0) / photo.height,
        }
    return render(
        request,
        "wearlog/review.html",
        {
            "photo": photo,
            "detections": detections,
            "garments": Garment.objects.filter(owner=request.user, considering=False).order_by("category", "id"),
            "today": timezone.localdate(),
        },
    )


def _confirm(request, photo: OutfitPhoto):
    decisions = []
    for d in photo.detections.all():
        choice = request.POST.get(f"d{d.id}", "")
        action, _, garment = choice.partition(":")
        if garment == "other":
            garment = request.POST.get(f"other{d.id}", "")
        if action:
            decisions.append(
                services.Decision(detection=d.id, action=action, garment=int(garment) if garment.isdigit() else None)
            )
    try:
        worn_on = datetime.date.fromisoformat(request.POST["worn_on"]) if request.POST.get("worn_on") else None
        photo = services.outfit_photo_confirm(outfit_photo=photo, decisions=decisions, worn_on=worn_on)
    except services.ConfirmInvalid as exc:
        messages.error(request, str(exc))
        return redirect("wearlog:review", pk=photo.id)
    except ValueError:
        messages.error(request, "The date must be YYYY-MM-DD.")
        return redirect("wearlog:review", pk=photo.id)
    worn = photo.detections.exclude(wear=None).count()
    added = photo.detections.filter(action=Detection.Action.NEW).count()
    messages.success(
        request,
        f"Logged {worn} garment{'s' if worn != 1 else ''} as worn on {photo.worn_on:%d %b %Y}"
        + (f"; {added} added to your closet." if added else "."),
    )
    return redirect(f"{reverse('wearlog:calendar')}?month={photo.worn_on:%Y-%m}")


@login_required
@require_POST
def delete(request, pk):
    photo = get_object_or_404(OutfitPhoto, pk=pk, owner=request.user)
    services.outfit_photo_delete(outfit_photo=photo)
    messages.success(request, "Deleted the outfit photo and its cut-outs. Garments and wears logged from it stay.")
    return redirect("wearlog:photos")
