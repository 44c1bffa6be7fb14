"""Pages for stylists and their clients, and the lookbooks shoppers browse (mounted at /stylists/)."""

from django.urls import path  # noqa: F401

app_name = "stylists"

urlpatterns: list = []
