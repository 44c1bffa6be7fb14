from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ShopConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shop"

    def ready(self):
        from shop.permissions import editors_group_sync

        post_migrate.connect(editors_group_sync, sender=self)
