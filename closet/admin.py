from django.contrib import admin

from closet.models import Correction, Garment, IngestJob, Photo


@admin.register(Garment)
class GarmentAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "category", "category_confidence", "category_source", "model_version", "created_at")
    list_filter = ("category_group", "category", "category_source")
    search_fields = ("owner__username",)
    exclude = ("embedding",)


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "status", "stage", "attempts", "created_at", "finished_at")
    list_filter = ("status",)


admin.site.register(Photo)
admin.site.register(Correction)
