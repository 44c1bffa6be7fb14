from django.apps import AppConfig


class StylistsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stylists"
