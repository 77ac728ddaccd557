"""Back office for party building. The star rating criteria (星级评定标准) are configured here
and the party-and-people service centres (党群服务中心) can be corrected here; everything else
changes through the workbench services (which check the tree rules, keep ``region_path`` and
the grid chiefs' posts, and log every change), so it is shown read-only. Service records and
star ratings are append-only histories: never changed or deleted. Lists and foreign-key choices
stay inside the user's jurisdiction; people show only their name and masked ID number."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin import JurisdictionAdminMixin, ViewOnlyAdminMixin
from gridgov.party.models import (
    Attendance,
    Claim,
    GridChiefAppointment,
    Meeting,
    Need,
    PartyMember,
    PartyOrganisation,
    Seat,
    ServiceCentre,
    ServiceRecord,
    ServiceRegistration,
    StarCriterion,
    StarRating,
)


class ViewOnlyAdmin(ViewOnlyAdminMixin):
    """Look, never write: the party records change through the services."""


class ViewOnlyInline(ViewOnlyAdmin):
    extra = 0
    can_delete = False
    show_change_link = True


class CurrentFilter(admin.SimpleListFilter):
    """在任 / 已离任 for rows with an end date (seats, grid chief appointments)."""

    title = _("任职状态")
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("在任")), ("no", _("已离任"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(ends_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(ends_on__isnull=False)
        return queryset


class InServiceFilter(admin.SimpleListFilter):
    title = _("在职党员")
    parameter_name = "in_service"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.exclude(in_service_unit="", in_service_department__isnull=True)
        if self.value() == "no":
            return queryset.filter(in_service_unit="", in_service_department__isnull=True)
        return queryset


# -- organisations and members ---------------------------------------------------------------


class SeatInline(ViewOnlyInline, admin.TabularInline[Seat, PartyOrganisation]):
    model = Seat
    fields = ("member", "title", "starts_on", "ends_on")
    raw_id_fields = ("member",)
    ordering = ("ends_on", "title", "starts_on")


@admin.register(PartyOrganisation)
class PartyOrganisationAdmin(ViewOnlyAdmin, admin.ModelAdmin[PartyOrganisation]):
    list_display = ("name", "kind", "category", "region", "parent", "stars", "is_active")
    list_filter = ("kind", "category", "level", "stars", "is_active")
    search_fields = ("name", "region__name", "^region_path")
    raw_id_fields = ("parent", "region", "organisation", "department")
    readonly_fields = ("region_path", "level", "version", "created_at", "updated_at")
    list_select_related = ("region", "parent")
    inlines = [SeatInline]


@admin.register(PartyMember)
class PartyMemberAdmin(ViewOnlyAdmin, admin.ModelAdmin[PartyMember]):
    list_display = (
        "name",
        "id_masked",
        "organisation",
        "status",
        "joined_on",
        "in_service_unit",
        "is_mobile",
        "state",
    )
    list_filter = ("status", "state", InServiceFilter, "is_mobile")
    search_fields = ("person__name", "organisation__name", "in_service_unit", "mobile_location")
    raw_id_fields = ("person", "organisation", "in_service_department", "user")
    readonly_fields = ("id_masked", "region_path", "version", "created_at", "updated_at")
    list_select_related = ("person", "organisation")

    @admin.display(description=_("姓名"), ordering="person__name")
    def name(self, obj: PartyMember) -> str:
        return obj.person.name

    @admin.display(description=_("证件号码"))
    def id_masked(self, obj: PartyMember) -> str:
        return obj.person.id_masked


@admin.register(Seat)
class SeatAdmin(ViewOnlyAdmin, admin.ModelAdmin[Seat]):
    list_display = ("organisation", "member", "title", "starts_on", "ends_on")
    list_filter = ("title", CurrentFilter)
    search_fields = ("organisation__name", "member__person__name")
    raw_id_fields = ("organisation", "member")
    list_select_related = ("organisation", "member__person")


@admin.register(GridChiefAppointment)
class GridChiefAppointmentAdmin(ViewOnlyAdmin, admin.ModelAdmin[GridChiefAppointment]):
    list_display = ("grid", "member", "is_default", "reason", "starts_on", "ends_on")
    list_filter = ("is_default", CurrentFilter)
    search_fields = ("grid__name", "member__person__name", "reason")
    raw_id_fields = ("grid", "member", "post", "appointed_by")
    list_select_related = ("grid", "member__person")


# -- 双报到, needs and service ---------------------------------------------------------------


@admin.register(ServiceRegistration)
class ServiceRegistrationAdmin(ViewOnlyAdmin, admin.ModelAdmin[ServiceRegistration]):
    list_display = ("registrant", "kind", "community", "grid", "state", "hours", "registered_at")
    list_filter = ("kind", "state")
    search_fields = ("member__person__name", "unit__name", "community__name", "grid__name")
    raw_id_fields = ("member", "unit", "community", "grid", "assigned_by")
    date_hierarchy = "registered_at"
    list_select_related = ("member__person", "unit", "community", "grid")

    @admin.display(description=_("报到人（单位）"))
    def registrant(self, obj: ServiceRegistration) -> str:
        if obj.member is not None:
            return obj.member.person.name
        return obj.unit.name if obj.unit is not None else ""


class ClaimInline(ViewOnlyInline, admin.TabularInline[Claim, Need]):
    model = Claim
    fields = ("registration", "state", "claimed_at", "hours", "confirmed_at")
    raw_id_fields = ("registration",)


@admin.register(Need)
class NeedAdmin(ViewOnlyAdmin, admin.ModelAdmin[Need]):
    list_display = ("title", "kind", "region", "slots", "state", "published_at", "due_on")
    list_filter = ("kind", "state")
    search_fields = ("title", "beneficiary", "region__name")
    raw_id_fields = ("region", "published_by")
    date_hierarchy = "published_at"
    list_select_related = ("region",)
    inlines = [ClaimInline]


@admin.register(Claim)
class ClaimAdmin(ViewOnlyAdmin, admin.ModelAdmin[Claim]):
    list_display = ("need", "registration", "state", "hours", "claimed_at", "confirmed_at")
    list_filter = ("state",)
    search_fields = (
        "need__title",
        "registration__member__person__name",
        "registration__unit__name",
    )
    raw_id_fields = ("need", "registration", "confirmed_by")
    date_hierarchy = "claimed_at"
    list_select_related = ("need", "registration__member__person", "registration__unit")


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ViewOnlyAdmin, admin.ModelAdmin[ServiceRecord]):
    """Append-only: service hours are never changed or deleted."""

    list_display = ("day", "registration", "hours", "content", "recorded_by")
    search_fields = (
        "content",
        "registration__member__person__name",
        "registration__unit__name",
    )
    raw_id_fields = ("registration", "claim", "recorded_by")
    date_hierarchy = "day"
    list_select_related = (
        "registration__member__person",
        "registration__unit",
        "registration__community",
        "recorded_by",
    )


# -- organisational life ---------------------------------------------------------------------


class AttendanceInline(ViewOnlyInline, admin.TabularInline[Attendance, Meeting]):
    model = Attendance
    fields = ("member", "kind", "signed_at", "note")
    raw_id_fields = ("member",)


@admin.register(Meeting)
class MeetingAdmin(ViewOnlyAdmin, admin.ModelAdmin[Meeting]):
    list_display = ("title", "organisation", "kind", "starts_at", "is_online", "state")
    list_filter = ("kind", "state", "is_online")
    search_fields = ("title", "organisation__name", "place")
    raw_id_fields = ("organisation", "created_by")
    date_hierarchy = "starts_at"
    list_select_related = ("organisation",)
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(ViewOnlyAdmin, admin.ModelAdmin[Attendance]):
    list_display = ("meeting", "member", "kind", "signed_at", "note")
    list_filter = ("kind",)
    search_fields = ("meeting__title", "member__person__name")
    raw_id_fields = ("meeting", "member")
    list_select_related = ("meeting", "member__person")


# -- stars -----------------------------------------------------------------------------------


@admin.register(StarCriterion)
class StarCriterionAdmin(admin.ModelAdmin[StarCriterion]):
    """The configurable criteria (five defaults from the migration). A criterion that has been
    used is switched off rather than deleted: past ratings keep its code."""

    list_display = ("code", "name", "max_points", "order", "is_active")
    list_editable = ("max_points", "order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and StarRating.objects.filter(scores__has_key=obj.code).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(StarRating)
class StarRatingAdmin(ViewOnlyAdmin, admin.ModelAdmin[StarRating]):
    """Append-only: a re-rating adds a row."""

    list_display = ("organisation", "year", "total", "max_total", "stars", "rated_by", "rated_at")
    list_filter = ("year", "stars")
    search_fields = ("organisation__name",)
    raw_id_fields = ("organisation", "rated_by")
    date_hierarchy = "rated_at"
    list_select_related = ("organisation", "rated_by")


# -- places ----------------------------------------------------------------------------------


@admin.register(ServiceCentre)
class ServiceCentreAdmin(JurisdictionAdminMixin, admin.ModelAdmin[ServiceCentre]):
    list_display = ("name", "level", "region", "phone", "opening_hours", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "address", "region__name")
    raw_id_fields = ("region", "organisation")
    readonly_fields = ("region_path",)
    list_select_related = ("region",)
    list_per_page = 50

    def save_model(self, request: HttpRequest, obj: ServiceCentre, form: Any, change: bool) -> None:
        obj.region_path = obj.region.path  # the jurisdiction follows the region
        super().save_model(request, obj, form, change)
