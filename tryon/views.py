from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from closet.models import Garment
from closet.photos import PhotoRejected
from shop.models import Product
from tryon import services
from tryon.models import PersonPhoto, Preview


@login_required
def home(request):
    product = None
    if request.GET.get("product", "").isdigit():
        product = Product.objects.filter(id=int(request.GET["product"]), status=Product.Status.READY).first()
    garments = Garment.objects.filter(owner=request.user, category_group__in=services.UPPER_BODY)
    return render(
        request,
        "tryon/home.html",
        {
            "people": PersonPhoto.objects.filter(owner=request.user),
            "garments": garments,
            "chosen_garment": request.GET.get("garment", ""),
            "product": product,
            "previews": Preview.objects.filter(owner=request.user).select_related("person")[:30],
        },
    )


@login_required
@require_POST
def person_upload(request):
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, "Choose a photo of yourself first.")
        return redirect("tryon:home")
    try:
        services.person_photo_upload(owner=request.user, name=f.name, data=f.read())
        messages.success(request, "Photo added.")
    except PhotoRejected as exc:
        messages.error(request, str(exc))
    return redirect("tryon:home")


@login_required
@require_POST
def person_delete(request, pk):
    person = get_object_or_404(PersonPhoto, pk=pk, owner=request.user)
    n = person.previews.count()
    services.person_photo_delete(person=person)
    messages.success(request, f"Deleted the photo and its {n} preview{'s' if n != 1 else ''}.")
    return redirect("tryon:home")


@login_required
@require_POST
def preview_create(request):
    def number(key):
        v = request.POST.get(key, "")
        return int(v) if v.isdigit() else None

    item = request.POST.get("item", "")
    kind, _, item_id = item.partition(":")
    try:
        preview = services.preview_create(
            owner=request.user,
            person_id=number("person") or 0,
            garment_id=int(item_id) if kind == "garment" and item_id.isdigit() else None,
            product_id=int(item_id) if kind == "product" and item_id.isdigit() else None,
        )
    except services.PreviewInvalid as exc:
        messages.error(request, str(exc))
        return redirect("tryon:home")
    return redirect("tryon:preview", pk=preview.id)


@login_required
def preview_detail(request, pk):
    preview = get_object_or_404(Preview.objects.select_related("person"), pk=pk, owner=request.user)
    return render(request, "tryon/preview.html", {"preview": preview})


@login_required
@require_POST
def preview_delete(request, pk):
    services.preview_delete(preview=get_object_or_404(Preview, pk=pk, owner=request.user))
    messages.success(request, "Deleted the preview.")
    return redirect("tryon:home")
