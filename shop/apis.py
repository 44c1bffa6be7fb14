from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from closet.models import Garment
from shop import catalog, looks, selectors, services
from shop.models import CatalogImport, Product, Shop
from shop.permissions import CatalogueEditor, CatalogueEditorWrites
from shop.search import search_run
from shop.serializers import (
    BoardSerializer,
    CatalogImportSerializer,
    OwnedLikeSerializer,
    ProductSearchParams,
    ProductSerializer,
)

SearchPageSerializer = inline_serializer(
    "ProductSearchPage",
    {
        "count": serializers.IntegerField(),
        "count_is_estimate": serializers.BooleanField(),
        "page": serializers.IntegerField(),
        "page_size": serializers.IntegerField(),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "plan": serializers.CharField(),
        "filters": serializers.DictField(),
        "results": ProductSerializer(many=True),
    },
)


class ProductSearchApi(APIView):
    """Browse or search the catalogue: words (`q`, e.g. "navy linen shirt under 50"), filters, or "similar to".

    Every filtered page is full while enough products pass the filter (see shop.selectors).
    """

    @extend_schema(
        operation_id="api_shop_products_list", parameters=[ProductSearchParams], responses=SearchPageSerializer
    )
    def get(self, request):
        params = ProductSearchParams(
            data=request.query_params.dict()
        )  # a QueryDict would read a missing in_stock as false
        params.is_valid(raise_exception=True)
        result = search_run(user=request.user, params=params.validated_data)
        page, size = params.validated_data["page"], params.validated_data["page_size"]

        def link(n):
            query = request.query_params.copy()
            query["page"] = n
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        return Response(
            {
                "count": result.page.count,
                "count_is_estimate": result.page.count_is_estimate,
                "page": page,
                "page_size": size,
                "next": link(page + 1) if page * size < result.page.count else None,
                "previous": link(page - 1) if page > 1 else None,
                "plan": result.page.plan,
                "filters": result.parsed.filters() if result.parsed else {},
                "results": ProductSerializer(result.page.products, many=True).data,
            }
        )


class ProductDetailApi(generics.RetrieveUpdateDestroyAPIView):
    """A product; staff may change its title, brand, price, currency, URL and stock, or delete it."""

    serializer_class = ProductSerializer
    permission_classes = [CatalogueEditorWrites]
    queryset = Product.objects.select_related("shop").prefetch_related("images")
    http_method_names = ["get", "patch", "delete"]


class ProductOwnedLikeApi(APIView):
    """ "You already own something like this": your garments nearest this product."""

    @extend_schema(responses=OwnedLikeSerializer(many=True))
    def get(self, request, pk):
        product = get_object_or_404(Product, pk=pk, status=Product.Status.READY)
        like = selectors.garments_like(owner=request.user, vector=product.shop_embedding)
        return Response(OwnedLikeSerializer(like, many=True).data)


def _boards(anchor: looks.Anchor) -> list[looks.Board]:
    from recommend.inference import grader

    return looks.complete_the_look(anchor, grader())


def product_anchor(product: Product) -> looks.Anchor:
    from ml.outfit import slot_for_category
    from ml.outfit.features import product_extra

    slot = slot_for_category(product.category_group, product.category) if product.category_group != "other" else ""
    extra = product_extra(product.title, product.base_colour, product.colour_terms, product.attributes)
    return looks.Anchor(product.style_embedding, slot, product.gender, exclude_product=product.id, extra=extra)


def garment_anchor(garment: Garment) -> looks.Anchor:
    from ml.outfit import slot_for_category
    from ml.outfit.features import garment_extra
    from recommend.selectors import _item_vector

    vector = _item_vector(garment.style_embedding, garment.name_embedding)
    extra = garment_extra(garment.colour_names, garment.attributes)
    return looks.Anchor(vector, slot_for_category(garment.category_group, garment.category), extra=extra)


class ProductCompleteApi(APIView):
    """Complete the look around a product: boards of catalogue products graded by the outfit grader."""

    @extend_schema(responses=BoardSerializer(many=True))
    def get(self, request, pk):
        product = get_object_or_404(Product, pk=pk, status=Product.Status.READY)
        return Response(BoardSerializer(_boards(product_anchor(product)), many=True).data)


class GarmentCompleteApi(APIView):
    """Complete the look around one of your garments with catalogue products."""

    @extend_schema(responses=BoardSerializer(many=True))
    def get(self, request, pk):
        garment = get_object_or_404(Garment, pk=pk, owner=request.user, style_embedding__isnull=False)
        return Response(BoardSerializer(_boards(garment_anchor(garment)), many=True).data)


class ShopSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shop
        fields = ["name", "slug", "url"]


class ShopListApi(generics.ListAPIView):
    serializer_class = ShopSerializer
    queryset = Shop.objects.all()


class CatalogImportListApi(APIView):
    """Staff: import a catalogue (CSV or JSON, plus a ZIP of its photos); it runs in the background."""

    permission_classes = [CatalogueEditor]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=CatalogImportSerializer(many=True))
    def get(self, request):
        return Response(CatalogImportSerializer(CatalogImport.objects.select_related("shop")[:50], many=True).data)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "CatalogUpload",
                {
                    "catalog": serializers.FileField(),
                    "images": serializers.FileField(required=False, help_text="ZIP of the photos"),
                    "shop": serializers.CharField(),
                },
            )
        },
        responses={202: CatalogImportSerializer, 400: dict},
    )
    def post(self, request):
        try:
            job = services.catalog_upload(
                catalog_file=request.FILES.get("catalog"),
                images_zip=request.FILES.get("images"),
                shop_name=request.data.get("shop", ""),
                user=request.user,
            )
        except (catalog.CatalogUnreadable, ValueError) as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(CatalogImportSerializer(job).data, status=202)


class CatalogImportDetailApi(generics.RetrieveAPIView):
    permission_classes = [CatalogueEditor]
    serializer_class = CatalogImportSerializer
    queryset = CatalogImport.objects.select_related("shop")
