from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from rest_framework.exceptions import ValidationError

from closet.attributes import attributes_for_display
from closet.models import Garment
from ml.taxonomy import OTHER_CATEGORY
from shop import catalog, selectors, services
from shop.apis import _boards, garment_anchor, product_anchor
from shop.models import PRODUCT_CATEGORY_CHOICES, CatalogImport, Product
from shop.permissions import catalogue_editor_required
from shop.search import search_run
from shop.serializers import ProductSearchParams


@login_required
def search(request):
    params = ProductSearchParams(data={k: v for k, v in request.GET.items() if v != ""})
    result, errors = None, None
    try:
        params.is_valid(raise_exception=True)
        result = search_run(user=request.user, params=params.validated_data)
    except ValidationError:
        errors = params.errors
    query = request.GET.copy()
    page = params.validated_data.get("page", 1) if result else 1
    size = params.validated_data.get("page_size", 20) if result else 20

    def link(n):
        query["page"] = n
        return "?" + query.urlencode()

    return render(
        request,
        "shop/search.html",
        {
            "result": result,
            "errors": errors,
            "q": request.GET,
            "categories": PRODUCT_CATEGORY_CHOICES,
            "genders": Product.Gender.choices,
            "next": link(page + 1) if result and page * size < result.page.count else None,
            "previous": link(page - 1) if page > 1 else None,
            "page": page,
        },
    )


@login_required
def product_detail(request, pk):
    product = get_object_or_404(Product.objects.select_related("shop").prefetch_related("images"), pk=pk)
    ready = product.status == Product.Status.READY
    # similar products stay in the product's group (trousers beside trousers, not shoes) when the shop names one
    group = [product.category_group] if product.category_group not in ("", OTHER_CATEGORY) else []
    similar = (
        selectors.similar_products(anchor=product, filters=selectors.ProductFilter(groups=group), limit=8).products
        if ready
        else []
    )
    return render(
        request,
        "shop/product.html",
        {
            "product": product,
            "owned": selectors.garments_like(owner=request.user, vector=product.shop_embedding) if ready else [],
            "boards": _boards(product_anchor(product)) if ready and product.category_group != "other" else [],
            "similar": similar,
            "predicted": attributes_for_display(
                product.attributes.get("predicted_attributes") or {}, product.category_group
            ),
        },
    )


@login_required
def garment_complete(request, pk):
    garment = get_object_or_404(Garment, pk=pk, owner=request.user, style_embedding__isnull=False)
    return render(request, "shop/complete.html", {"garment": garment, "boards": _boards(garment_anchor(garment))})


@catalogue_editor_required
def imports(request):
    if request.method == "POST":
        try:
            job = services.catalog_upload(
                catalog_file=request.FILES.get("catalog"),
                images_zip=request.FILES.get("images"),
                shop_name=request.POST.get("shop", ""),
                user=request.user,
            )
        except (catalog.CatalogUnreadable, ValueError) as exc:
            messages.error(request, str(exc))
            return redirect("shop:imports")
        return redirect("shop:import", pk=job.id)
    return render(request, "shop/imports.html", {"imports": CatalogImport.objects.select_related("shop")[:50]})


@catalogue_editor_required
def import_detail(request, pk):
    return render(request, "shop/import.html", {"job": get_object_or_404(CatalogImport, pk=pk)})
