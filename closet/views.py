import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import IsAuthenticated

from closet import attributes, selectors, services
from closet.models import Garment, Photo
from ml.colours import PALETTE
from ml.taxonomy import CLASSES, GROUPS, LABELS


@login_required
def grid(request):
    category, group, colour, sleeve = (request.GET.get(k, "") for k in ("category", "group", "colour", "sleeve"))
    garments = selectors.garment_list(owner=request.user, category=category, group=group, colour=colour, sleeve=sleeve)
    pending = request.user.ingest_jobs.filter(status__in=["queued", "running"]).count()
    return render(
        request,
        "closet/grid.html",
        {
            "garments": garments,
            "groups": GROUPS,
            "labels": LABELS,
            "palette": PALETTE,
            "selected": {"category": category, "group": group, "colour": colour, "sleeve": sleeve},
            "sleeves": attributes.attribute_choices().get("sleeve", []),
            "pending": pending,
        },
    )


@login_required
@require_POST
def reparse(request):
    n = len(services.closet_reparse(owner=request.user))
    messages.success(request, f"Re-running the models on {n} photo(s) in the background. Your corrections are kept.")
    return redirect("closet:grid")


@login_required
def upload(request):
    return render(
        request,
        "closet/upload.html",
        {"max_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024), "max_mp": settings.MAX_IMAGE_PIXELS // 1_000_000},
    )


@login_required
def garment_detail(request, pk):
    garment = get_object_or_404(Garment.objects.select_related("photo", "duplicate_of"), pk=pk, owner=request.user)
    if request.method == "POST" and "attributes_submitted" in request.POST:
        values = {name: request.POST[f"attr_{name}"] for name in attributes.SHOWN if request.POST.get(f"attr_{name}")}
        try:
            attributes.garment_attributes_correct(garment=garment, user=request.user, values=values)
            messages.success(request, "Saved. Your correction will also help the app learn.")
        except ValueError as exc:
            messages.error(request, str(exc))
        return redirect("closet:garment", pk=garment.pk)
    if request.method == "POST":
        try:
            services.garment_correct(
                garment=garment,
                user=request.user,
                category=request.POST.get("category") or None,
                colour_names=[c for c in request.POST.getlist("colours") if c][:3]
                if "colours_submitted" in request.POST
                else None,
            )
            messages.success(request, "Saved. Your correction will also help the app learn.")
        except ValueError as exc:
            messages.error(request, str(exc))
        return redirect("closet:garment", pk=garment.pk)
    return render(
        request,
        "closet/garment.html",
        {
            "garment": garment,
            "similar": selectors.garment_similar(garment=garment),
            "classes": [(c, LABELS[c]) for c in CLASSES],
            "palette": PALETTE,
            "colour_slots": (garment.colour_names + ["", "", ""])[:3],
            "attributes": attributes.attributes_for_display(garment.attributes, garment.category_group),
        },
    )


@login_required
@require_POST
def garment_delete(request, pk):
    garment = get_object_or_404(Garment, pk=pk, owner=request.user)
    services.photo_delete(photo=garment.photo)
    messages.success(request, "Deleted the garment and its photos.")
    return redirect("closet:grid")


@extend_schema(exclude=True)
@api_view(["GET"])
@authentication_classes([SessionAuthentication, TokenAuthentication])
@permission_classes([IsAuthenticated])
def media(request, name: str):
    """Serve a private file only to its owner (session or API token); strangers get 404 as if it did not exist."""
    if ".." in Path(name).parts or name.startswith("/"):
        raise Http404
    from shop.models import ProductImage
    from tryon.models import PersonPhoto, Preview
    from wearlog.models import Detection, OutfitPhoto

    owns = (
        Photo.objects.filter(owner=request.user, image=name).exists()
        or Garment.objects.filter(Q(cutout=name) | Q(mask=name), owner=request.user).exists()
        or PersonPhoto.objects.filter(owner=request.user, image=name).exists()
        or Preview.objects.filter(Q(result=name) | Q(alpha=name), owner=request.user).exists()
        or OutfitPhoto.objects.filter(owner=request.user, image=name).exists()
        or Detection.objects.filter(Q(crop=name) | Q(cutout=name) | Q(mask=name), owner=request.user).exists()
        or ProductImage.objects.filter(image=name).exists()  # catalogue photos: any signed-in user
    )
    path = Path(settings.MEDIA_ROOT) / name
    if not owns or not path.is_file():
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(open(path, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
