from django.contrib import admin

from shop.models import CatalogImport, Product, ProductImage, Shop


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("position", "image", "width", "height")
    readonly_fields = ("width", "height")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "shop",
        "external_id",
        "title",
        "category",
        "gender",
        "price",
        "currency",
        "in_stock",
        "status",
    )
    list_filter = ("shop", "category_group", "category", "gender", "in_stock", "status")
    search_fields = ("title", "brand", "external_id")
    list_editable = ("price", "in_stock")
    exclude = ("embedding", "style_embedding", "shop_embedding")
    inlines = [ProductImageInline]


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = ("id", "shop", "format", "status", "processed", "total", "created_count", "updated_count")
    readonly_fields = [f.name for f in CatalogImport._meta.fields]


admin.site.register(Shop)
