from django.apps import AppConfig


class ClosetConfig(AppConfig):
    name = "closet"

    def ready(self):
        from closet import signals  # noqa: F401  (worker start-up hooks)
