"""Workbench pages of organisational life (组织生活: 三会一课、主题党日): the list (filters:
organisation, kind, state, month), scheduling and editing, the meeting page (agenda, materials,
minutes, the attendance sheet with one row per expected attendee) and the participation figures
per organisation for a month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.metrics.figures import parse_period
from gridgov.party import choices as c
from gridgov.party import figures, selectors, services
from gridgov.party.models import Meeting
from gridgov.web import party as p
from gridgov.web import registry as base
from gridgov.web.party_forms import MeetingFilterForm, MeetingForm, ReasonForm

MEETING_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "online_link",
    "agenda",
    "materials",
)


def _month(value: str | None) -> str:
    value = (value or "").strip()[:7]
    try:
        dt.datetime.strptime(value, "%Y-%m")
    except ValueError:
        return ""
    return value


def meeting_filter(params: Any) -> selectors.MeetingFilter:
    organisation = params.get("organisation") or ""
    month = _month(params.get("month"))
    span = parse_period(month) if month else None
    return selectors.MeetingFilter(
        organisation=int(organisation) if organisation.isdigit() else None,
        kind=params.get("kind") or "",
        state=params.get("state") or "",
        start=span.start if span else None,
        end=span.end if span else None,
    )


@login_required
@require_GET
def meetings_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    queryset = selectors.meetings(user, meeting_filter(request.GET)).select_related("organisation")
    page = base.paginate(request, queryset)
    return render(
        request,
        "web/party/meetings.html",
        {
            "form": MeetingFilterForm(request.GET or None, organisations=p.org_choices(user)),
            "page": page,
            "rows": list(page.object_list),
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "may_manage": p.may_manage_anywhere(user),
            "section": "meetings",
        },
    )


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _values(form: MeetingForm) -> dict[str, Any]:
    data = form.cleaned_data
    values: dict[str, Any] = {name: data.get(name) or "" for name in MEETING_FIELDS}
    values["ends_at"] = values["ends_at"] or None
    values["is_online"] = bool(data.get("is_online"))
    if "organisation" in form.fields:
        values["organisation"] = data.get("organisation") or None
    return values


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    base.require_write(user)
    initial: dict[str, Any] = {"kind": c.MeetingKind.THEME_DAY}
    org_id = request.GET.get("organisation") or ""
    if org_id.isdigit():
        initial["organisation"] = org_id
    form = MeetingForm(
        request.POST or None, organisations=p.org_choices(user, manage=True), initial=initial
    )
    status = 200
    if request.method == "POST":
        form.is_valid()
        meeting, status = p.attempt(
            form,
            lambda: services.schedule_meeting(actor=base.staff(request), values=_values(form)),
        )
        if meeting is not None:
            return p.done(request, _("已安排"), "party-meeting", meeting.pk)
    return render(
        request,
        "web/party/meeting_form.html",
        {"form": form, "meeting": None, "section": "meetings"},
        status=status,
    )


def _managed(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.get_meeting(request.user, pk)
    if not p.may_manage(request.user, meeting.region_path):
        raise PermissionDenied(_("您的岗位只能查看组织生活，不能修改"))
    return meeting


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    initial: dict[str, Any] = {name: getattr(meeting, name) for name in MEETING_FIELDS}
    initial.update(
        starts_at=_local(meeting.starts_at),
        ends_at=_local(meeting.ends_at),
        is_online=meeting.is_online,
        version=meeting.version,
    )
    form = MeetingForm(request.POST or None, organisations=[], editing=True, initial=initial)
    status = 200
    if request.method == "POST":
        form.is_valid()
        values = _values(form)
        changed = p.changed(values, initial)
        result, status = p.attempt(
            form,
            lambda: services.update_meeting(
                actor=base.staff(request),
                meeting_id=meeting.pk,
                values=changed,
                expected_version=form.cleaned_data.get("version"),
            ),
        )
        if result is not None:
            return p.done(request, _("已保存"), "party-meeting", meeting.pk)
    return render(
        request,
        "web/party/meeting_form.html",
        {"form": form, "meeting": meeting, "section": "meetings"},
        status=status,
    )


def _sheet(meeting: Meeting, posted: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per expected attendee with the recorded (or posted) attendance."""
    recorded = {a.member_id: a for a in meeting.attendance.all()}
    expected = list(selectors.expected_attendees(meeting).select_related("person"))
    seen = {m.pk for m in expected}
    # members recorded earlier who are no longer active still appear on the sheet
    expected += [a.member for a in recorded.values() if a.member_id not in seen]
    rows = []
    for member in expected:
        record = recorded.get(member.pk)
        kind = (posted or {}).get(str(member.pk)) or (record.kind if record else "")
        rows.append({"member": member, "record": record, "kind": kind})
    return rows


def _meeting_context(
    request: HttpRequest,
    meeting: Meeting,
    *,
    cancel_form: ReasonForm | None = None,
    posted: dict[str, str] | None = None,
    error: str = "",
    minutes: str | None = None,
) -> dict[str, Any]:
    user = request.user
    manage = p.may_manage(user, meeting.region_path)
    sheet = _sheet(meeting, posted)
    counts = {k: 0 for k, _v in c.AttendanceKind.choices}
    for row in sheet:
        if row["record"] is not None:
            counts[row["record"].kind] += 1
    return {
        "meeting": meeting,
        "sheet": sheet,
        "counts": counts,
        "kinds": c.AttendanceKind.choices,
        "may_manage": manage and meeting.state != c.MeetingState.CANCELLED,
        "cancel_form": cancel_form or ReasonForm(),
        "open": "cancel" if cancel_form is not None else "",
        "error": error,
        "minutes": meeting.minutes if minutes is None else minutes,
        "section": "meetings",
    }


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting(request.user, pk)
    return base.no_store(
        render(request, "web/party/meeting.html", _meeting_context(request, meeting))
    )


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the attendance sheet (``att-<member id>`` = present/remote/leave/absent) and the
    minutes; this marks the meeting held."""
    meeting = _managed(request, pk)
    entries: dict[str, str] = {
        key.removeprefix("att-"): str(value)
        for key, value in request.POST.items()
        if key.startswith("att-") and value
    }
    minutes = request.POST.get("minutes")
    form = ReasonForm()
    result, status = p.attempt(
        form,
        lambda: services.record_attendance(
            actor=base.staff(request), meeting_id=meeting.pk, entries=entries, minutes=minutes
        ),
    )
    if result is not None:
        return p.done(request, _("已记录参会情况"), "party-meeting", meeting.pk)
    error = "；".join(str(e) for errs in form.errors.values() for e in errs)
    meeting = selectors.get_meeting(request.user, pk)
    context = _meeting_context(request, meeting, posted=entries, error=error, minutes=minutes)
    return base.no_store(render(request, "web/party/meeting.html", context, status=status))


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    result, status = p.attempt(
        form,
        lambda: services.cancel_meeting(
            actor=base.staff(request),
            meeting_id=meeting.pk,
            reason=form.cleaned_data.get("reason") or "",
        ),
    )
    if result is not None:
        return p.done(request, _("已取消"), "party-meeting", meeting.pk)
    meeting = selectors.get_meeting(request.user, pk)
    context = _meeting_context(request, meeting, cancel_form=form)
    return base.no_store(render(request, "web/party/meeting.html", context, status=status))


@login_required
@require_GET
def participation(request: HttpRequest) -> HttpResponse:
    """参会率 per organisation of the chosen region for a month (``?month=2026-10``)."""
    user = request.user
    region = p.chosen_region(request)
    month = _month(request.GET.get("month")) or timezone.localdate().strftime("%Y-%m")
    rows = figures.participation(user, region.path, parse_period(month)) if region else []
    return render(
        request,
        "web/party/participation.html",
        {
            "region": region,
            "regions": p.region_choices(user),
            "month": month,
            "rows": rows,
            "section": "meetings",
        },
    )
