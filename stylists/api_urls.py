"""API of stylists, clients, looks and lookbooks (mounted at /api/stylists/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
