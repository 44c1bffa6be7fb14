from django.apps import AppConfig


class TryonConfig(AppConfig):
    """Try-on previews with CAGAN (see the try-on issue). Empty for now."""

    name = "tryon"
