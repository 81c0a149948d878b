"""Self-assessment pages (unit editors and heads). Included at the site root."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
