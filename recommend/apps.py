from django.apps import AppConfig


class RecommendConfig(AppConfig):
    """Outfits: grading, suggestions, feedback, closet statistics."""

    name = "recommend"

    def ready(self):
        from recommend import signals  # noqa: F401
