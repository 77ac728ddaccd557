"""Back office for field work (网格力量). Courses and patrol plans can be added here, through
the same services as the workbench (which check the region, end a grid's previous plan and log
the change); everything else changes through the workbench and the phone (the roster and its
assignment history, training sheets, leave and duty, and the check-ins, patrols and track
points the phones record), so it is shown read-only. Lists and foreign-key choices stay inside
the user's jurisdiction; phones show only their masked form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin import JurisdictionAdminMixin, ViewOnlyAdminMixin
from gridgov.ops import services
from gridgov.ops.models import (
    Assignment,
    CheckIn,
    Course,
    DutyShift,
    Leave,
    Patrol,
    PatrolPlan,
    PatrolPoint,
    TrainingAttendance,
    TrainingSession,
    Worker,
)


class ViewOnlyAdmin(ViewOnlyAdminMixin):
    """Look, never write: these records change through the services."""


class ViewOnlyInline(ViewOnlyAdmin):
    extra = 0
    can_delete = False
    show_change_link = True


class AddOnlyAdmin(JurisdictionAdminMixin):
    """Added through a service (the form calls it), then read-only."""

    list_per_page = 50
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        form.actor = request.user
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        created = form.created  # made by the service while the form was validated
        obj.pk = created.pk
        for f in type(obj)._meta.concrete_fields:
            setattr(obj, f.attname, getattr(created, f.attname))
        obj._state.adding = False


class ServiceForm(forms.ModelForm):  # type: ignore[type-arg]
    """A ModelForm whose ``clean`` creates the record through a service; the service's
    field errors are shown on the form."""

    actor: Any = None
    created: Any = None

    def create(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.created = self.create(data)
        except ValidationError as error:
            for name, messages in getattr(
                error, "message_dict", {"__all__": error.messages}
            ).items():
                self.add_error(name if name in self.fields else None, messages)
        return data

    def _post_clean(self) -> None:
        # The service validated and saved the record; the model's own checks would complain
        # about the fields it fills in (region_path).
        pass


class CurrentFilter(admin.SimpleListFilter):
    """现行 / 已结束 for rows with an end date (assignments, plans)."""

    title = _("状态")
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("现行")), ("no", _("已结束"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(ends_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(ends_on__isnull=False)
        return queryset


# -- roster ----------------------------------------------------------------------------------


class AssignmentInline(ViewOnlyInline, admin.TabularInline[Assignment, Worker]):
    model = Assignment
    fields = ("grid", "is_main", "starts_on", "ends_on", "reason")
    raw_id_fields = ("grid",)
    ordering = ("ends_on", "-starts_on")


@admin.register(Worker)
class WorkerAdmin(ViewOnlyAdmin, admin.ModelAdmin[Worker]):
    list_display = (
        "name",
        "kind",
        "gender",
        "phone_masked",
        "region",
        "education",
        "political_status",
        "background_checked",
        "hired_on",
        "state",
    )
    list_filter = ("kind", "state", "education", "political_status", "background_checked")
    search_fields = ("name", "region__name", "^region_path", "user__username")
    raw_id_fields = ("user", "person", "region")
    readonly_fields = ("phone_masked", "region_path", "version", "created_at", "updated_at")
    list_select_related = ("region",)
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(ViewOnlyAdmin, admin.ModelAdmin[Assignment]):
    list_display = ("worker", "grid", "is_main", "starts_on", "ends_on", "reason")
    list_filter = ("is_main", CurrentFilter)
    search_fields = ("worker__name", "grid__name", "^region_path", "reason")
    raw_id_fields = ("worker", "grid", "created_by")
    readonly_fields = ("region_path", "created_at")
    list_select_related = ("worker", "grid")


# -- training --------------------------------------------------------------------------------


class CourseForm(ServiceForm):
    class Meta:
        model = Course
        fields = ("region", "name", "topic", "hours")

    def create(self, data: dict[str, Any]) -> Course:
        return services.create_course(
            actor=self.actor,
            region=data["region"],
            name=data.get("name") or "",
            topic=data.get("topic") or "",
            hours=data["hours"],
        )


@admin.register(Course)
class CourseAdmin(AddOnlyAdmin, admin.ModelAdmin[Course]):
    form = CourseForm
    list_display = ("name", "hours", "region", "topic", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "topic", "region__name")
    raw_id_fields = ("region",)
    list_select_related = ("region",)


class AttendanceInline(ViewOnlyInline, admin.TabularInline[TrainingAttendance, TrainingSession]):
    model = TrainingAttendance
    fields = ("worker", "status", "passed", "score")
    raw_id_fields = ("worker",)


@admin.register(TrainingSession)
class TrainingSessionAdmin(ViewOnlyAdmin, admin.ModelAdmin[TrainingSession]):
    list_display = ("course", "region", "starts_at", "ends_at", "place", "trainer")
    list_filter = ("course",)
    search_fields = ("course__name", "region__name", "place", "trainer")
    raw_id_fields = ("course", "region", "created_by")
    readonly_fields = ("region_path", "created_at")
    date_hierarchy = "starts_at"
    list_select_related = ("course", "region")
    inlines = [AttendanceInline]


@admin.register(TrainingAttendance)
class TrainingAttendanceAdmin(ViewOnlyAdmin, admin.ModelAdmin[TrainingAttendance]):
    list_display = ("session", "worker", "status", "passed", "score")
    list_filter = ("status", "passed")
    search_fields = ("worker__name", "session__course__name")
    raw_id_fields = ("session", "worker")
    readonly_fields = ("region_path",)
    list_select_related = ("session__course", "worker")


# -- leave and duty --------------------------------------------------------------------------


@admin.register(Leave)
class LeaveAdmin(ViewOnlyAdmin, admin.ModelAdmin[Leave]):
    list_display = ("worker", "kind", "starts_on", "ends_on", "approved_at", "cancelled")
    list_filter = ("kind", "cancelled")
    search_fields = ("worker__name", "reason")
    raw_id_fields = ("worker", "approved_by")
    readonly_fields = ("region_path", "created_at")
    date_hierarchy = "starts_on"
    list_select_related = ("worker",)


@admin.register(DutyShift)
class DutyShiftAdmin(ViewOnlyAdmin, admin.ModelAdmin[DutyShift]):
    list_display = ("day", "worker", "region", "note")
    search_fields = ("worker__name", "region__name", "^region_path")
    raw_id_fields = ("worker", "region", "created_by")
    readonly_fields = ("region_path", "created_at")
    date_hierarchy = "day"
    list_select_related = ("worker", "region")


# -- field work ------------------------------------------------------------------------------


@admin.register(CheckIn)
class CheckInAdmin(ViewOnlyAdmin, admin.ModelAdmin[CheckIn]):
    """What the phones recorded, refused attempts (anomalies) included."""

    list_display = ("at", "worker", "kind", "grid", "accepted", "reason", "distance_m", "accuracy")
    list_filter = ("kind", "accepted", "reason", "crs")
    search_fields = ("worker__name", "grid__name", "^region_path")
    raw_id_fields = ("worker", "grid")
    readonly_fields = ("region_path", "created_at")
    date_hierarchy = "day"
    list_select_related = ("worker", "grid")


@admin.register(Patrol)
class PatrolAdmin(ViewOnlyAdmin, admin.ModelAdmin[Patrol]):
    list_display = (
        "started_at",
        "worker",
        "grid",
        "state",
        "km",
        "minutes",
        "point_count",
        "dropped_count",
    )
    list_filter = ("state",)
    search_fields = ("worker__name", "grid__name", "^region_path", "note")
    raw_id_fields = ("worker", "grid")
    readonly_fields = ("region_path", "version", "created_at")
    date_hierarchy = "day"
    list_select_related = ("worker", "grid")

    @admin.display(description=_("里程（公里）"), ordering="distance_m")
    def km(self, obj: Patrol) -> str:
        return f"{obj.distance_m / 1000:.2f}"

    @admin.display(description=_("时长（分钟）"), ordering="duration_s")
    def minutes(self, obj: Patrol) -> int:
        return round(obj.duration_s / 60)


@admin.register(PatrolPoint)
class PatrolPointAdmin(ViewOnlyAdmin, admin.ModelAdmin[PatrolPoint]):
    list_display = ("patrol", "seq", "at", "lng", "lat", "accuracy")
    search_fields = ("patrol__worker__name",)
    raw_id_fields = ("patrol",)
    list_select_related = ("patrol__worker",)


class PatrolPlanForm(ServiceForm):
    class Meta:
        model = PatrolPlan
        fields = ("grid", "times", "period", "min_minutes", "min_distance_m", "starts_on", "note")

    def create(self, data: dict[str, Any]) -> PatrolPlan:
        return services.create_plan(
            actor=self.actor,
            grid=data["grid"],
            times=data["times"],
            period=data["period"],
            starts_on=data["starts_on"],
            min_minutes=data["min_minutes"],
            min_distance_m=data["min_distance_m"],
            note=data.get("note") or "",
        )


@admin.register(PatrolPlan)
class PatrolPlanAdmin(AddOnlyAdmin, admin.ModelAdmin[PatrolPlan]):
    """A new plan for a grid ends its current one (the service does)."""

    form = PatrolPlanForm
    list_display = (
        "grid",
        "times",
        "period",
        "min_minutes",
        "min_distance_m",
        "starts_on",
        "ends_on",
    )
    list_filter = ("period", CurrentFilter)
    search_fields = ("grid__name", "^region_path", "note")
    raw_id_fields = ("grid", "created_by")
    date_hierarchy = "starts_on"
    list_select_related = ("grid",)
