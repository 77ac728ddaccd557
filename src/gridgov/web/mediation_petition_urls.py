"""Workbench pages at ``/work/mediation/`` (see ``mediation_urls``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
