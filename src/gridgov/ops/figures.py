"""Figures of field work for a region subtree: the roster and grid coverage (网格力量配备), training
coverage (培训覆盖率), check-in coverage (考勤率) and patrol plan coverage (巡查计划完成率).
See docs/ops.md ("Figures") for every numerator, denominator and period rule.

Every figure covers the part of ``region_path``'s subtree the user can see (``restrict(…,
"view")`` on every query; a region outside the user's view gives zeros and no rows, not an
error). Each is a handful of grouped queries folded in Python dicts, whatever the number of
grids, workers, check-ins or patrols: never a query per grid or per worker.

Rates are percentages as ``Decimal`` with two places rounded half up
(``metrics.figures.ratio(…, "rate")``), ``None`` when there is nothing to divide by.

Grid rows (``GridRow``, ``CheckinRow``, ``PlanRow``) are ordered by path and can be added up
into the regions above them with ``by_child(rows, width)`` (or the ``level`` argument):
villages under a township, townships under the county.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, Self, TypeVar

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.jurisdiction import restrict
from gridgov.metrics.figures import Span, ratio
from gridgov.ops import choices as c
from gridgov.ops.models import (
    Assignment,
    CheckIn,
    Patrol,
    PatrolPlan,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.selectors import (
    clean_path,
    current_assignment_q,
    local_bounds,
    region_q,
    visible,
)
from gridgov.ops.workdays import clip, planned_patrols, worker_days, working_days
from gridgov.regions import codes
from gridgov.regions.models import Region

__all__ = [
    "CheckinRow",
    "GridRow",
    "PlanRow",
    "TrainingRow",
    "by_child",
    "checkin_coverage",
    "grid_coverage",
    "overlap_q",
    "plan_coverage",
    "roster_summary",
    "training_coverage",
]

GRID_WIDTH = codes.PATH_WIDTH["grid"]
VILLAGE_WIDTH = codes.PATH_WIDTH["village"]
DONE_STATES = (c.PatrolState.STOPPED, c.PatrolState.AUTO_CLOSED)


def _rate(numerator: int, denominator: int) -> Decimal | None:
    return ratio(numerator, denominator, "rate")


def overlap_q(first: dt.date, last: dt.date, prefix: str = "") -> Q:
    """Rows with ``starts_on``/``ends_on`` (both included, no end = open) that touch
    ``first`` … ``last``."""
    return Q(**{f"{prefix}starts_on__lte": last}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": first})
    )


def _grids(user: Any, region_path: str) -> list[tuple[str, str]]:
    """(path, name) of the active grids of the area the user may see, by path."""
    qs = restrict(Region.objects.filter(level="grid", is_active=True), user, "view")
    return list(
        qs.filter(region_q(region_path, "path")).order_by("path").values_list("path", "name")
    )


def _names(paths: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    return dict(Region.objects.filter(path__in=wanted).values_list("path", "name"))


# -- rows and adding them up ------------------------------------------------------------------


class Summable(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def name(self) -> str: ...

    @classmethod
    def combine(cls, path: str, name: str, rows: Sequence[Self]) -> Self: ...


R = TypeVar("R", bound=Summable)


def by_child(rows: Sequence[R], width: int) -> list[R]:
    """``rows`` (grids) added up into the regions whose paths are ``width`` long (12: villages,
    9: townships), ordered by path; rows already at or above ``width`` stay as they are. One
    query for the regions' names."""
    groups: dict[str, list[R]] = defaultdict(list)
    for row in rows:
        groups[row.path[:width]].append(row)
    names = _names(key for key in groups if len(key) == width)
    out: list[R] = []
    for key in sorted(groups):
        members = groups[key]
        if len(members) == 1 and members[0].path == key:
            out.append(members[0])
        else:
            out.append(type(members[0]).combine(key, names.get(key, key), members))
    return out


def _at_level(rows: list[R], level: str) -> list[R]:
    width = codes.PATH_WIDTH.get(level, GRID_WIDTH)
    return rows if width >= GRID_WIDTH else by_child(rows, width)


# -- roster and grid coverage -----------------------------------------------------------------


def _roster(user: Any, region_path: str, day: dt.date) -> QuerySet[Worker]:
    """Active workers the user may see, managed in the area or assigned on ``day`` to one of
    its grids (the roster page's region filter)."""
    qs = visible(Worker, user, "pk").filter(state=c.WorkerState.ACTIVE)
    path = clean_path(region_path)
    if path is None:
        return qs.none()
    if path:
        assigned = Assignment.objects.filter(current_assignment_q(day), region_q(path))
        qs = qs.filter(region_q(path) | Q(pk__in=assigned.values("worker_id")))
    return qs


def _main_grids(user: Any, region_path: str, day: dt.date) -> QuerySet[Assignment]:
    return (
        restrict(Assignment.objects.all(), user, "view")
        .filter(region_q(region_path), current_assignment_q(day))
        .filter(worker__state=c.WorkerState.ACTIVE)
    )


def roster_summary(user: Any, region_path: str, day: dt.date | None = None) -> dict[str, Any]:
    """网格力量配备 on ``day`` (today), in four queries:

    ``workers`` (active roster entries managed in the area or assigned to one of its grids),
    ``with_account`` / ``without_account`` (linked to a staff account or not), ``unassigned``
    (no current assignment), ``by_kind`` (a dict per kind in the choices' order, zeros
    included: kind, label, workers, with_account, without_account); ``grids`` (active grids),
    ``covered`` (grids with a current main worker), ``uncovered_count``, ``coverage_rate``
    (covered ÷ grids, %), ``uncovered`` ((path, name) of every grid without a main worker, by
    path)."""
    day = day or timezone.localdate()
    has_current = Assignment.objects.filter(current_assignment_q(day), worker=OuterRef("pk"))
    counts = {
        row["kind"]: row
        for row in _roster(user, region_path, day)
        .order_by()
        .values("kind")
        .annotate(
            n=Count("id"),
            linked=Count("id", filter=Q(user__isnull=False)),
            unassigned=Count("id", filter=~Q(Exists(has_current))),
        )
    }
    by_kind = []
    for kind, label in c.WorkerKind.choices:
        row = counts.get(kind, {"n": 0, "linked": 0, "unassigned": 0})
        by_kind.append(
            {
                "kind": kind,
                "label": str(label),
                "workers": row["n"],
                "with_account": row["linked"],
                "without_account": row["n"] - row["linked"],
            }
        )
    grids = _grids(user, region_path)
    covered_paths = set(
        _main_grids(user, region_path, day)
        .filter(is_main=True)
        .values_list("region_path", flat=True)
        .distinct()
    )
    uncovered = [(path, name) for path, name in grids if path not in covered_paths]
    covered = len(grids) - len(uncovered)
    total = sum(row["n"] for row in counts.values())
    linked = sum(row["linked"] for row in counts.values())
    return {
        "day": day,
        "workers": total,
        "with_account": linked,
        "without_account": total - linked,
        "unassigned": sum(row["unassigned"] for row in counts.values()),
        "by_kind": by_kind,
        "grids": len(grids),
        "covered": covered,
        "uncovered_count": len(uncovered),
        "coverage_rate": _rate(covered, len(grids)),
        "uncovered": uncovered,
    }


@dataclass(frozen=True)
class GridRow:
    """A grid's current workers (``main``, ``secondary``: names, by name), or — added up by
    ``by_child`` — a region's ``grids`` of which ``covered`` have a main worker."""

    path: str
    name: str
    main: tuple[str, ...] = ()
    secondary: tuple[str, ...] = ()
    grids: int = 1
    covered: int = 0

    @property
    def flagged(self) -> bool:
        """A grid without a current main worker (a region: some of its grids)."""
        return self.covered < self.grids

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.covered, self.grids)

    @classmethod
    def combine(cls, path: str, name: str, rows: Sequence[GridRow]) -> GridRow:
        return cls(
            path=path,
            name=name,
            grids=sum(r.grids for r in rows),
            covered=sum(r.covered for r in rows),
        )


def grid_coverage(
    user: Any, region_path: str, day: dt.date | None = None, *, level: str = "grid"
) -> list[GridRow]:
    """Every active grid of the area with its current main and secondary workers on ``day``
    (today), flagged when it has no main worker; three queries. ``level`` "village" or
    "township" adds the grids up into those regions."""
    day = day or timezone.localdate()
    main: dict[str, list[str]] = defaultdict(list)
    secondary: dict[str, list[str]] = defaultdict(list)
    rows = (
        _main_grids(user, region_path, day)
        .order_by("worker__name", "pk")
        .values_list("region_path", "is_main", "worker__name")
    )
    for path, is_main, name in rows:
        (main if is_main else secondary)[path].append(name)
    result = [
        GridRow(
            path=path,
            name=name,
            main=tuple(main.get(path, ())),
            secondary=tuple(secondary.get(path, ())),
            covered=1 if main.get(path) else 0,
        )
        for path, name in _grids(user, region_path)
    ]
    return _at_level(result, level)


# -- training coverage ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingRow:
    """培训覆盖率 of one child region: ``workers`` active workers managed in it, ``trained`` of
    them present and passed in a session held in the span (``rate`` = trained ÷ workers),
    ``trained_ever`` / ``rate_ever`` the same for any session ever, ``sessions`` sessions held
    by the region or below in the span. ``own_level``: the row of the workers and sessions of
    the region itself (本级), not of one of its children."""

    path: str
    name: str
    workers: int
    trained: int
    rate: Decimal | None
    trained_ever: int
    rate_ever: Decimal | None
    sessions: int
    own_level: bool = False


def _child_width(region_path: str) -> int | None:
    """The path width of ``region_path``'s children for per-child figures; None at a village
    or below (workers are managed by villages and townships: one row for the region)."""
    if not region_path:
        return codes.PATH_WIDTH["county"]
    if len(region_path) >= VILLAGE_WIDTH:
        return None
    return next(w for w in sorted(codes.PATH_WIDTH.values()) if w > len(region_path))


def training_coverage(user: Any, region_path: str, span: Span | None) -> list[TrainingRow]:
    """Per child region of ``region_path`` (villages of a township, townships of a county; one
    row at a village), plus a 本级 row when the region itself manages workers or holds
    sessions. ``span`` None: ``trained`` and ``sessions`` count every session ever. Five
    queries."""
    path = clean_path(region_path)
    if path is None:
        return []
    width = _child_width(path)

    def key(p: str) -> str:
        return p[:width] if width is not None and len(p) >= width else path

    roster = visible(Worker, user, "pk").filter(state=c.WorkerState.ACTIVE).filter(region_q(path))
    worker_key = {pk: key(p) for pk, p in roster.values_list("pk", "region_path")}
    passed = TrainingAttendance.objects.filter(
        worker__in=roster, status=c.AttendanceStatus.PRESENT, passed=True
    )
    start, end = local_bounds(span.start, span.end) if span is not None else (None, None)
    in_span = Q()
    if start is not None and end is not None:
        in_span = Q(session__starts_at__gte=start, session__starts_at__lt=end)
    ever: set[int] = set()
    trained: set[int] = set()
    for worker_id, hit in (
        passed.order_by()
        .values("worker_id")
        .annotate(hit=Count("id", filter=in_span))
        .values_list("worker_id", "hit")
    ):
        ever.add(worker_id)
        if hit:
            trained.add(worker_id)
    held = restrict(TrainingSession.objects.all(), user, "view").filter(region_q(path))
    if start is not None and end is not None:
        held = held.filter(starts_at__gte=start, starts_at__lt=end)
    session_count: dict[str, int] = defaultdict(int)
    for session_path, n in (
        held.order_by()
        .values("region_path")
        .annotate(n=Count("id"))
        .values_list("region_path", "n")
    ):
        session_count[key(session_path)] += n
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # workers, trained, ever
    for worker_id, k in worker_key.items():
        counts[k][0] += 1
        counts[k][1] += worker_id in trained
        counts[k][2] += worker_id in ever
    keys: set[str] = set(counts) | set(session_count)
    if width is not None:
        children = restrict(Region.objects.filter(is_active=True), user, "view").filter(
            region_q(path, "path"), level=codes.LEVEL_BY_WIDTH[width]
        )
        keys |= set(children.values_list("path", flat=True))
    elif path:
        keys.add(path)
    names = _names(keys)
    rows = []
    for k in sorted(keys):
        workers, n_trained, n_ever = counts.get(k, [0, 0, 0])
        own = width is not None and k == path
        name = names.get(k, k)
        rows.append(
            TrainingRow(
                path=k,
                name=_("%(name)s（本级）") % {"name": name} if own else name,
                workers=workers,
                trained=n_trained,
                rate=_rate(n_trained, workers),
                trained_ever=n_ever,
                rate_ever=_rate(n_ever, workers),
                sessions=session_count.get(k, 0),
                own_level=own,
            )
        )
    return rows


# -- check-in coverage ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinRow:
    """考勤 of a grid in a span: ``workers`` daily workers (专职网格员, 网格长) with a main
    assignment to it in the span, ``expected`` their expected days while assigned to it
    (``ops.workdays.worker_days``: working days + duty days − approved leave, inside their
    employment), ``checked`` those of the days with an accepted 上班 check-in, ``rate`` =
    checked ÷ expected; ``anomalies`` refused check-in attempts recorded in the grid."""

    path: str
    name: str
    workers: int
    expected: int
    checked: int
    anomalies: int
    rate: Decimal | None
    grids: int = 1

    @classmethod
    def combine(cls, path: str, name: str, rows: Sequence[CheckinRow]) -> CheckinRow:
        expected = sum(r.expected for r in rows)
        checked = sum(r.checked for r in rows)
        return cls(
            path=path,
            name=name,
            workers=sum(r.workers for r in rows),
            expected=expected,
            checked=checked,
            anomalies=sum(r.anomalies for r in rows),
            rate=_rate(checked, expected),
            grids=sum(r.grids for r in rows),
        )


def _assignment_days(
    days: set[dt.date], span: Span, starts_on: dt.date, ends_on: dt.date | None
) -> set[dt.date]:
    inside = clip(span, starts_on, ends_on)
    if inside is None:
        return set()
    return {d for d in days if inside.start <= d <= inside.end}


def _checked_days(
    user: Any,
    span: Span,
    assigned: list[tuple[int, str, set[dt.date]]],
    ids: list[int],
    worker_ids: QuerySet[Any],
) -> list[int]:
    """For each (worker, grid, expected days) of ``assigned``: how many of the days have an
    accepted 上班 check-in of the worker. Most workers expect exactly the span's working days
    in one grid: their count comes from one grouped query (a count per worker, no rows per
    day); the (worker, day) pairs are fetched only for the others (leave, duty, a new hire, a
    move between grids)."""
    if not ids:
        return [0] * len(assigned)
    working = set(working_days(span))
    per_worker: dict[int, int] = defaultdict(int)
    for worker_id, _path, _days in assigned:
        per_worker[worker_id] += 1
    regular = {
        worker_id
        for worker_id, _path, days in assigned
        if per_worker[worker_id] == 1 and days == working
    }
    base = (
        restrict(CheckIn.objects.all(), user, "view")
        .filter(accepted=True, kind=c.CheckInKind.ON)
        .filter(day__gte=span.start, day__lte=span.end)
        .order_by()
    )
    counts: dict[int, int] = {}
    if regular:
        counts = dict(
            base.filter(worker_id__in=worker_ids, day__in=sorted(working))
            .values("worker_id")
            .annotate(n=Count("day", distinct=True))
            .values_list("worker_id", "n")
        )
    others = sorted(set(ids) - regular)
    days_of_worker: dict[int, set[dt.date]] = defaultdict(set)
    if others:
        for worker_id, day in base.filter(worker_id__in=others).values_list("worker_id", "day"):
            days_of_worker[worker_id].add(day)
    return [
        counts.get(worker_id, 0)
        if worker_id in regular
        else len(days & days_of_worker.get(worker_id, set()))
        for worker_id, _path, days in assigned
    ]


def checkin_coverage(
    user: Any, region_path: str, span: Span, *, level: str = "grid"
) -> list[CheckinRow]:
    """Per active grid of the area (see ``CheckinRow``); a worker who moved grid in the span
    counts in each for the days assigned there. About eight queries."""
    grids = _grids(user, region_path)
    assignment_qs = (
        restrict(Assignment.objects.all(), user, "view")
        .filter(region_q(region_path), overlap_q(span.start, span.end))
        .filter(is_main=True, worker__kind__in=sorted(c.DAILY_KINDS))
    )
    assignments = list(
        assignment_qs.values_list("worker_id", "region_path", "starts_on", "ends_on")
    )
    ids = sorted({a[0] for a in assignments})
    expected_days = worker_days(ids, span)
    # (worker, grid) → the worker's expected days while assigned to the grid
    assigned: list[tuple[int, str, set[dt.date]]] = [
        (worker_id, path, _assignment_days(expected_days.get(worker_id, set()), span, s, e))
        for worker_id, path, s, e in assignments
    ]
    checked_of = _checked_days(
        user, span, assigned, ids, assignment_qs.order_by().values("worker_id")
    )
    per_grid: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # expected, checked
    grid_workers: dict[str, set[int]] = defaultdict(set)
    for index, (worker_id, path, days) in enumerate(assigned):
        grid_workers[path].add(worker_id)
        per_grid[path][0] += len(days)
        per_grid[path][1] += checked_of[index]
    anomalies: dict[str, int] = defaultdict(int)
    for path, n in (
        restrict(CheckIn.objects.all(), user, "view")
        .filter(region_q(region_path), accepted=False)
        .filter(day__gte=span.start, day__lte=span.end)
        .order_by()
        .values("region_path")
        .annotate(n=Count("id"))
        .values_list("region_path", "n")
    ):
        anomalies[path[:GRID_WIDTH]] += n
    result = []
    for path, name in grids:
        expected, checked = per_grid.get(path, [0, 0])
        result.append(
            CheckinRow(
                path=path,
                name=name,
                workers=len(grid_workers.get(path, ())),
                expected=expected,
                checked=checked,
                anomalies=anomalies.get(path, 0),
                rate=_rate(checked, expected),
            )
        )
    return _at_level(result, level)


# -- patrol plan coverage ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """巡查计划完成率 of a grid in a span: ``plans`` the plans in force in the span,
    ``planned`` the patrols they ask for (``ops.workdays.planned_patrols`` over each plan's
    days in the span), ``done`` the finished patrols (stopped or closed by the sweep) of the
    grid in the span that meet the plan of their day (``min_minutes``, ``min_distance_m``),
    ``credited`` = min(done, planned), ``rate`` = credited ÷ planned (a region added up by
    ``by_child``: Σ credited ÷ Σ planned, so one grid's surplus never covers another's gap)."""

    path: str
    name: str
    plans: int
    planned: int
    done: int
    credited: int
    rate: Decimal | None
    grids: int = 1

    @property
    def has_plan(self) -> bool:
        return self.plans > 0

    @classmethod
    def combine(cls, path: str, name: str, rows: Sequence[PlanRow]) -> PlanRow:
        planned = sum(r.planned for r in rows)
        credited = sum(r.credited for r in rows)
        return cls(
            path=path,
            name=name,
            plans=sum(r.plans for r in rows),
            planned=planned,
            done=sum(r.done for r in rows),
            credited=credited,
            rate=_rate(credited, planned),
            grids=sum(r.grids for r in rows),
        )


@dataclass
class _PlanWindow:
    starts: dt.date
    ends: dt.date
    min_seconds: int
    min_metres: int
    planned: int
    done: int = 0

    @property
    def spec(self) -> tuple[dt.date, dt.date, int, int]:
        return (self.starts, self.ends, self.min_seconds, self.min_metres)


# At most this many distinct (days, minimum length) windows are counted in one grouped query
# (one count column each); more (plans of every grid different) fall back to reading the
# patrols' rows.
MAX_WINDOW_COLUMNS = 24


def plan_coverage(user: Any, region_path: str, span: Span, *, level: str = "grid") -> list[PlanRow]:
    """Per active grid of the area (see ``PlanRow``); a grid whose plan changed in the span
    sums both plans' parts. A patrol counts once, for the plan in force on its day (the newest
    if two overlap). Three queries (plus the calendar's), the patrols counted in SQL."""
    grids = _grids(user, region_path)
    windows = _plan_windows(user, region_path, span)
    patrols = (
        restrict(Patrol.objects.all(), user, "view")
        .filter(region_q(region_path), state__in=DONE_STATES)
        .filter(day__gte=span.start, day__lte=span.end)
        .order_by()
    )
    specs = sorted({w.spec for own in windows.values() for w in own})
    if len(specs) <= MAX_WINDOW_COLUMNS:
        if specs:
            columns = {
                f"w{i}": Count(
                    "id",
                    filter=Q(
                        day__gte=first,
                        day__lte=last,
                        duration_s__gte=seconds,
                        distance_m__gte=metres,
                    ),
                )
                for i, (first, last, seconds, metres) in enumerate(specs)
            }
            column_of = {spec: f"w{i}" for i, spec in enumerate(specs)}
            paths = sorted(windows)
            for row in (
                patrols.filter(region_path__in=paths).values("region_path").annotate(**columns)
            ):
                for window in windows.get(row["region_path"], ()):
                    window.done = row[column_of[window.spec]]
    else:
        rows = patrols.values_list("region_path", "day", "duration_s", "distance_m")
        for path, day, seconds, metres in rows:
            for window in windows.get(path, ()):
                if window.starts <= day <= window.ends:
                    if seconds >= window.min_seconds and metres >= window.min_metres:
                        window.done += 1
                    break
    result = []
    for path, name in grids:
        own = windows.get(path, [])
        planned = sum(w.planned for w in own)
        done = sum(w.done for w in own)
        credited = min(done, planned)
        result.append(
            PlanRow(
                path=path,
                name=name,
                plans=len(own),
                planned=planned,
                done=done,
                credited=credited,
                rate=_rate(credited, planned),
            )
        )
    return _at_level(result, level)


def _plan_windows(user: Any, region_path: str, span: Span) -> dict[str, list[_PlanWindow]]:
    """Each grid's plans in force in ``span``, newest first: the patrols they ask for, and the
    days on which a patrol counts for each (an older plan's days stop the day before a newer
    plan starts, so that no patrol counts twice)."""
    windows: dict[str, list[_PlanWindow]] = defaultdict(list)
    planned_cache: dict[tuple[int, str, dt.date, dt.date], int] = {}
    plans = (
        restrict(PatrolPlan.objects.all(), user, "view")
        .filter(region_q(region_path), overlap_q(span.start, span.end))
        .order_by("region_path", "-starts_on", "-pk")
    )
    for plan in plans:
        inside = clip(span, plan.starts_on, plan.ends_on)
        if inside is None:
            continue
        key = (plan.times, plan.period, inside.start, inside.end)
        if key not in planned_cache:
            planned_cache[key] = planned_patrols(plan, inside)
        own = windows[plan.region_path]
        ends = inside.end
        if own:  # a newer plan of the grid
            ends = min(ends, own[-1].starts - dt.timedelta(days=1))
        own.append(
            _PlanWindow(
                starts=inside.start,
                ends=ends,
                min_seconds=plan.min_minutes * 60,
                min_metres=plan.min_distance_m,
                planned=planned_cache[key],
            )
        )
    return windows
