"""The stylists' trends page and its API (mounted at /trends/ and /api/trends/)."""

from django.urls import path  # noqa: F401

app_name = "trends"

urlpatterns: list = []
api_urlpatterns: list = []
