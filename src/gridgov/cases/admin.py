from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gridgov.cases.context import forget_calendar
from gridgov.cases.models import (
    Board,
    CalendarOverride,
    Case,
    CaseEvent,
    Item,
    ItemVersion,
    Notification,
)
from gridgov.cases.services import publish_item_version
from gridgov.core.admin import JurisdictionAdminMixin


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin[Board]):
    list_display = ("code", "name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


class ItemVersionInline(admin.TabularInline[ItemVersion, Item]):
    model = ItemVersion
    extra = 0
    can_delete = False
    fields = (
        "number",
        "level",
        "department",
        "difficulty",
        "sign_amount",
        "sign_unit",
        "handle_amount",
        "handle_unit",
        "verify_amount",
        "verify_unit",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    list_display = (
        "code",
        "name",
        "board",
        "level",
        "department",
        "difficulty",
        "handle_amount",
        "handle_unit",
        "version",
        "is_active",
    )
    list_filter = ("board", "level", "difficulty", "is_active")
    search_fields = ("code", "name", "description")
    raw_id_fields = ("department",)
    readonly_fields = ("version",)
    inlines = [ItemVersionInline]

    def save_model(self, request: HttpRequest, obj: Item, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A change of the rules publishes a new version; open cases keep theirs.
        publish_item_version(item=obj)


class CaseEventInline(admin.TabularInline[CaseEvent, Case]):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("seq", "at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    ordering = ("seq",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(JurisdictionAdminMixin, admin.ModelAdmin[Case]):
    """Read-only in the back office: cases change only through the workflow."""

    list_display = (
        "number",
        "title",
        "status",
        "item",
        "level",
        "centre",
        "due_at",
        "supervision",
        "created_at",
    )
    list_filter = ("status", "board", "channel", "level", "supervision", "urgency")
    search_fields = ("number", "title")
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]
    list_per_page = 50
    show_full_result_count = False
    list_select_related = ("item", "centre")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin[CalendarOverride]):
    list_display = ("day", "is_working_day", "note")
    list_filter = ("is_working_day",)

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        forget_calendar()

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        super().delete_model(request, obj)
        forget_calendar()


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("created_at", "recipient", "kind", "message", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient", "case")
