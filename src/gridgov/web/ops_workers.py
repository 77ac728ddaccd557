"""Workbench pages of the roster (网格力量名册): the filtered list, adding and editing a roster
entry, the worker's page (profile with the masked phone, entry requirements, grids and
assignment history, training, leave and duty, this month's check-ins and patrols, the month's
assessment values) and its forms: assign to a grid, end an assignment, end the worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.ops import choices as c
from gridgov.ops import selectors, services
from gridgov.ops.models import Assignment, TrainingAttendance, Worker
from gridgov.regions import selectors as regions
from gridgov.regions.models import Region
from gridgov.web import ops as o
from gridgov.web import registry as base
from gridgov.web.ops_forms import (
    AssignForm,
    EndAssignmentForm,
    EndWorkerForm,
    WorkerFilterForm,
    WorkerForm,
)

# Entry requirements (准入条件) shown on the worker's page: a full-time grid worker should have
# at least a senior-school education, a recorded political status, be 18 to 60 years old,
# have passed the background check (政审) and a training session.
MIN_EDUCATION = c.Education.SENIOR
MIN_AGE, MAX_AGE = 18, 60
WORKER_FIELDS = (
    "name",
    "gender",
    "kind",
    "birth_date",
    "education",
    "political_status",
    "background_checked",
    "note",
)


@login_required
@require_GET
def workers_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    o.filter_region(request)
    flt = selectors.WorkerFilter.from_params(request.GET)
    queryset = selectors.workers(user, flt)
    page = base.paginate(request, queryset)
    rows = list(page.object_list)
    today = timezone.localdate()
    grids: dict[int, list[Assignment]] = {w.pk: [] for w in rows}
    for a in (
        Assignment.objects.filter(worker_id__in=list(grids))
        .filter(selectors.current_assignment_q(today))
        .select_related("grid")
        .order_by("-is_main", "starts_on")
    ):
        grids[a.worker_id].append(a)
    form = WorkerFilterForm(request.GET or None, regions=o.region_choices(user))
    return o.page(
        request,
        "web/ops/workers.html",
        {
            "form": form,
            "page": page,
            "rows": [(w, grids[w.pk]) for w in rows],
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "may_manage": o.may_manage_anywhere(user),
            "section": "workers",
        },
    )


# -- the worker's page -----------------------------------------------------------------------


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def requirements(worker: Worker, trainings: list[TrainingAttendance]) -> list[dict[str, Any]]:
    """The entry requirements, each met or not, with what is recorded."""
    today = timezone.localdate()
    age = age_on(worker.birth_date, today)
    ranks = c.EDUCATION_RANK
    passed = [t for t in trainings if t.passed]
    return [
        {
            "label": gettext_lazy("学历（高中、中专及以上）"),
            "met": bool(worker.education)
            and ranks.get(worker.education, -1) >= ranks[MIN_EDUCATION],
            "value": worker.get_education_display() or _("未登记"),
        },
        {
            "label": gettext_lazy("政治面貌"),
            "met": bool(worker.political_status),
            "value": worker.get_political_status_display() or _("未登记"),
        },
        {
            "label": gettext_lazy("年龄（18–60 周岁）"),
            "met": age is not None and MIN_AGE <= age <= MAX_AGE,
            "value": _("%(n)s 岁") % {"n": age} if age is not None else _("未登记出生日期"),
        },
        {
            "label": gettext_lazy("政审"),
            "met": worker.background_checked,
            "value": _("已通过") if worker.background_checked else _("未通过或未审查"),
        },
        {
            "label": gettext_lazy("岗前培训考核合格"),
            "met": bool(passed),
            "value": passed[0].session.course.name if passed else _("没有合格记录"),
        },
    ]


def _context(
    request: HttpRequest,
    worker: Worker,
    *,
    forms: dict[str, Any] | None = None,
    open_: str = "",
) -> dict[str, Any]:
    from gridgov.ops import assessment

    user = request.user
    month, span = o.month_of(request)
    _month, whole = o.month_of(request, to_date=False)
    trainings = list(
        selectors.visible(TrainingAttendance, user)
        .filter(worker=worker)
        .select_related("session__course", "session__region")
        .order_by("-session__starts_at")
    )
    current = selectors.current_assignments(worker)
    manage = o.may_manage(user, worker.region_path) and worker.state == c.WorkerState.ACTIVE
    context: dict[str, Any] = {
        "worker": worker,
        "age": age_on(worker.birth_date, timezone.localdate()),
        "requirements": requirements(worker, trainings),
        "current": current,
        "history": selectors.assignment_history(worker),
        "trainings": trainings,
        "leaves": list(selectors.leaves(user, worker=worker.pk)[:20]),
        "duties": list(
            selectors.duties(user, day_from=span.start, day_to=whole.end).filter(worker=worker)
        ),
        "checkins": list(
            selectors.checkins(user, worker=worker.pk, day_from=span.start, day_to=span.end)[:100]
        ),
        "patrols": list(
            selectors.patrols(user, worker=worker.pk, day_from=span.start, day_to=span.end)[:100]
        ),
        "values": assessment.worker_values(worker, span),
        "month": month,
        "span": span,
        "may_manage": manage,
        "open": open_,
        "assign_url": reverse("ops-worker-assign", args=[worker.pk]),
        "end_assignment_url": reverse("ops-assignment-end", args=[worker.pk]),
        "end_url": reverse("ops-worker-end", args=[worker.pk]),
        "section": "workers",
    }
    if manage:
        forms = forms or {}
        context["assign_form"] = forms.get("assign") or AssignForm(
            grids=o.grid_choices(user), initial={"starts_on": timezone.localdate(), "is_main": True}
        )
        context["end_assignment_form"] = forms.get("end_assignment") or EndAssignmentForm(
            assignments=_assignment_choices(current), initial={"ends_on": timezone.localdate()}
        )
        context["end_form"] = forms.get("end") or EndWorkerForm(
            initial={"left_on": timezone.localdate()}
        )
    return context


@login_required
@require_GET
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    worker = selectors.get_worker(request.user, pk)
    return o.page(request, "web/ops/worker.html", _context(request, worker))


def _assignment_choices(current: list[Assignment]) -> list[tuple[str, str]]:
    main, other = _("主责"), _("协助")
    return [
        (str(a.pk), f"{a.grid.name}（{main if a.is_main else other}，{a.starts_on:%Y-%m-%d} 起）")
        for a in current
    ]


def _managed(request: HttpRequest, pk: int) -> Worker:
    worker = selectors.get_worker(request.user, pk)
    if not o.may_manage(request.user, worker.region_path):
        raise PermissionDenied(_("您的岗位只能查看网格力量信息，不能修改"))
    return worker


def _region(user: Any, path: str) -> Region | None:
    return regions.visible_regions(user).filter(path=(path or "")[:18]).first()


# -- new / edit ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def worker_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not o.may_manage_anywhere(user):
        raise PermissionDenied(_("您的岗位只能查看网格力量信息，不能修改"))
    initial: dict[str, Any] = {"hired_on": timezone.localdate(), "kind": c.WorkerKind.FULL_TIME}
    choices = o.manager_choices(user)
    if len(choices) == 1:
        initial["region"] = choices[0][0]
    form = WorkerForm(request.POST or None, regions=choices, initial=initial)
    status = 200
    if request.method == "POST":

        def call() -> Worker:
            data = form.cleaned_data
            region = _region(user, data["region"])
            if region is None:
                form.add_error("region", _("请选择管理单位"))
                raise _Invalid
            return services.create_worker(
                actor=o.staff(request),
                region=region,
                name=data["name"],
                gender=data["gender"],
                kind=data["kind"],
                hired_on=data["hired_on"],
                birth_date=data.get("birth_date"),
                phone=data.get("phone") or "",
                education=data.get("education") or "",
                political_status=data.get("political_status") or "",
                background_checked=bool(data.get("background_checked")),
                note=data.get("note") or "",
                user=_account(form, data.get("account") or ""),
            )

        worker, status = _try(form, call)
        if worker is not None:
            return o.done(
                request,
                _("已登记 %(name)s") % {"name": worker.name},
                reverse("ops-worker", args=[worker.pk]),
            )
    return o.page(
        request,
        "web/ops/worker_form.html",
        {"form": form, "worker": None, "section": "workers"},
        status,
    )


def _account(form: Any, text: str) -> Any:
    """The staff account named in the form (login name), None for an empty field."""
    from gridgov.accounts.models import User

    name = (text or "").strip()
    if not name:
        return None
    found = User.objects.filter(username=name, is_active=True).first()
    if found is None:
        form.add_error("account", _("没有此登录名的有效账号"))
        raise _Invalid
    return found


class _Invalid(Exception):
    """A form error found in the view (already on the form)."""


def _try(form: Any, call: Any) -> tuple[Any, int]:
    try:
        return o.attempt(form, call, {"user": "account"})
    except _Invalid:
        return None, 200


@login_required
@require_http_methods(["GET", "POST"])
def worker_edit(request: HttpRequest, pk: int) -> HttpResponse:
    worker = _managed(request, pk)
    user = request.user
    initial: dict[str, Any] = {name: getattr(worker, name) for name in WORKER_FIELDS}
    initial.update(region=worker.region_path, hired_on=worker.hired_on, version=worker.version)
    linked = worker.user.username if worker.user is not None else ""
    initial["account"] = linked
    choices = o.manager_choices(user)
    if worker.region_path not in {k for k, _v in choices}:
        choices.insert(0, (worker.region_path, worker.region.name))
    form = WorkerForm(request.POST or None, regions=choices, editing=True, initial=initial)
    status = 200
    if request.method == "POST":

        def call() -> Worker:
            data = form.cleaned_data
            changes: dict[str, Any] = {}
            for name in (*WORKER_FIELDS, "hired_on"):
                value = data.get(name)
                if name == "background_checked":
                    value = bool(value)
                elif value is None:
                    value = None if name in ("birth_date", "hired_on") else ""
                if value != initial.get(name):
                    changes[name] = value
            if data.get("phone"):
                changes["phone"] = data["phone"]
            if (data.get("account") or "").strip() != linked:
                changes["user"] = _account(form, data.get("account") or "")
            if data.get("region") and data["region"] != worker.region_path:
                region = _region(user, data["region"])
                if region is None:
                    form.add_error("region", _("请选择管理单位"))
                    raise _Invalid
                changes["region"] = region
            version = data.get("version") or worker.version
            return services.update_worker(
                actor=o.staff(request), worker=worker, version=version, **changes
            )

        result, status = _try(form, call)
        if result is not None:
            return o.done(request, _("已保存"), reverse("ops-worker", args=[worker.pk]))
    return o.page(
        request,
        "web/ops/worker_form.html",
        {"form": form, "worker": worker, "section": "workers"},
        status,
    )


# -- assignments and ending ------------------------------------------------------------------


SUBMIT = {
    "assign": gettext_lazy("分配"),
    "end_assignment": gettext_lazy("结束分配"),
    "end": gettext_lazy("办理离岗"),
}


def _detail_again(
    request: HttpRequest, pk: int, name: str, form: Any, status: int, action: str
) -> HttpResponse:
    def full() -> HttpResponse:
        worker = selectors.get_worker(request.user, pk)
        context = _context(request, worker, forms={name: form}, open_=name)
        return o.page(request, "web/ops/worker.html", context)

    return o.form_error(request, form, action, status, full, submit=SUBMIT[name])


@login_required
@require_POST
def worker_assign(request: HttpRequest, pk: int) -> HttpResponse:
    worker = _managed(request, pk)
    user = request.user
    form = AssignForm(request.POST, grids=o.grid_choices(user))
    action = reverse("ops-worker-assign", args=[pk])

    def call() -> Assignment:
        data = form.cleaned_data
        grid = _region(user, data["grid"])
        if grid is None:
            form.add_error("grid", _("请选择网格"))
            raise _Invalid
        return services.assign(
            actor=o.staff(request),
            worker=worker,
            grid=grid,
            starts_on=data["starts_on"],
            is_main=bool(data.get("is_main")),
            reason=data.get("reason") or "",
        )

    result, status = _try(form, call)
    if result is not None:
        return o.done(
            request,
            _("已分配到 %(grid)s") % {"grid": result.grid.name},
            reverse("ops-worker", args=[pk]),
        )
    return _detail_again(request, pk, "assign", form, status, action)


@login_required
@require_POST
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    worker = _managed(request, pk)
    form = EndAssignmentForm(
        request.POST, assignments=_assignment_choices(selectors.current_assignments(worker))
    )
    action = reverse("ops-assignment-end", args=[pk])

    def call() -> Assignment:
        data = form.cleaned_data
        chosen = str(data.get("assignment") or "")
        assignment = Assignment.objects.filter(
            worker=worker, pk=int(chosen) if chosen.isdigit() else 0
        ).first()
        if assignment is None:
            form.add_error("assignment", _("请选择要结束的网格分配"))
            raise _Invalid
        return services.end_assignment(
            actor=o.staff(request),
            assignment=assignment,
            ends_on=data["ends_on"],
            reason=data.get("reason") or "",
        )

    result, status = _try(form, call)
    if result is not None:
        return o.done(request, _("已结束网格分配"), reverse("ops-worker", args=[pk]))
    return _detail_again(request, pk, "end_assignment", form, status, action)


@login_required
@require_POST
def worker_end(request: HttpRequest, pk: int) -> HttpResponse:
    worker = _managed(request, pk)
    form = EndWorkerForm(request.POST)
    action = reverse("ops-worker-end", args=[pk])

    def call() -> Worker:
        data = form.cleaned_data
        return services.end_worker(
            actor=o.staff(request), worker=worker, left_on=data["left_on"], reason=data["reason"]
        )

    result, status = _try(form, call)
    if result is not None:
        return o.done(request, _("已办理离岗"), reverse("ops-worker", args=[pk]))
    return _detail_again(request, pk, "end", form, status, action)
