from django.apps import AppConfig


class TryonConfig(AppConfig):
    """Try-on previews with CAGAN: a garment from the closet or the shop on the shopper's own photo."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tryon"
