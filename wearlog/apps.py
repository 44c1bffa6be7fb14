from django.apps import AppConfig


class WearlogConfig(AppConfig):
    """The wear log: outfit photos, the garments detected in them, and the calendar of wears."""

    name = "wearlog"

    def ready(self):
        from wearlog import signals  # noqa: F401  (worker start-up hook)
