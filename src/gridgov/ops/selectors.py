"""Reads of field work (网格力量), every one through the jurisdiction function.

Visibility: a row is visible when ``restrict(qs, user, "view")`` keeps it (its ``region_path``
lies in the user's view scope) or when it belongs to the user's own roster entry
(``ops.access.own_worker``): a grid worker whose roster entry sits at the village level still
sees their entry, check-ins, patrols, leave, duties and training. ``get_*`` raise ``Http404``
for anything outside.

Filters validate nothing (the pages and the API do) but are safe for any value: a region that
is not a path gives no rows, a date that is not a date is ignored, a state or kind that is not
one of the choices matches nothing.

"Current": an assignment (or a patrol plan) is current on day ``d`` when it started on or
before ``d`` and has no end date or ends on or after ``d``: ``ends_on`` is the last day it
applies, like a leave's ``ends_on``, a worker's ``left_on`` and ``ops.workdays.clip``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.jurisdiction import restrict
from gridgov.ops import choices as c
from gridgov.ops.access import own_worker
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
from gridgov.regions import codes
from gridgov.regions.models import Region, subtree_q

M = TypeVar("M", bound=Model)
NOT_VISIBLE = "记录不存在或不在您的辖区内"
MAX_TEXT = 100
MAX_PATH = 18

__all__ = [
    "OnDuty",
    "WorkerFilter",
    "assignment_history",
    "checkins",
    "courses",
    "current_assignment_q",
    "current_assignments",
    "current_plan",
    "duties",
    "get_patrol",
    "get_session",
    "get_worker",
    "leaves",
    "on_duty",
    "patrols",
    "plans",
    "region_q",
    "sessions",
    "track",
    "visible",
    "workers",
]


# -- small helpers ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()[:MAX_TEXT]


def _int(value: Any) -> int | None:
    if isinstance(value, Model):
        return value.pk if isinstance(value.pk, int) else None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value))
    except ValueError:
        return None


def _not_visible() -> Http404:
    return Http404(_(NOT_VISIBLE))


def clean_path(value: Any) -> str | None:
    """``""`` for no region, the path for a region path (or a 12-digit statistical code),
    None for anything else (which then matches nothing)."""
    text = _text(value)
    if not text:
        return ""
    if not codes.is_digits(text) or len(text) > MAX_PATH:
        return None
    try:
        return codes.path_from_code(text)
    except codes.CodeError:
        return None


def region_q(value: Any, lookup: str = "region_path") -> Q:
    """Rows whose ``lookup`` lies in the subtree of the region ``value``: everything for "",
    nothing for a value that is not a region path."""
    path = clean_path(value)
    if path is None:
        return Q(pk__in=[])
    if not path:
        return Q()
    return subtree_q(path, lookup)


def local_bounds(
    day_from: dt.date | None, day_to: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Aware datetimes: the start of ``day_from`` and the start of the day after ``day_to``."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day_from, dt.time.min, tzinfo=tz) if day_from else None
    end = (
        dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        if day_to
        else None
    )
    return start, end


def visible(model: type[M], user: Any, worker_lookup: str | None = "worker_id") -> QuerySet[M]:
    """``model``'s rows the user may see: the jurisdiction function's plus, for a user with a
    roster entry, the entry's own rows (``worker_lookup`` = the entry's id)."""
    qs = restrict(model._default_manager.all(), user, "view")
    if worker_lookup is None:
        return qs
    own = own_worker(user)
    if own is None:
        return qs
    return qs | model._default_manager.filter(**{worker_lookup: own.pk})


def current_assignment_q(day: dt.date, prefix: str = "") -> Q:
    """Assignments (or plans) current on ``day`` (``prefix``: e.g. "assignments__"); both
    ends included."""
    return Q(**{f"{prefix}starts_on__lte": day}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": day})
    )


# -- roster -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerFilter:
    """``region``: workers managed in the subtree or currently assigned to a grid in it.
    ``state``: "active" (default), "left", or "" / "all" for both. ``q``: part of the name
    (never the phone). ``unassigned``: active workers without a current assignment."""

    region: str = ""
    kind: str = ""
    state: str = c.WorkerState.ACTIVE
    q: str = ""
    unassigned: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> WorkerFilter:
        """From URL parameters: unknown values fall back to the defaults."""
        values: dict[str, Any] = {}
        if "region" in params:
            values["region"] = clean_path(params.get("region")) or ""
        if "kind" in params:
            kind = _text(params.get("kind"))
            values["kind"] = kind if kind in c.WorkerKind.values else ""
        if "state" in params:
            state = _text(params.get("state"))
            values["state"] = (
                state if state in c.WorkerState.values else ("" if state == "all" else "active")
            )
        if "q" in params:
            values["q"] = _text(params.get("q"))
        if "unassigned" in params:
            values["unassigned"] = _text(params.get("unassigned")).lower() in ("1", "true", "on")
        return cls(**values)


def workers(user: Any, f: WorkerFilter = WorkerFilter()) -> QuerySet[Worker]:
    """The visible roster entries matching ``f``, ordered by managing region, kind and name."""
    qs = visible(Worker, user, "pk").select_related("region", "user")
    today = timezone.localdate()
    state = _text(f.state)
    if state and state != "all":
        qs = qs.filter(state=state)
    if f.region:
        current = Assignment.objects.filter(current_assignment_q(today)).filter(
            region_q(f.region, "region_path")
        )
        qs = qs.filter(region_q(f.region) | Q(pk__in=current.values("worker_id")))
    if f.kind:
        qs = qs.filter(kind=_text(f.kind))
    if f.q:
        qs = qs.filter(name__icontains=_text(f.q))
    if f.unassigned:
        has_current = Assignment.objects.filter(current_assignment_q(today), worker=OuterRef("pk"))
        qs = qs.filter(state=c.WorkerState.ACTIVE).filter(~Exists(has_current))
    return qs.order_by("region_path", "kind", "name", "pk")


def get_worker(user: Any, pk: Any) -> Worker:
    worker = workers(user, WorkerFilter(state="")).filter(pk=_int(pk) or 0).first()
    if worker is None:
        raise _not_visible()
    return worker


def _assignment_order(a: Assignment) -> tuple[bool, dt.date, int]:
    return (not a.is_main, a.starts_on, a.pk)


def current_assignments(worker: Worker, day: dt.date | None = None) -> list[Assignment]:
    """The worker's assignments current on ``day`` (today): the main grid first, then by start."""
    day = day or timezone.localdate()
    rows = Assignment.objects.filter(worker=worker).filter(current_assignment_q(day))
    return sorted(rows.select_related("grid"), key=_assignment_order)


def assignment_history(worker: Worker) -> list[Assignment]:
    """Every assignment of the worker, current or past: main ones first, then by start."""
    rows = Assignment.objects.filter(worker=worker).select_related("grid", "created_by")
    return sorted(rows, key=_assignment_order)


# -- check-ins and patrols --------------------------------------------------------------------


def checkins(
    user: Any,
    *,
    region: str = "",
    day_from: Any = None,
    day_to: Any = None,
    worker: Any = None,
    anomalies: bool = False,
) -> QuerySet[CheckIn]:
    """Visible check-ins, newest first; ``anomalies``: refused attempts only."""
    qs = visible(CheckIn, user).select_related("worker", "grid").filter(region_q(region))
    start, end = _date(day_from), _date(day_to)
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    if worker is not None:
        qs = qs.filter(worker_id=_int(worker) or 0)
    if anomalies:
        qs = qs.filter(accepted=False)
    return qs.order_by("-at", "-pk")


def patrols(
    user: Any,
    *,
    region: str = "",
    day_from: Any = None,
    day_to: Any = None,
    worker: Any = None,
    state: str = "",
) -> QuerySet[Patrol]:
    """Visible patrols, newest first; ``state``: open / stopped / auto_closed."""
    qs = visible(Patrol, user).select_related("worker", "grid").filter(region_q(region))
    start, end = _date(day_from), _date(day_to)
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    if worker is not None:
        qs = qs.filter(worker_id=_int(worker) or 0)
    if state:
        qs = qs.filter(state=_text(state))
    return qs.order_by("-started_at", "-pk")


def get_patrol(user: Any, pk: Any) -> Patrol:
    patrol = patrols(user).filter(pk=_int(pk) or 0).first()
    if patrol is None:
        raise _not_visible()
    return patrol


def track(patrol: Patrol) -> list[tuple[float, float, dt.datetime]]:
    """The patrol's points (lng, lat, time; WGS-84) in the phone's order."""
    return [
        (lng, lat, at)
        for lng, lat, at in patrol.points.order_by("seq").values_list("lng", "lat", "at")
    ]


# -- training ---------------------------------------------------------------------------------


def _own_session_ids(user: Any) -> QuerySet[TrainingAttendance] | None:
    own = own_worker(user)
    if own is None:
        return None
    return TrainingAttendance.objects.filter(worker_id=own.pk)


def courses(user: Any) -> QuerySet[Course]:
    """Visible courses (and those of the sessions the user's own roster entry attended)."""
    qs = restrict(Course.objects.all(), user, "view")
    attended = _own_session_ids(user)
    if attended is not None:
        qs = qs | Course.objects.filter(pk__in=attended.values("session__course_id"))
    return qs.select_related("region").order_by("region_path", "name", "pk")


def sessions(
    user: Any, *, region: str = "", day_from: Any = None, day_to: Any = None
) -> QuerySet[TrainingSession]:
    """Visible training sessions (and those the user's own entry attended), newest first;
    ``day_from``/``day_to``: the local date of the start."""
    qs = restrict(TrainingSession.objects.all(), user, "view")
    attended = _own_session_ids(user)
    if attended is not None:
        qs = qs | TrainingSession.objects.filter(pk__in=attended.values("session_id"))
    qs = qs.select_related("course", "region").filter(region_q(region))
    start, end = local_bounds(_date(day_from), _date(day_to))
    if start:
        qs = qs.filter(starts_at__gte=start)
    if end:
        qs = qs.filter(starts_at__lt=end)
    return qs.order_by("-starts_at", "-pk")


def get_session(user: Any, pk: Any) -> TrainingSession:
    session = sessions(user).filter(pk=_int(pk) or 0).first()
    if session is None:
        raise _not_visible()
    return session


def attendance(user: Any, session: TrainingSession) -> QuerySet[TrainingAttendance]:
    """The session's sheet as the user may see it (their own line at least)."""
    return (
        visible(TrainingAttendance, user)
        .filter(session=session)
        .select_related("worker")
        .order_by("worker__name", "pk")
    )


# -- leave and duty ---------------------------------------------------------------------------


def leaves(
    user: Any, *, region: str = "", worker: Any = None, pending: bool = False
) -> QuerySet[Leave]:
    """Visible leave, newest first; ``pending``: not approved and not cancelled."""
    qs = visible(Leave, user).select_related("worker", "approved_by").filter(region_q(region))
    if worker is not None:
        qs = qs.filter(worker_id=_int(worker) or 0)
    if pending:
        qs = qs.filter(approved_at__isnull=True, cancelled=False)
    return qs.order_by("-starts_on", "-pk")


def duties(
    user: Any, *, region: str = "", day_from: Any = None, day_to: Any = None
) -> QuerySet[DutyShift]:
    """Visible duty shifts by day."""
    qs = visible(DutyShift, user).select_related("worker", "region").filter(region_q(region))
    start, end = _date(day_from), _date(day_to)
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs.order_by("day", "region_path", "worker__name", "pk")


# -- patrol plans -----------------------------------------------------------------------------


def plans(user: Any, *, region: str = "", current: bool = False) -> QuerySet[PatrolPlan]:
    """Visible patrol plans by grid, newest first; ``current``: in force today."""
    qs = restrict(PatrolPlan.objects.all(), user, "view").select_related("grid")
    qs = qs.filter(region_q(region))
    if current:
        qs = qs.filter(current_assignment_q(timezone.localdate()))
    return qs.order_by("region_path", "-starts_on", "-pk")


def current_plan(grid: Region, day: dt.date | None = None) -> PatrolPlan | None:
    """The grid's plan in force on ``day`` (today)."""
    day = day or timezone.localdate()
    return (
        PatrolPlan.objects.filter(grid=grid)
        .filter(current_assignment_q(day))
        .order_by("-starts_on", "-pk")
        .first()
    )


# -- on duty now (big screen) -----------------------------------------------------------------


@dataclass(frozen=True)
class OnDuty:
    """A worker on duty now: ``status`` "patrol" (an open patrol: its last position, since its
    start) or "checked_in" (an accepted 上班 today without a later 下班: its position)."""

    worker_id: int
    name: str
    kind: str
    grid_path: str
    grid_name: str
    lng: float | None
    lat: float | None
    since: dt.datetime
    patrol_id: int | None
    status: str


def on_duty(user: Any, region_path: str, now: dt.datetime | None = None) -> list[OnDuty]:
    """Active workers on duty now inside ``region_path`` (by the check-in's or patrol's grid),
    as far as the user may see: two queries (plus the user's scope and own entry), whatever
    the number of workers. Open patrols started more than ``GRIDGOV_PATROL_MAX_HOURS`` ago
    (left open, not yet closed by the sweep) do not count. Ordered by grid and name."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    area = region_q(region_path)
    latest: dict[int, dict[str, Any]] = {}
    row: dict[str, Any]
    rows = (
        visible(CheckIn, user)
        .filter(area, day=today, accepted=True, at__lte=now, worker__state=c.WorkerState.ACTIVE)
        .order_by("at", "pk")
        .values(
            "worker_id",
            "kind",
            "at",
            "lng",
            "lat",
            "region_path",
            "grid__path",
            "grid__name",
            "worker__name",
            "worker__kind",
        )
    )
    for checkin in rows:
        latest[checkin["worker_id"]] = dict(checkin)  # the last one of the day wins
    result: dict[int, OnDuty] = {}
    for worker_id, row in latest.items():
        if row["kind"] != c.CheckInKind.ON:
            continue
        result[worker_id] = OnDuty(
            worker_id=worker_id,
            name=row["worker__name"],
            kind=row["worker__kind"],
            grid_path=row["grid__path"] or row["region_path"],
            grid_name=row["grid__name"] or "",
            lng=row["lng"],
            lat=row["lat"],
            since=row["at"],
            patrol_id=None,
            status="checked_in",
        )
    oldest = now - dt.timedelta(hours=float(getattr(settings, "GRIDGOV_PATROL_MAX_HOURS", 8)))
    open_patrols = (
        visible(Patrol, user)
        .filter(
            area,
            state=c.PatrolState.OPEN,
            started_at__gte=oldest,
            started_at__lte=now,
            worker__state=c.WorkerState.ACTIVE,
        )
        .order_by("started_at", "pk")
        .values(
            "pk",
            "worker_id",
            "started_at",
            "last_lng",
            "last_lat",
            "grid__path",
            "grid__name",
            "worker__name",
            "worker__kind",
        )
    )
    for patrol in open_patrols:
        row = dict(patrol)
        checked = latest.get(row["worker_id"])
        lng, lat = row["last_lng"], row["last_lat"]
        if (lng is None or lat is None) and checked is not None:
            lng, lat = checked["lng"], checked["lat"]
        result[row["worker_id"]] = OnDuty(
            worker_id=row["worker_id"],
            name=row["worker__name"],
            kind=row["worker__kind"],
            grid_path=row["grid__path"],
            grid_name=row["grid__name"],
            lng=lng,
            lat=lat,
            since=row["started_at"],
            patrol_id=row["pk"],
            status="patrol",
        )
    return sorted(result.values(), key=lambda d: (d.grid_path, d.name, d.worker_id))
