from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin import JurisdictionAdminMixin
from gridgov.regions.choices import Level
from gridgov.regions.models import Grid, Region


@admin.display(description=_("面积（平方公里）"), ordering="area_km2")
def area(region: Region) -> str:
    return "—" if region.area_km2 is None else f"{region.area_km2:,.2f}"


@admin.register(Region)
class RegionAdmin(JurisdictionAdminMixin, admin.ModelAdmin[Region]):
    list_display = ("code", "name", "level", "kind", "parent", area, "is_active")
    list_filter = ("level", "kind", "is_active")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "area_km2", "label_lng", "label_lat", "created_at", "updated_at")
    exclude = ("geometry",)
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        from gridgov.regions import codes

        obj.path = codes.path_from_code(obj.code)
        super().save_model(request, obj, form, change)


@admin.register(Grid)
class GridAdmin(JurisdictionAdminMixin, admin.ModelAdmin[Grid]):
    list_display = ("code", "name", "kind", "parent", "households", "population", area)
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "parent__name", "dedicated_to")
    raw_id_fields = ("parent",)
    fields = (
        "code",
        "name",
        "kind",
        "parent",
        "households",
        "population",
        "dedicated_to",
        "is_active",
        "area_km2",
    )
    readonly_fields = ("code", "parent", "area_km2")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(level=Level.GRID).select_related("parent")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # grids come from `gridgov import-grids` with their geometry
