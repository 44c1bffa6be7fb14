from django.apps import AppConfig


class RecommendConfig(AppConfig):
    """Outfits: grading, suggestions, feedback (see the outfits issue). Empty for now."""

    name = "recommend"
