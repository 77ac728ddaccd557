"""Workbench pages of training (培训), leave (请假) and duty rosters (值班排班): courses and
sessions with the training coverage of each child region, a session's attendance sheet, leave
requests with approve / cancel, and a month calendar of duty shifts."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.metrics.figures import Span, parse_period
from gridgov.ops import choices as c
from gridgov.ops import selectors, services
from gridgov.ops.errors import OpsConflict
from gridgov.ops.models import Course, DutyShift, Leave, TrainingSession, Worker
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.web import ops as o
from gridgov.web import registry as base
from gridgov.web.ops_forms import CourseForm, DutyForm, LeaveForm, SessionForm

SESSIONS_SHOWN = 50


def _picked(queryset: QuerySet[Any], text: str) -> Any:
    """The row of ``queryset`` chosen in a select (its id as text), or None."""
    return queryset.filter(pk=int(text) if text.isdigit() else 0).first()


def _deny() -> PermissionDenied:
    return PermissionDenied(_("您的岗位只能查看，不能修改"))


# -- training --------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[str, Span]:
    """``?period=`` (a year, a month or a range as the metrics pages take it); this year."""
    text = (request.GET.get("period") or "").strip()[:40]
    if text:
        try:
            return text, parse_period(text)
        except ValueError:
            pass
    year = str(timezone.localdate().year)
    return year, parse_period(year)


def _course_choices(user: Any) -> list[tuple[str, str]]:
    rows = selectors.courses(user).filter(is_active=True)
    return [
        (str(course.pk), f"{course.name}（{course.hours} 学时）")
        for course in rows[: o.CHOICES_LIMIT]
    ]


def _training_context(
    request: HttpRequest, course_form: CourseForm | None = None, session_form: Any = None
) -> dict[str, Any]:
    from gridgov.ops import figures

    user = request.user
    region = o.chosen_region(request)
    period, span = _period(request)
    context: dict[str, Any] = {
        "region": region,
        "regions": o.region_choices(user),
        "period": period,
        "span": span,
        "courses": list(selectors.courses(user)[: o.CHOICES_LIMIT]),
        "sessions": list(
            selectors.sessions(
                user,
                region=region.path if region else "",
                day_from=span.start,
                day_to=span.end,
            )[:SESSIONS_SHOWN]
        ),
        "coverage": figures.training_coverage(user, region.path, span) if region else [],
        "may_manage": o.may_manage_anywhere(user),
        "open": "course" if course_form else ("session" if session_form else ""),
        "section": "training",
    }
    if context["may_manage"]:
        managed = o.manager_choices(user)
        context["course_form"] = course_form or CourseForm(
            regions=managed, initial={"hours": 2, "region": managed[0][0] if managed else ""}
        )
        context["session_form"] = session_form or SessionForm(
            courses=_course_choices(user), regions=managed
        )
    return context


@login_required
@require_GET
def training(request: HttpRequest) -> HttpResponse:
    return o.page(request, "web/ops/training.html", _training_context(request))


@login_required
@require_POST
def course_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not o.may_manage_anywhere(user):
        raise _deny()
    form = CourseForm(request.POST, regions=o.manager_choices(user))
    action = reverse("ops-course-new")

    def call() -> Course:
        data = form.cleaned_data
        region = regions.visible_regions(user).filter(path=data["region"]).first()
        if region is None:
            raise ValidationError({"region": _("请选择主办区划")})
        hours = data.get("hours")
        return services.create_course(
            actor=o.staff(request),
            region=region,
            name=data["name"],
            topic=data.get("topic") or "",
            **({"hours": hours} if hours is not None else {}),
        )

    course, status = o.attempt(form, call)
    if course is not None:
        return o.done(
            request, _("已新建课程 %(name)s") % {"name": course.name}, reverse("ops-training")
        )
    return o.form_error(
        request,
        form,
        action,
        status,
        lambda: o.page(
            request, "web/ops/training.html", _training_context(request, course_form=form)
        ),
    )


@login_required
@require_POST
def session_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not o.may_manage_anywhere(user):
        raise _deny()
    form = SessionForm(request.POST, courses=_course_choices(user), regions=o.manager_choices(user))
    action = reverse("ops-session-new")

    def call() -> TrainingSession:
        data = form.cleaned_data
        course = _picked(selectors.courses(user), data["course"])
        region = regions.visible_regions(user).filter(path=data["region"]).first()
        errors = {}
        if course is None:
            errors["course"] = _("请选择课程")
        if region is None:
            errors["region"] = _("请选择举办区划")
        if errors:
            raise ValidationError(errors)
        assert course is not None and region is not None
        return services.create_session(
            actor=o.staff(request),
            course=course,
            region=region,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place=data.get("place") or "",
            trainer=data.get("trainer") or "",
            note=data.get("note") or "",
        )

    session, status = o.attempt(form, call)
    if session is not None:
        return o.done(request, _("已安排培训班次"), reverse("ops-session", args=[session.pk]))
    return o.form_error(
        request,
        form,
        action,
        status,
        lambda: o.page(
            request, "web/ops/training.html", _training_context(request, session_form=form)
        ),
    )


# -- the attendance sheet --------------------------------------------------------------------


def _sheet(user: Any, session: TrainingSession) -> list[dict[str, Any]]:
    """The workers of the session's region (active) and anyone already on the sheet."""
    marked = {a.worker_id: a for a in selectors.attendance(user, session)}
    workers: dict[int, Worker] = {
        w.pk: w for w in selectors.workers(user, selectors.WorkerFilter(region=session.region_path))
    }
    for line in marked.values():
        workers.setdefault(line.worker_id, line.worker)
    rows = []
    for worker in sorted(workers.values(), key=lambda w: (w.region_path, w.name, w.pk)):
        a = marked.get(worker.pk)
        rows.append(
            {
                "worker": worker,
                "status": a.status if a else "",
                "passed": "" if a is None or a.passed is None else ("1" if a.passed else "0"),
                "score": "" if a is None or a.score is None else str(a.score),
                "error": "",
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The sheet: present / on leave / absent, passed, score for each worker of the region."""
    user = request.user
    session = selectors.get_session(user, pk)
    manage = o.may_manage(user, session.region_path)
    rows = _sheet(user, session) if manage or request.method == "GET" else []
    status = 200
    error = ""
    if request.method == "POST":
        if not manage:
            raise _deny()
        status, error = _record(request, session, rows)
        if status == 0:
            return o.done(request, _("已保存培训签到"), reverse("ops-session", args=[pk]))
    return o.page(
        request,
        "web/ops/session.html",
        {
            "session": session,
            "rows": rows,
            "statuses": c.AttendanceStatus.choices,
            "may_manage": manage,
            "error": error,
            "present": sum(1 for r in rows if r["status"] == c.AttendanceStatus.PRESENT),
            "passed": sum(1 for r in rows if r["passed"] == "1"),
            "section": "training",
        },
        status,
    )


def _record(
    request: HttpRequest, session: TrainingSession, rows: list[dict[str, Any]]
) -> tuple[int, str]:
    """Read the sheet from the post into ``rows`` and store it in one transaction: (0, "") on
    success, else (200 or 409, a message) with nothing stored and the row errors set."""
    post = request.POST
    valid = {choice for choice, _label in c.AttendanceStatus.choices}
    todo: list[tuple[dict[str, Any], str, bool | None, int | None]] = []
    bad = False
    for row in rows:
        wid = row["worker"].pk
        status = (post.get(f"att-{wid}") or "").strip()
        passed_text = (post.get(f"pass-{wid}") or "").strip()
        score_text = (post.get(f"score-{wid}") or "").strip()
        row.update(status=status, passed=passed_text, score=score_text)
        if not status:
            if passed_text or score_text:
                row["error"] = _("请先选择出勤情况")
                bad = True
            continue
        if status not in valid:
            row["error"] = _("出勤情况不正确")
            bad = True
            continue
        score: int | None = None
        if score_text:
            if not score_text.isdigit() or int(score_text) > 100:
                row["error"] = _("成绩应为 0 到 100 的整数")
                bad = True
                continue
            score = int(score_text)
        passed = {"1": True, "0": False}.get(passed_text)
        todo.append((row, status, passed, score))
    if bad:
        return 200, _("请改正标出的行")
    actor = o.staff(request)
    try:
        with transaction.atomic():
            for row, status, passed, score in todo:
                try:
                    services.record_training(
                        actor=actor,
                        session=session,
                        worker=row["worker"],
                        status=status,
                        passed=passed,
                        score=score,
                    )
                except ValidationError as exc:
                    row["error"] = "；".join(exc.messages)
                    raise
    except ValidationError:
        return 200, _("请改正标出的行")
    except OpsConflict as exc:
        return 409, exc.message
    return 0, ""


# -- leave -----------------------------------------------------------------------------------


def _leave_context(request: HttpRequest, form: LeaveForm | None = None) -> dict[str, Any]:
    user = request.user
    region = o.filter_region(request)
    pending = request.GET.get("pending") == "1"
    rows = selectors.leaves(user, region=region, pending=pending)
    page = base.paginate(request, rows)
    context: dict[str, Any] = {
        "page": page,
        "rows": [(leave, o.may_manage(user, leave.region_path)) for leave in page.object_list],
        "total": page.paginator.count,
        "query": base.query_without_page(request),
        "regions": o.region_choices(user),
        "region_path": region,
        "pending": pending,
        "may_manage": o.may_manage_anywhere(user),
        "today": timezone.localdate(),
        "open": "leave" if form else "",
        "section": "leave",
    }
    if context["may_manage"]:
        context["leave_form"] = form or LeaveForm(workers=o.worker_choices(user))
    return context


@login_required
@require_http_methods(["GET", "POST"])
def leave_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        return o.page(request, "web/ops/leave.html", _leave_context(request))
    if not o.may_manage_anywhere(user):
        raise _deny()
    form = LeaveForm(request.POST, workers=o.worker_choices(user))

    def call() -> Leave:
        data = form.cleaned_data
        worker = _picked(selectors.workers(user), data["worker"])
        if worker is None:
            raise ValidationError({"worker": _("请选择网格力量")})
        return services.request_leave(
            actor=o.staff(request),
            worker=worker,
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reason=data.get("reason") or "",
        )

    leave, status = o.attempt(form, call)
    if leave is not None:
        return o.done(request, _("已登记请假"), reverse("ops-leave"))
    return o.form_error(
        request,
        form,
        reverse("ops-leave"),
        status,
        lambda: o.page(request, "web/ops/leave.html", _leave_context(request, form)),
    )


@login_required
@require_POST
def leave_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    leave = selectors.leaves(user).filter(pk=pk).first()
    if leave is None or action not in ("approve", "cancel"):
        raise Http404(_("记录不存在或不在您的辖区内"))
    call = services.approve_leave if action == "approve" else services.cancel_leave
    try:
        call(actor=o.staff(request), leave=leave)
    except OpsConflict as exc:
        messages.error(request, exc.message)
        return redirect(reverse("ops-leave"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(reverse("ops-leave"))
    message = _("已批准请假") if action == "approve" else _("已撤销请假")
    return o.done(request, message, reverse("ops-leave"))


# -- duty ------------------------------------------------------------------------------------


def _weeks(year: int, month: int, shifts: list[DutyShift]) -> list[list[dict[str, Any]]]:
    by_day: dict[dt.date, list[DutyShift]] = {}
    for shift in shifts:
        by_day.setdefault(shift.day, []).append(shift)
    today = timezone.localdate()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                {
                    "day": day,
                    "in_month": day.month == month,
                    "weekend": day.weekday() >= 5,
                    "today": day == today,
                    "shifts": by_day.get(day, []),
                }
                for day in week
            ]
        )
    return weeks


def _duty_context(request: HttpRequest, form: DutyForm | None = None) -> dict[str, Any]:
    user = request.user
    region = o.chosen_region(request)
    month, span = o.month_of(request, to_date=False)
    path = region.path if region else ""
    shifts = (
        list(selectors.duties(user, region=path, day_from=span.start, day_to=span.end))
        if region
        else []
    )
    previous = (span.start - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (span.end + dt.timedelta(days=1)).strftime("%Y-%m")
    context: dict[str, Any] = {
        "region": region,
        "regions": o.region_choices(user),
        "month": month,
        "span": span,
        "previous": previous,
        "following": following,
        "weeks": _weeks(span.start.year, span.start.month, shifts),
        "weekdays": [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")],
        "count": len(shifts),
        "may_manage": bool(region) and o.may_manage_anywhere(user),
        "manage_paths": [],
        "open": "duty" if form else "",
        "section": "duty",
    }
    if context["may_manage"] and region is not None:
        context["duty_form"] = form or DutyForm(
            workers=o.worker_choices(user, region=path),
            regions=o.level_choices(
                user, (Level.TOWNSHIP, Level.VILLAGE, Level.GRID), manage=True, under=path
            ),
            initial={"region": path if o.may_manage(user, path) else ""},
        )
        context["removable"] = {s.pk for s in shifts if o.may_manage(user, s.region_path)}
    return context


@login_required
@require_http_methods(["GET", "POST"])
def duty(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        return o.page(request, "web/ops/duty.html", _duty_context(request))
    if not o.may_manage_anywhere(user):
        raise _deny()
    region = o.chosen_region(request)
    path = region.path if region else ""
    form = DutyForm(
        request.POST,
        workers=o.worker_choices(user, region=path),
        regions=o.level_choices(
            user, (Level.TOWNSHIP, Level.VILLAGE, Level.GRID), manage=True, under=path
        ),
    )

    def call() -> DutyShift:
        data = form.cleaned_data
        worker = _picked(selectors.workers(user), data["worker"])
        where = regions.visible_regions(user).filter(path=data["region"]).first()
        errors = {}
        if worker is None:
            errors["worker"] = _("请选择网格力量")
        if where is None:
            errors["region"] = _("请选择值班区域")
        if errors:
            raise ValidationError(errors)
        assert worker is not None and where is not None
        return services.set_duty(
            actor=o.staff(request),
            worker=worker,
            region=where,
            day=data["day"],
            note=data.get("note") or "",
        )

    shift, status = o.attempt(form, call)
    back = request.get_full_path()
    if shift is not None:
        return o.done(request, _("已排班"), back)
    return o.form_error(
        request,
        form,
        back,
        status,
        lambda: o.page(request, "web/ops/duty.html", _duty_context(request, form)),
    )


@login_required
@require_POST
def duty_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    shift = selectors.duties(user).filter(pk=pk).first()
    if shift is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    month = shift.day.strftime("%Y-%m")
    services.remove_duty(actor=o.staff(request), duty=shift)
    back = reverse("ops-duty") + f"?month={month}"
    region = (request.POST.get("region") or "").strip()
    if region.isdigit():
        back += f"&region={region}"
    return o.done(request, _("已取消排班"), back)
