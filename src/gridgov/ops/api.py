"""Field work in the JSON API (/api/v1/ops/…): the roster of grid workers (网格力量) and their
grid assignments, coverage, training, leave and duty rosters, check-in and patrols from the
phone (with the track as GeoJSON), workers on duty now, patrol plans, and the figures and
assessment ranking.

Thin: reads go through ``ops.selectors`` / ``ops.figures`` / ``ops.assessment`` (the one
jurisdiction function plus the caller's own roster entry), writes through ``ops.services``
(validation with field-level Chinese messages, 404 outside the jurisdiction, 403 where the
caller may only look, ``OpsConflict`` → 409). A worker leaves with name, gender, birth year
and the masked phone only; free text passes ``redact``. Lists page by keyset (``cursor`` /
``next``, at most 200 rows a page)."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, PathEx, Query, QueryEx, Router, Status

from gridgov.accounts.models import User
from gridgov.accounts.roles import Role
from gridgov.core.apischemas import MAX_ID, Keyset
from gridgov.core.apiutil import choice_label, display_name, free_text, place, staff, user_name
from gridgov.core.jurisdiction import restrict
from gridgov.metrics import access as metrics_access
from gridgov.metrics.api import period_out, span_of
from gridgov.metrics.figures import Value
from gridgov.ops import access, figures, selectors, services
from gridgov.ops import assessment as scoring
from gridgov.ops import choices as c
from gridgov.ops.models import (
    Assignment,
    CheckIn,
    Course,
    DutyShift,
    Leave,
    Patrol,
    PatrolPlan,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.schemas import (
    REGION_FILTER,
    AssessmentOut,
    AssignmentEndIn,
    AssignmentOut,
    CheckinCoverageOut,
    CheckInIn,
    CheckInList,
    CheckInOut,
    CheckInQuery,
    CourseIn,
    CourseOut,
    DutyIn,
    DutyList,
    DutyOut,
    DutyQuery,
    GridAssignIn,
    GridCoverageOut,
    IngestOut,
    LeaveIn,
    LeaveList,
    LeaveOut,
    LeaveQuery,
    MyFiguresOut,
    PatrolList,
    PatrolOut,
    PatrolQuery,
    PatrolStartIn,
    PlanCoverageOut,
    PlanEndIn,
    PlanIn,
    PlanList,
    PlanOut,
    PlanQuery,
    PointsIn,
    RosterSummaryOut,
    SessionDetailOut,
    SessionIn,
    SessionList,
    SessionQuery,
    SheetIn,
    StopIn,
    TrainingCoverageOut,
    WorkerEndIn,
    WorkerIn,
    WorkerList,
    WorkerOut,
    WorkerPatch,
    WorkerQuery,
    WorkerTodayOut,
)
from gridgov.ops.selectors import WorkerFilter
from gridgov.regions import selectors as region_selectors
from gridgov.regions.models import Region

router = Router(tags=["网格力量"])

Id = PathEx[int, P(ge=1, le=MAX_ID, description="记录编号")]
RegionParam = QueryEx[str, P(pattern=REGION_FILTER, description="区划路径（含下级）；默认本辖区")]
PeriodParam = QueryEx[
    str, P(max_length=30, description="月 2026-10（默认本月）、年 2026、日或 起..止")
]


class DayKeyset(Keyset):
    """``Keyset`` that also orders by dates (kind ``date``): the cursor carries them as ISO
    text and reads them back as dates."""

    def encode(self, obj: Model) -> str:
        plain = Keyset(tuple((n, "str" if k == "date" else k) for n, k in self.order))
        shadow = _DateText(obj, {n.lstrip("-") for n, k in self.order if k == "date"})
        return plain.encode(shadow)  # type: ignore[arg-type]

    def decode(self, cursor: str) -> list[Any]:
        plain = Keyset(tuple((n, "str" if k == "date" else k) for n, k in self.order))
        values = plain.decode(cursor)
        try:
            return [
                dt.date.fromisoformat(v) if k == "date" else v
                for v, (_n, k) in zip(values, self.order, strict=True)
            ]
        except ValueError as exc:
            raise ValidationError({"cursor": [_("游标无效")]}) from exc


class _DateText:
    """An object's attributes with its dates as ISO text (for ``DayKeyset.encode``)."""

    def __init__(self, obj: Model, dates: set[str]) -> None:
        self._obj = obj
        self._dates = dates

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._obj, name)
        return value.isoformat() if name in self._dates else value


WORKERS_ORDER = Keyset((("region_path", "str"), ("kind", "str"), ("name", "str"), ("id", "int")))
CHECKINS_ORDER = Keyset((("-at", "datetime"), ("-id", "int")))
PATROLS_ORDER = Keyset((("-started_at", "datetime"), ("-id", "int")))
SESSIONS_ORDER = Keyset((("-starts_at", "datetime"), ("-id", "int")))
LEAVES_ORDER = DayKeyset((("-starts_on", "date"), ("-id", "int")))
DUTIES_ORDER = DayKeyset((("day", "date"), ("region_path", "str"), ("id", "int")))
PLANS_ORDER = DayKeyset((("region_path", "str"), ("-starts_on", "date"), ("-id", "int")))

WORKER_RELATED = ("region", "user")


# -- shaping ---------------------------------------------------------------------------------


def _worker_ref(worker: Worker) -> dict[str, Any]:
    return {"id": worker.pk, "name": worker.name}


def _current_prefetch(day: dt.date | None = None) -> Any:
    """Each worker's current assignments (``current_list``), in one query for a page."""
    rows = Assignment.objects.filter(
        selectors.current_assignment_q(day or timezone.localdate())
    ).select_related("grid")
    return Prefetch("assignments", queryset=rows, to_attr="current_list")


def _grids(worker: Worker) -> list[dict[str, Any]]:
    rows = getattr(worker, "current_list", None)
    if rows is None:
        rows = selectors.current_assignments(worker)
    ordered = sorted(rows, key=lambda a: (not a.is_main, a.starts_on, a.pk))
    return [{"path": a.grid.path, "name": a.grid.name, "is_main": a.is_main} for a in ordered]


def worker_out(worker: Worker) -> dict[str, Any]:
    return {
        "id": worker.pk,
        "name": worker.name,
        "gender": worker.gender,
        "gender_label": choice_label(c.Gender, worker.gender),
        "birth_year": worker.birth_date.year if worker.birth_date else None,
        "phone_masked": worker.phone_masked,
        "kind": worker.kind,
        "kind_label": choice_label(c.WorkerKind, worker.kind),
        "education": worker.education,
        "education_label": choice_label(c.Education, worker.education),
        "political_status": worker.political_status,
        "political_status_label": choice_label(c.PoliticalStatus, worker.political_status),
        "background_checked": worker.background_checked,
        "region": place(worker.region),
        "hired_on": worker.hired_on,
        "left_on": worker.left_on,
        "state": worker.state,
        "state_label": choice_label(c.WorkerState, worker.state),
        "user": (
            {"id": worker.user.pk, "name": display_name(worker.user)}
            if worker.user is not None
            else None
        ),
        "grids": _grids(worker),
        "note": free_text(worker.note),
        "version": worker.version,
    }


def assignment_out(assignment: Assignment) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": assignment.pk,
        "worker": _worker_ref(assignment.worker),
        "grid": place(assignment.grid),
        "is_main": assignment.is_main,
        "starts_on": assignment.starts_on,
        "ends_on": assignment.ends_on,
        "current": assignment.starts_on <= today
        and (assignment.ends_on is None or assignment.ends_on >= today),
        "reason": free_text(assignment.reason),
        "created_by": user_name(assignment.created_by),
    }


def course_out(course: Course) -> dict[str, Any]:
    return {
        "id": course.pk,
        "name": course.name,
        "topic": free_text(course.topic),
        "hours": f"{Decimal(course.hours):.1f}",
        "region": place(course.region),
        "is_active": course.is_active,
    }


def session_out(session: TrainingSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "course": course_out(session.course),
        "region": place(session.region),
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "place": free_text(session.place),
        "trainer": session.trainer,
        "note": free_text(session.note),
        "created_by": user_name(session.created_by),
    }


def _sheet_row(row: TrainingAttendance) -> dict[str, Any]:
    return {
        "worker": _worker_ref(row.worker),
        "status": row.status,
        "status_label": choice_label(c.AttendanceStatus, row.status),
        "passed": row.passed,
        "score": row.score,
    }


def leave_out(leave: Leave) -> dict[str, Any]:
    state = "cancelled" if leave.cancelled else ("approved" if leave.approved_at else "pending")
    labels = {"pending": _("待批准"), "approved": _("已批准"), "cancelled": _("已撤销")}
    return {
        "id": leave.pk,
        "worker": _worker_ref(leave.worker),
        "kind": leave.kind,
        "kind_label": choice_label(c.LeaveKind, leave.kind),
        "starts_on": leave.starts_on,
        "ends_on": leave.ends_on,
        "reason": free_text(leave.reason),
        "state": state,
        "state_label": labels[state],
        "approved_by": user_name(leave.approved_by),
        "approved_at": leave.approved_at,
        "created_at": leave.created_at,
    }


def duty_out(duty: DutyShift) -> dict[str, Any]:
    return {
        "id": duty.pk,
        "worker": _worker_ref(duty.worker),
        "region": place(duty.region),
        "day": duty.day,
        "note": free_text(duty.note),
        "created_by": user_name(duty.created_by),
    }


def checkin_out(checkin: CheckIn) -> dict[str, Any]:
    return {
        "id": checkin.pk,
        "worker": _worker_ref(checkin.worker),
        "kind": checkin.kind,
        "kind_label": choice_label(c.CheckInKind, checkin.kind),
        "at": checkin.at,
        "day": checkin.day,
        "lng": checkin.lng,
        "lat": checkin.lat,
        "accuracy": checkin.accuracy,
        "accepted": checkin.accepted,
        "reason": checkin.reason,
        "reason_text": choice_label(c.RefuseReason, checkin.reason) if checkin.reason else "",
        "distance_m": checkin.distance_m,
        "grid": place(checkin.grid) if checkin.grid is not None else None,
        "message": services.checkin_message(checkin),
    }


def patrol_out(patrol: Patrol) -> dict[str, Any]:
    return {
        "id": patrol.pk,
        "worker": _worker_ref(patrol.worker),
        "grid": place(patrol.grid),
        "state": patrol.state,
        "state_label": choice_label(c.PatrolState, patrol.state),
        "day": patrol.day,
        "started_at": patrol.started_at,
        "stopped_at": patrol.stopped_at,
        "distance_m": patrol.distance_m,
        "duration_s": patrol.duration_s,
        "point_count": patrol.point_count,
        "dropped_count": patrol.dropped_count,
        "last_at": patrol.last_at,
        "last_lng": patrol.last_lng,
        "last_lat": patrol.last_lat,
        "note": free_text(patrol.note),
        "version": patrol.version,
    }


def plan_out(plan: PatrolPlan) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": plan.pk,
        "grid": place(plan.grid),
        "times": plan.times,
        "period": plan.period,
        "period_label": choice_label(c.PlanPeriod, plan.period),
        "min_minutes": plan.min_minutes,
        "min_distance_m": plan.min_distance_m,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "current": plan.starts_on <= today and (plan.ends_on is None or plan.ends_on >= today),
        "note": free_text(plan.note),
        "created_by": user_name(plan.created_by),
    }


def _value(value: Value) -> dict[str, Any]:
    return {
        "key": value.figure.key,
        "name": str(value.figure.name),
        "kind": value.figure.kind,
        "text": value.text,
        "value": None if value.value is None else str(value.value),
        "numerator": value.numerator,
        "denominator": value.denominator,
    }


# -- helpers ---------------------------------------------------------------------------------


def _manager(request: HttpRequest) -> User:
    """The staff user behind a request that only managers make (operators and grid chiefs,
    ``access.may_manage_anywhere``): a post that only looks (a leader, a supervisor), a grid
    worker or department staff is refused before anything else."""
    user = staff(request)
    if not access.may_manage_anywhere(user):
        raise PermissionDenied(_("您的岗位只能查看网格力量信息，不能登记或修改"))
    return user


def _me(user: User) -> Worker:
    """The caller's own active roster entry; 403 for an account not on the roster."""
    worker = access.own_worker(user)
    if worker is None:
        raise PermissionDenied(_("您的账号没有关联在岗的网格力量，不能使用此功能"))
    assert isinstance(worker, Worker)
    return worker


def _aware(moment: dt.datetime | None, field: str) -> dt.datetime | None:
    """A time as given; one without a zone is read in the local zone (Asia/Shanghai)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.get_current_timezone())
    if (
        not dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        <= moment
        <= dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    ):
        raise ValidationError({field: [_("时间不正确")]})
    return moment


def _region(user: User, path: str) -> Region:
    """A region named in a request body: 404 when the caller cannot see it."""
    return region_selectors.get_region(user, path)


def _figure_region(user: User, region: str) -> str:
    """The region a figure is for: the one asked for (404 when not visible) or the caller's
    territory when it has one top."""
    if region:
        return region_selectors.get_region(user, region).path
    roots = region_selectors.root_regions(user)
    if len(roots) != 1:
        raise ValidationError({"region": [_("请指定区划")]})
    return roots[0].path


def _worker(user: User, pk: int) -> Worker:
    return selectors.get_worker(user, pk)


def _worker_detail(user: User, pk: int) -> dict[str, Any]:
    return worker_out(_worker(user, pk))


def _first(queryset: QuerySet[Any], pk: int) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    return found


def _user_ref(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError({field: [_("工作账号不存在或已停用")]})
    return found


def _person_ref(user: User, pk: int | None) -> Any:
    if pk is None:
        return None
    from gridgov.registry.models import Person

    found = restrict(Person.objects.all(), user, "view").filter(pk=pk).first()
    if found is None:
        raise ValidationError({"person": [_("实有人口不存在或不在您的辖区内")]})
    return found


# -- roster ----------------------------------------------------------------------------------


@router.get("/ops/workers", response=WorkerList, summary="网格力量名册（游标分页）")
def list_workers(request: HttpRequest, filters: Query[WorkerQuery]) -> dict[str, Any]:
    user = staff(request)
    flt = WorkerFilter(
        region=filters.region,
        kind=filters.kind,
        state=filters.state,
        q=filters.q,
        unassigned=filters.unassigned,
    )
    queryset = (
        selectors.workers(user, flt)
        .select_related(*WORKER_RELATED)
        .prefetch_related(_current_prefetch())
    )
    rows, cursor = WORKERS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [worker_out(w) for w in rows], "next": cursor}


@router.post("/ops/workers", response={201: WorkerOut}, summary="登记网格力量")
def create_worker(request: HttpRequest, data: WorkerIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    worker = services.create_worker(
        actor=user,
        region=_region(user, data.region),
        name=data.name,
        gender=data.gender,
        kind=data.kind,
        hired_on=data.hired_on,
        birth_date=data.birth_date,
        phone=data.phone,
        education=data.education,
        political_status=data.political_status,
        background_checked=data.background_checked,
        user=_user_ref(data.user, "user"),
        person=_person_ref(user, data.person),
        note=data.note,
    )
    return Status(201, _worker_detail(user, worker.pk))


@router.get("/ops/workers/{worker_id}", response=WorkerOut, summary="网格力量详情")
def worker_detail(request: HttpRequest, worker_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _worker_detail(user, worker_id)


@router.patch(
    "/ops/workers/{worker_id}", response=WorkerOut, summary="修改网格力量信息（须带版本号）"
)
def update_worker(request: HttpRequest, worker_id: Id, data: WorkerPatch) -> dict[str, Any]:
    user = staff(request)
    worker = _worker(user, worker_id)
    values = data.dict(exclude_unset=True)
    version = values.pop("version")
    for field, value in list(values.items()):
        if value is None and field not in ("user", "person", "birth_date"):
            raise ValidationError({field: [_("此项不能为空")]})
    if "region" in values:
        values["region"] = _region(user, values["region"])
    if "user" in values:
        values["user"] = _user_ref(values["user"], "user")
    if "person" in values:
        values["person"] = _person_ref(user, values["person"])
    services.update_worker(actor=user, worker=worker, version=version, **values)
    return _worker_detail(user, worker_id)


@router.post(
    "/ops/workers/{worker_id}/end",
    response=WorkerOut,
    summary="离岗（结束其全部网格分配）",
)
def end_worker(request: HttpRequest, worker_id: Id, data: WorkerEndIn) -> dict[str, Any]:
    user = staff(request)
    worker = _worker(user, worker_id)
    services.end_worker(
        actor=user,
        worker=worker,
        left_on=data.left_on or timezone.localdate(),
        reason=data.reason,
    )
    return _worker_detail(user, worker_id)


@router.get(
    "/ops/workers/{worker_id}/assignments",
    response=list[AssignmentOut],
    summary="网格分配记录（主责在前，含历史）",
)
def worker_assignments(request: HttpRequest, worker_id: Id) -> list[dict[str, Any]]:
    user = staff(request)
    worker = _worker(user, worker_id)
    return [assignment_out(a) for a in selectors.assignment_history(worker)]


@router.post(
    "/ops/workers/{worker_id}/assignments",
    response={201: AssignmentOut},
    summary="分配网格（新的主责网格结束原主责网格）",
)
def assign_grid(request: HttpRequest, worker_id: Id, data: GridAssignIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    worker = _worker(user, worker_id)
    assignment = services.assign(
        actor=user,
        worker=worker,
        grid=_region(user, data.grid),
        starts_on=data.starts_on or timezone.localdate(),
        is_main=data.is_main,
        reason=data.reason,
    )
    return Status(201, _assignment(user, assignment.pk))


def _assignment(user: User, pk: int) -> dict[str, Any]:
    queryset = restrict(Assignment.objects.all(), user, "view").select_related(
        "worker", "grid", "created_by"
    )
    return assignment_out(_first(queryset, pk))


@router.post("/ops/assignments/{assignment_id}/end", response=AssignmentOut, summary="结束网格分配")
def end_assignment(
    request: HttpRequest, assignment_id: Id, data: AssignmentEndIn
) -> dict[str, Any]:
    user = staff(request)
    found = _first(restrict(Assignment.objects.all(), user, "view"), assignment_id)
    services.end_assignment(
        actor=user,
        assignment=found,
        ends_on=data.ends_on or timezone.localdate(),
        reason=data.reason,
    )
    return _assignment(user, assignment_id)


# -- coverage --------------------------------------------------------------------------------


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@router.get(
    "/ops/coverage",
    response=RosterSummaryOut,
    summary="网格力量配备（按类别）与网格覆盖（无主责网格员的网格）",
)
def coverage(request: HttpRequest, region: RegionParam = "") -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    summary = figures.roster_summary(user, path)
    return {
        "region": path,
        **summary,
        "coverage_rate": _rate(summary["coverage_rate"]),
        "uncovered": [{"path": p, "name": n} for p, n in summary["uncovered"]],
    }


@router.get(
    "/ops/coverage/grids", response=GridCoverageOut, summary="各网格的主责网格员（无则标记）"
)
def grid_coverage(request: HttpRequest, region: RegionParam = "") -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    day = timezone.localdate()
    rows = figures.grid_coverage(user, path, day)
    return {
        "region": path,
        "day": day,
        "rows": [
            {
                "path": r.path,
                "name": r.name,
                "main": list(r.main),
                "secondary": list(r.secondary),
                "flagged": r.flagged,
            }
            for r in rows
        ],
    }


# -- training --------------------------------------------------------------------------------


@router.get("/ops/training/courses", response=list[CourseOut], summary="培训课程")
def list_courses(request: HttpRequest) -> list[dict[str, Any]]:
    user = staff(request)
    return [course_out(k) for k in selectors.courses(user)]


@router.post("/ops/training/courses", response={201: CourseOut}, summary="新建培训课程")
def create_course(request: HttpRequest, data: CourseIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    course = services.create_course(
        actor=user,
        region=_region(user, data.region),
        name=data.name,
        topic=data.topic,
        hours=Decimal(str(data.hours)),
    )
    return Status(201, course_out(_first(selectors.courses(user), course.pk)))


@router.get(
    "/ops/training/sessions", response=SessionList, summary="培训班次（游标分页，新的在前）"
)
def list_sessions(request: HttpRequest, filters: Query[SessionQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.sessions(
        user, region=filters.region, day_from=filters.day_from, day_to=filters.day_to
    ).select_related("course__region", "region", "created_by")
    rows, cursor = SESSIONS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [session_out(s) for s in rows], "next": cursor}


def _session_detail(user: User, pk: int) -> dict[str, Any]:
    session = selectors.get_session(user, pk)
    sheet = selectors.attendance(user, session)
    return {**session_out(session), "sheet": [_sheet_row(r) for r in sheet]}


@router.post("/ops/training/sessions", response={201: SessionDetailOut}, summary="登记培训班次")
def create_session(request: HttpRequest, data: SessionIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    course = _first(selectors.courses(user), data.course)
    session = services.create_session(
        actor=user,
        course=course,
        region=_region(user, data.region),
        starts_at=_aware(data.starts_at, "starts_at"),  # type: ignore[arg-type]
        ends_at=_aware(data.ends_at, "ends_at"),  # type: ignore[arg-type]
        place=data.place,
        trainer=data.trainer,
        note=data.note,
    )
    return Status(201, _session_detail(user, session.pk))


@router.get(
    "/ops/training/sessions/{session_id}",
    response=SessionDetailOut,
    summary="培训班次详情（含签到表）",
)
def session_detail(request: HttpRequest, session_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _session_detail(user, session_id)


@router.post(
    "/ops/training/sessions/{session_id}/attendance",
    response=SessionDetailOut,
    summary="记录培训签到与考核（整张表一起保存，有错则都不保存）",
)
def record_training(request: HttpRequest, session_id: Id, data: SheetIn) -> dict[str, Any]:
    user = _manager(request)
    session = selectors.get_session(user, session_id)
    ids = [entry.worker for entry in data.entries]
    if len(set(ids)) != len(ids):
        raise ValidationError({"entries": [_("同一人员只能出现一次")]})
    found = {w.pk: w for w in selectors.workers(user, WorkerFilter(state="")).filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"entries": [_("网格力量不存在或不在您的辖区内：%(ids)s") % {"ids": ",".join(missing)}]}
        )
    with transaction.atomic():
        for entry in data.entries:
            services.record_training(
                actor=user,
                session=session,
                worker=found[entry.worker],
                status=entry.status,
                passed=entry.passed,
                score=entry.score,
            )
    return _session_detail(user, session_id)


@router.get(
    "/ops/training/coverage",
    response=TrainingCoverageOut,
    summary="培训覆盖率（按下级区划）",
)
def training_coverage(
    request: HttpRequest, region: RegionParam = "", period: PeriodParam = ""
) -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    span = span_of(period)
    rows = figures.training_coverage(user, path, span)
    return {
        "region": path,
        "period": period_out(span),
        "rows": [
            {
                "path": r.path,
                "name": r.name,
                "workers": r.workers,
                "trained": r.trained,
                "rate": _rate(r.rate),
                "trained_ever": r.trained_ever,
                "rate_ever": _rate(r.rate_ever),
                "sessions": r.sessions,
                "own_level": r.own_level,
            }
            for r in rows
        ],
    }


# -- leave and duty --------------------------------------------------------------------------


@router.get("/ops/leaves", response=LeaveList, summary="请假（游标分页，新的在前）")
def list_leaves(request: HttpRequest, filters: Query[LeaveQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.leaves(
        user, region=filters.region, worker=filters.worker, pending=filters.pending
    )
    rows, cursor = LEAVES_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [leave_out(k) for k in rows], "next": cursor}


@router.post("/ops/leaves", response={201: LeaveOut}, summary="请假（本人或管理人员代为登记）")
def request_leave(request: HttpRequest, data: LeaveIn) -> Status[dict[str, Any]]:
    user = staff(request)
    worker = _worker(user, data.worker) if data.worker else _me(user)
    leave = services.request_leave(
        actor=user,
        worker=worker,
        kind=data.kind,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        reason=data.reason,
    )
    return Status(201, leave_out(_first(selectors.leaves(user), leave.pk)))


@router.post("/ops/leaves/{leave_id}/approve", response=LeaveOut, summary="批准请假")
def approve_leave(request: HttpRequest, leave_id: Id) -> dict[str, Any]:
    user = staff(request)
    leave = services.approve_leave(actor=user, leave=_first(selectors.leaves(user), leave_id))
    return leave_out(_first(selectors.leaves(user), leave.pk))


@router.post("/ops/leaves/{leave_id}/cancel", response=LeaveOut, summary="撤销请假")
def cancel_leave(request: HttpRequest, leave_id: Id) -> dict[str, Any]:
    user = staff(request)
    leave = services.cancel_leave(actor=user, leave=_first(selectors.leaves(user), leave_id))
    return leave_out(_first(selectors.leaves(user), leave.pk))


@router.get("/ops/duties", response=DutyList, summary="值班排班（游标分页，按日期）")
def list_duties(request: HttpRequest, filters: Query[DutyQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.duties(
        user, region=filters.region, day_from=filters.day_from, day_to=filters.day_to
    ).select_related("created_by")
    rows, cursor = DUTIES_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [duty_out(d) for d in rows], "next": cursor}


@router.post("/ops/duties", response={201: DutyOut}, summary="排班（值班日计为工作日）")
def set_duty(request: HttpRequest, data: DutyIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    duty = services.set_duty(
        actor=user,
        worker=_worker(user, data.worker),
        region=_region(user, data.region),
        day=data.day,
        note=data.note,
    )
    found = _first(selectors.duties(user).select_related("created_by"), duty.pk)
    return Status(201, duty_out(found))


@router.delete("/ops/duties/{duty_id}", response={204: None}, summary="取消排班")
def remove_duty(request: HttpRequest, duty_id: Id) -> Status[None]:
    user = staff(request)
    services.remove_duty(actor=user, duty=_first(selectors.duties(user), duty_id))
    return Status(204, None)


# -- field work: the phone -------------------------------------------------------------------


@router.get(
    "/ops/me",
    response=WorkerTodayOut,
    summary="本人（网格员）：名册信息、网格、今天的签到、进行中的巡查",
)
def me(request: HttpRequest) -> dict[str, Any]:
    user = staff(request)
    worker = _me(user)
    today = timezone.localdate()
    rows = list(
        selectors.checkins(user, worker=worker.pk, day_from=today, day_to=today).order_by(
            "at", "pk"
        )
    )
    accepted = [k for k in rows if k.accepted]
    patrol = services.open_patrol_of(user)
    return {
        "worker": worker_out(worker),
        "today": today,
        "checkins": [checkin_out(k) for k in rows],
        "checked_in": bool(accepted) and accepted[-1].kind == c.CheckInKind.ON,
        "open_patrol": patrol_out(_first(selectors.patrols(user), patrol.pk)) if patrol else None,
    }


@router.post(
    "/ops/checkins",
    response={201: CheckInOut},
    summary="签到或签退（不在网格内也记录为异常，accepted=false）",
)
def check_in(request: HttpRequest, data: CheckInIn) -> Status[dict[str, Any]]:
    user = staff(request)
    _me(user)
    checkin = services.check_in(
        actor=user,
        kind=data.kind,
        lng=data.lng,
        lat=data.lat,
        crs=data.crs,
        accuracy=data.accuracy,
        at=_aware(data.at, "at"),
        client_id=data.client_id,
    )
    return Status(201, checkin_out(_first(selectors.checkins(user), checkin.pk)))


@router.get("/ops/checkins", response=CheckInList, summary="考勤签到（游标分页，新的在前）")
def list_checkins(request: HttpRequest, filters: Query[CheckInQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.checkins(
        user,
        region=filters.region,
        day_from=filters.day_from,
        day_to=filters.day_to,
        worker=filters.worker,
        anomalies=filters.anomalies,
    ).select_related("grid__parent")
    rows, cursor = CHECKINS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [checkin_out(k) for k in rows], "next": cursor}


@router.post("/ops/patrols", response={201: PatrolOut}, summary="开始巡查（须在本人网格内）")
def start_patrol(request: HttpRequest, data: PatrolStartIn) -> Status[dict[str, Any]]:
    user = staff(request)
    _me(user)
    patrol = services.start_patrol(
        actor=user,
        lng=data.lng,
        lat=data.lat,
        crs=data.crs,
        accuracy=data.accuracy,
        at=_aware(data.at, "at"),
        client_id=data.client_id,
    )
    return Status(201, patrol_out(_first(selectors.patrols(user), patrol.pk)))


@router.get("/ops/patrols", response=PatrolList, summary="巡查记录（游标分页，新的在前）")
def list_patrols(request: HttpRequest, filters: Query[PatrolQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.patrols(
        user,
        region=filters.region,
        day_from=filters.day_from,
        day_to=filters.day_to,
        worker=filters.worker,
        state=filters.state,
    )
    rows, cursor = PATROLS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [patrol_out(p) for p in rows], "next": cursor}


@router.get("/ops/patrols/{patrol_id}", response=PatrolOut, summary="巡查详情")
def patrol_detail(request: HttpRequest, patrol_id: Id) -> dict[str, Any]:
    user = staff(request)
    return patrol_out(selectors.get_patrol(user, patrol_id))


@router.post(
    "/ops/patrols/{patrol_id}/points",
    response=IngestOut,
    summary="上传巡查轨迹点（每次最多 500 个；按序号去重，可重发）",
)
def add_points(request: HttpRequest, patrol_id: Id, data: PointsIn) -> dict[str, Any]:
    user = staff(request)
    patrol = selectors.get_patrol(user, patrol_id)
    points = [
        {
            "seq": p.seq,
            "at": _aware(p.at, "points"),
            "lng": p.lng,
            "lat": p.lat,
            "accuracy": p.accuracy,
        }
        for p in data.points
    ]
    result = services.add_points(actor=user, patrol=patrol, points=points, crs=data.crs)
    return {
        "stored": result.stored,
        "duplicates": result.duplicates,
        "dropped": result.dropped,
        "distance_m": result.distance_m,
        "point_count": result.point_count,
    }


@router.post("/ops/patrols/{patrol_id}/stop", response=PatrolOut, summary="结束巡查")
def stop_patrol(request: HttpRequest, patrol_id: Id, data: StopIn) -> dict[str, Any]:
    user = staff(request)
    patrol = selectors.get_patrol(user, patrol_id)
    services.stop_patrol(actor=user, patrol=patrol, at=_aware(data.at, "at"), note=data.note)
    return patrol_out(selectors.get_patrol(user, patrol_id))


@router.get(
    "/ops/patrols/{patrol_id}/track",
    summary="巡查轨迹（GeoJSON：轨迹 LineString 与网格边界）",
    description=(
        "FeatureCollection：`kind=track` 的 LineString（properties: distance_m、duration_s、"
        "point_count、started_at、stopped_at、state；少于两个点时 geometry 为 null），"
        "`kind=grid` 的网格边界（Polygon 或 MultiPolygon，WGS-84）。"
    ),
)
def patrol_track(request: HttpRequest, patrol_id: Id) -> dict[str, Any]:
    user = staff(request)
    patrol = selectors.get_patrol(user, patrol_id)
    points = selectors.track(patrol)
    line = [[lng, lat] for lng, lat, _at in points]
    duration = patrol.duration_s
    if patrol.state == c.PatrolState.OPEN and patrol.last_at is not None:
        duration = max(0, int((patrol.last_at - patrol.started_at).total_seconds()))
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": line} if len(line) >= 2 else None,
            "properties": {
                "kind": "track",
                "patrol_id": patrol.pk,
                "worker": patrol.worker.name,
                "state": patrol.state,
                "state_label": choice_label(c.PatrolState, patrol.state),
                "started_at": patrol.started_at.isoformat(),
                "stopped_at": patrol.stopped_at.isoformat() if patrol.stopped_at else None,
                "distance_m": patrol.distance_m,
                "duration_s": duration,
                "point_count": patrol.point_count,
                "times": [at.isoformat() for _lng, _lat, at in points],
            },
        }
    ]
    if patrol.grid.geometry:
        features.append(
            {
                "type": "Feature",
                "geometry": patrol.grid.geometry,
                "properties": {"kind": "grid", "path": patrol.grid.path, "name": patrol.grid.name},
            }
        )
    return {"type": "FeatureCollection", "features": features}


@router.get(
    "/ops/on-duty",
    summary="正在值守的网格员（GeoJSON 点：今天已签到未签退，或巡查中）",
    description=(
        "FeatureCollection of points; properties: worker_id、name、kind、kind_label、grid_path、"
        "grid_name、since、patrol_id、status（patrol 巡查中 / checked_in 已签到）、status_label。"
        "没有位置的人员 geometry 为 null。`summary`: total、patrol、checked_in。"
    ),
)
def on_duty(request: HttpRequest, region: RegionParam = "") -> dict[str, Any]:
    user = staff(request)
    path = _region(user, region).path if region else ""
    rows = selectors.on_duty(user, path)
    labels = {"patrol": _("巡查中"), "checked_in": _("已签到")}
    features = [
        {
            "type": "Feature",
            "geometry": (
                {"type": "Point", "coordinates": [row.lng, row.lat]}
                if row.lng is not None and row.lat is not None
                else None
            ),
            "properties": {
                "worker_id": row.worker_id,
                "name": row.name,
                "kind": row.kind,
                "kind_label": choice_label(c.WorkerKind, row.kind),
                "grid_path": row.grid_path,
                "grid_name": row.grid_name,
                "since": row.since.isoformat(),
                "patrol_id": row.patrol_id,
                "status": row.status,
                "status_label": str(labels.get(row.status, row.status)),
            },
        }
        for row in rows
    ]
    patrolling = sum(1 for row in rows if row.status == "patrol")
    return {
        "type": "FeatureCollection",
        "features": features,
        "summary": {
            "region": path,
            "total": len(rows),
            "patrol": patrolling,
            "checked_in": len(rows) - patrolling,
        },
    }


# -- plans -----------------------------------------------------------------------------------


@router.get("/ops/plans", response=PlanList, summary="巡查计划（游标分页）")
def list_plans(request: HttpRequest, filters: Query[PlanQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.plans(user, region=filters.region, current=filters.current)
    rows, cursor = PLANS_ORDER.page(
        queryset.select_related("created_by"), filters.cursor, filters.limit
    )
    return {"items": [plan_out(p) for p in rows], "next": cursor}


@router.post("/ops/plans", response={201: PlanOut}, summary="制定巡查计划（结束该网格的现行计划）")
def create_plan(request: HttpRequest, data: PlanIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    plan = services.create_plan(
        actor=user,
        grid=_region(user, data.grid),
        times=data.times,
        period=data.period,
        starts_on=data.starts_on or timezone.localdate(),
        min_minutes=data.min_minutes,
        min_distance_m=data.min_distance_m,
        note=data.note,
    )
    return Status(
        201, plan_out(_first(selectors.plans(user).select_related("created_by"), plan.pk))
    )


@router.post("/ops/plans/{plan_id}/end", response=PlanOut, summary="结束巡查计划")
def end_plan(request: HttpRequest, plan_id: Id, data: PlanEndIn) -> dict[str, Any]:
    user = staff(request)
    plans = selectors.plans(user).select_related("created_by")
    services.end_plan(
        actor=user, plan=_first(plans, plan_id), ends_on=data.ends_on or timezone.localdate()
    )
    return plan_out(_first(plans, plan_id))


@router.get("/ops/plans/coverage", response=PlanCoverageOut, summary="巡查计划完成率（按网格）")
def plan_coverage(
    request: HttpRequest, region: RegionParam = "", period: PeriodParam = ""
) -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    span = span_of(period)
    rows = figures.plan_coverage(user, path, span)
    return {
        "region": path,
        "period": period_out(span),
        "rows": [
            {
                "path": r.path,
                "name": r.name,
                "plans": r.plans,
                "planned": r.planned,
                "done": r.done,
                "credited": r.credited,
                "rate": _rate(r.rate),
            }
            for r in rows
        ],
    }


# -- figures and assessment ------------------------------------------------------------------


@router.get("/ops/checkins/coverage", response=CheckinCoverageOut, summary="签到率（按网格）")
def checkin_coverage(
    request: HttpRequest, region: RegionParam = "", period: PeriodParam = ""
) -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    span = span_of(period)
    rows = figures.checkin_coverage(user, path, span)
    return {
        "region": path,
        "period": period_out(span),
        "rows": [
            {
                "path": r.path,
                "name": r.name,
                "workers": r.workers,
                "expected": r.expected,
                "checked": r.checked,
                "anomalies": r.anomalies,
                "rate": _rate(r.rate),
            }
            for r in rows
        ],
    }


def _plain_worker(user: User) -> Worker | None:
    """The caller's roster entry when the caller is only a grid worker (no post beyond grid
    worker posts, not an administrator): they see their own row of a ranking only."""
    from gridgov.party.access import _posts, is_admin

    worker = access.own_worker(user)
    if worker is None or is_admin(user):
        return None
    if any(role != Role.GRID_WORKER for role, _path, _dept in _posts(user)):
        return None
    assert isinstance(worker, Worker)
    return worker


def _ranking_rows(ranking: Any) -> list[dict[str, Any]]:
    return [
        {
            "rank": row.rank,
            "key": str(row.key),
            "label": row.label,
            "note": row.note,
            "score": None if row.score is None else str(row.score),
            "values": [_value(v) for v in row.values],
        }
        for row in ranking.rows
    ]


@router.get(
    "/ops/assessment",
    response=AssessmentOut,
    summary="网格员与网格考核排名（网格员本人只看到自己的一行）",
)
def assessment(
    request: HttpRequest,
    region: RegionParam = "",
    period: PeriodParam = "",
    kind: QueryEx[
        Literal["grid_worker", "grid"], P(description="grid_worker 网格员 / grid 网格")
    ] = "grid_worker",
) -> dict[str, Any]:
    user = staff(request)
    span = span_of(period)
    rank = scoring.rank_workers if kind == "grid_worker" else scoring.rank_grids
    worker = _plain_worker(user)
    if worker is None:
        if region:
            area = metrics_access.figure_region(user, region)
        else:
            roots = metrics_access.figure_roots(user)
            if len(roots) != 1:
                if not roots:
                    raise Http404
                raise ValidationError({"region": [_("请指定区划")]})
            area = roots[0]
        ranking = rank(area, span)
        rows = _ranking_rows(ranking)
        own_only = False
    else:
        if region:
            region_selectors.get_region(user, region)  # 404 outside, as everywhere
        area = worker.region
        ranking = rank(area, span)
        mine = _own_keys(worker, kind)
        rows = [row for row in _ranking_rows(ranking) if row["key"] in mine]
        own_only = True
    return {
        "kind": kind,
        "title": str(ranking.title),
        "region": area.path,
        "period": period_out(span),
        "weights": {k: str(v) for k, v in ranking.weights.items()},
        "own_only": own_only,
        "total": len(ranking.rows),
        "rows": rows,
    }


def _own_keys(worker: Worker, kind: str) -> set[str]:
    if kind == "grid_worker":
        return {str(worker.pk)}
    return {a.grid.path for a in selectors.current_assignments(worker)}


@router.get(
    "/ops/me/figures",
    response=MyFiguresOut,
    summary="本人本期考核指标、得分与在管理单位网格员中的名次",
)
def my_figures(request: HttpRequest, period: PeriodParam = "") -> dict[str, Any]:
    user = staff(request)
    worker = _me(user)
    span = span_of(period)
    ranking = scoring.rank_workers(worker.region, span)
    own = next((row for row in ranking.rows if row.key == worker.pk), None)
    return {
        "worker": _worker_ref(worker),
        "period": period_out(span),
        "values": [_value(v) for v in scoring.worker_values(worker, span)],
        "score": None if own is None or own.score is None else str(own.score),
        "rank": own.rank if own is not None else None,
        "total": len(ranking.rows),
        "region": worker.region.path,
    }
