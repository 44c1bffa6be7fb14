from django.apps import AppConfig


class FashionsiteConfig(AppConfig):
    """Project-wide management commands: runstack, pgserver."""

    name = "fashionsite"
