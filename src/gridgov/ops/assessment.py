"""The monthly assessment (考核) of grid workers and grids: their field-work figures, a weighted
score and a ranking, with the metrics app's machinery (``FigureDef``, ``Value``,
``values_from``, ``rankings.score`` and ``rankings._ranked``) — no second scoring path.

Figures of a worker in a span (local dates, both ends included):

* 签到率 ``checkin_rate``: days with an accepted 上班 check-in ÷ expected days
  (``workdays.worker_days``: working days + duty days − approved leave, while employed); only
  days that are expected count in the numerator, so the rate stays ≤ 100 %.
* 巡查完成率 ``patrol_coverage``: finished patrols meeting the plan of the grid they were made
  in (at least ``min_minutes`` and ``min_distance_m`` of the plan in force that day) ÷ the
  patrols the worker's current main grid's plan asks for in the span
  (``workdays.planned_patrols``); each worker is measured against their main grid's full plan
  (several main workers of one grid each owe the whole plan), and the numerator is capped at
  the planned number (patrolling twice a day does not make up for a missed day).
* 巡查次数 ``patrols`` and 巡查里程 ``patrol_km``: finished patrols (stopped or closed by the
  sweep) started in the span, and their distance in kilometres (one decimal).
* 上报案件 ``reported``: cases the worker's account reported (``Case.reported_by``), received
  in the span; 有效上报率 ``valid_report_rate`` = of those, accepted (the metrics measure
  "accepted": taken up, not rejected or merged away) ÷ reported; 自处置 ``self_handled`` and
  自处置率 ``self_handled_rate`` = self-handled ÷ reported.
* 入户走访 ``visits``: register visits by the worker's account in the span; 信息更新
  ``register_updates``: register changes (``RegistryChange``) made by it in the span.
* 被督办 ``supervised``: cases received in the span, reported or led by the worker, that were
  supervised (督办) at least once — lower is better.
* 满意率 ``satisfaction_rate``: (满意 + 基本满意) ÷ rated, over the cases received in the span
  that the worker reported or led (a case both reported and led by them counts once).

Check-in rate and patrol coverage are measured for the kinds who work every working day
(``choices.DAILY_KINDS``: 专职网格员, 网格长); for the other kinds they have nothing to divide
by ("—") and the score rests on their other figures.

A grid: check-in rate over its current main workers (their check-ins in that grid on their
expected days ÷ their expected days), patrols, kilometres and coverage from the patrols made in
the grid by anyone against the grid's own plan, and the case, visit and register figures summed
over its current main workers (a case counted once per grid).

Score and ranking: ``rankings.score`` with ``GRIDGOV_WORKER_WEIGHTS`` (rate figures of
``WORKER_FIGURES`` only). The roster is today's: every active worker with a current assignment
to a grid in the region; a worker sees their own row, managers the region (the callers check).
Every figure is computed for all workers of a region at once with grouped queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case
from gridgov.cases.selectors import CaseFilter
from gridgov.metrics.figures import FigureDef, Span, Sums, Value, case_condition, values_from
from gridgov.metrics.rankings import Ranking, RankRow, _ranked, parse_weights, score
from gridgov.ops import workdays
from gridgov.ops.choices import DAILY_KINDS, CheckInKind, PatrolState, WorkerState
from gridgov.ops.models import Assignment, CheckIn, Patrol, PatrolPlan, Worker
from gridgov.regions.models import Region, subtree_q

__all__ = [
    "BY_KEY",
    "DEFAULT_WORKER_WEIGHTS",
    "SUM_KEYS",
    "WORKER_FIGURES",
    "configured_worker_weights",
    "current_q",
    "grid_sums",
    "rank_grids",
    "rank_workers",
    "roster",
    "worker_sums",
    "worker_values",
]

WORKER_FIGURES: tuple[FigureDef, ...] = (
    FigureDef(
        "checkin_rate",
        _("签到率"),
        "checkin_days",
        "expected_days",
        "rate",
        "up",
        _("有有效上班签到的天数 ÷ 应出勤天数（工作日 + 值班日 − 已批准的请假日，在职期间）"),
    ),
    FigureDef(
        "patrol_coverage",
        _("巡查完成率"),
        "patrols_done",
        "patrols_planned",
        "rate",
        "up",
        _("达到巡查计划要求（时长、里程）的巡查次数 ÷ 主责网格巡查计划应巡查次数，最高 100%"),
    ),
    FigureDef("patrols", _("巡查次数"), "patrols", description=_("已结束的巡查")),
    FigureDef(
        "patrol_km", _("巡查里程"), "patrol_m", kind="km", description=_("已结束巡查的里程合计")
    ),
    FigureDef("reported", _("上报案件"), "reported", description=_("本人账号上报的案件")),
    FigureDef(
        "valid_report_rate",
        _("有效上报率"),
        "valid_reports",
        "reported",
        "rate",
        "up",
        _("已受理 ÷ 上报；不予受理、被合并、待受理的不算有效"),
    ),
    FigureDef("self_handled", _("自处置数"), "self_handled", description=_("现场自行处置的上报")),
    FigureDef(
        "self_handled_rate",
        _("自处置率"),
        "self_handled",
        "reported",
        "rate",
        "up",
        _("现场自行处置 ÷ 上报"),
    ),
    FigureDef("visits", _("入户走访"), "visits", description=_("本人登记的入户走访")),
    FigureDef(
        "register_updates",
        _("信息更新"),
        "register_updates",
        description=_("本人对基础信息（人、房、单位等）的新增、修改、注销"),
    ),
    FigureDef(
        "supervised",
        _("被督办"),
        "supervised",
        better="down",
        description=_("本人上报或主办、被督办过的案件"),
    ),
    FigureDef(
        "satisfaction_rate",
        _("满意率"),
        "satisfied",
        "rated",
        "rate",
        "up",
        _("（满意 + 基本满意）÷ 已评价，本人上报或主办的案件"),
    ),
)
BY_KEY: dict[str, FigureDef] = {f.key: f for f in WORKER_FIGURES}
SUM_KEYS: tuple[str, ...] = (
    "expected_days",
    "checkin_days",
    "patrols_planned",
    "patrols_done",
    "patrols",
    "patrol_m",
    "reported",
    "valid_reports",
    "self_handled",
    "visits",
    "register_updates",
    "supervised",
    "rated",
    "satisfied",
)
DEFAULT_WORKER_WEIGHTS = (
    "checkin_rate=25,patrol_coverage=25,valid_report_rate=20,self_handled_rate=10,"
    "satisfaction_rate=20"
)
FINISHED = (PatrolState.STOPPED, PatrolState.AUTO_CLOSED)


def configured_worker_weights() -> dict[str, Decimal]:
    """The weights of the ``GRIDGOV_WORKER_WEIGHTS`` setting (rate figures of the workers)."""
    raw = getattr(settings, "GRIDGOV_WORKER_WEIGHTS", None) or DEFAULT_WORKER_WEIGHTS
    return parse_weights(raw, figures=WORKER_FIGURES)


def _empty() -> Sums:
    return dict.fromkeys(SUM_KEYS, 0)


def _today() -> dt.date:
    return timezone.localdate()


def current_q(today: dt.date | None = None) -> Q:
    """Assignments in force today (both end days included)."""
    day = today or _today()
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def _bounds(span: Span) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(span.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


# ---------------------------------------------------------------------------------------------
# Facts: a handful of grouped queries for any number of workers
# ---------------------------------------------------------------------------------------------


@dataclass
class _Patrols:
    count: int = 0
    metres: float = 0.0
    meeting: int = 0  # meeting the plan in force that day


def _patrol_groups(where: Q, span: Span) -> dict[tuple[int, str], _Patrols]:
    """Finished patrols started in ``span`` per (worker, grid path): how many, how far, and how
    many met the plan of their grid in force on their day. One query."""
    meets = Exists(
        PatrolPlan.objects.annotate(min_seconds=F("min_minutes") * 60)
        .filter(
            grid_id=OuterRef("grid_id"),
            starts_on__lte=OuterRef("day"),
            min_seconds__lte=OuterRef("duration_s"),
            min_distance_m__lte=OuterRef("distance_m"),
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("day")))
    )
    rows = (
        Patrol.objects.filter(where, day__gte=span.start, day__lte=span.end, state__in=FINISHED)
        .order_by()
        .values("worker_id", "region_path")
        .annotate(n=Count("pk"), metres=Sum("distance_m"), ok=Count("pk", filter=meets))
    )
    return {
        (row["worker_id"], row["region_path"]): _Patrols(
            row["n"], float(row["metres"] or 0), row["ok"]
        )
        for row in rows
    }


def _checkin_days(worker_ids: Sequence[int], span: Span) -> list[tuple[int, dt.date, str]]:
    """Distinct (worker, day, grid path) of accepted 上班 check-ins in ``span``. One query."""
    if not worker_ids:
        return []
    return list(
        CheckIn.objects.filter(
            worker_id__in=worker_ids,
            kind=CheckInKind.ON,
            accepted=True,
            day__gte=span.start,
            day__lte=span.end,
        )
        .order_by()
        .values_list("worker_id", "day", "region_path")
        .distinct()
    )


def _planned(grid_ids: Iterable[int], span: Span) -> dict[int, int]:
    """Planned patrols per grid in ``span``, summed over the plans in force in it. One query."""
    ids = sorted(set(grid_ids))
    planned: dict[int, int] = dict.fromkeys(ids, 0)
    if not ids:
        return planned
    plans = PatrolPlan.objects.filter(grid_id__in=ids, starts_on__lte=span.end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=span.start)
    )
    for plan in plans:
        planned[plan.grid_id] += workdays.planned_patrols(plan, span)
    return planned


@dataclass
class _UserFacts:
    """The case, visit and register facts of accounts, per user id."""

    counts: dict[int, Sums] = field(default_factory=dict)  # reported, visits …
    cases: list[tuple[int | None, int | None, bool, bool, bool]] = field(default_factory=list)
    # (reported_by, lead_user, rated, satisfied, supervised) of the cases behind the per-case
    # figures, so that a case reported and led by the same people counts once


def _user_facts(user_ids: Sequence[int], span: Span) -> _UserFacts:
    """Four queries for any number of accounts."""
    from gridgov.registry.models import RegistryChange, Visit

    facts = _UserFacts()
    if not user_ids:
        return facts

    def bucket(uid: int) -> Sums:
        return facts.counts.setdefault(uid, _empty())

    cohort = CaseFilter(created_from=span.start, created_to=span.end).apply(Case.objects.all())
    reported = (
        cohort.filter(reported_by_id__in=user_ids)
        .order_by()
        .values("reported_by_id")
        .annotate(
            n=Count("pk"),
            valid=Count("pk", filter=case_condition("accepted")),
            own=Count("pk", filter=case_condition("self_handled")),
        )
    )
    for row in reported:
        sums = bucket(row["reported_by_id"])
        sums["reported"] += row["n"]
        sums["valid_reports"] += row["valid"]
        sums["self_handled"] += row["own"]
    rated, satisfied, supervised = (
        case_condition("rated"),
        case_condition("satisfied"),
        case_condition("supervised"),
    )
    flagged = (
        cohort.filter(Q(reported_by_id__in=user_ids) | Q(lead_user_id__in=user_ids))
        .filter(rated | supervised)
        .order_by()
        .annotate(
            is_rated=ExpressionWrapper(rated, output_field=BooleanField()),
            is_satisfied=ExpressionWrapper(satisfied, output_field=BooleanField()),
            is_supervised=ExpressionWrapper(supervised, output_field=BooleanField()),
        )
        .values_list("reported_by_id", "lead_user_id", "is_rated", "is_satisfied", "is_supervised")
    )
    facts.cases = [(r, lead, bool(a), bool(b), bool(c)) for r, lead, a, b, c in flagged]
    start, end = _bounds(span)
    visits = (
        Visit.objects.filter(visitor_id__in=user_ids, visited_at__gte=start, visited_at__lt=end)
        .order_by()
        .values("visitor_id")
        .annotate(n=Count("pk"))
    )
    for row in visits:
        bucket(row["visitor_id"])["visits"] += row["n"]
    changes = (
        RegistryChange.objects.filter(actor_id__in=user_ids, at__gte=start, at__lt=end)
        .order_by()
        .values("actor_id")
        .annotate(n=Count("pk"))
    )
    for row in changes:
        bucket(row["actor_id"])["register_updates"] += row["n"]
    return facts


USER_COUNTS = ("reported", "valid_reports", "self_handled", "visits", "register_updates")


def _add_user_facts(
    result: dict[Any, Sums], facts: _UserFacts, owners: Mapping[int, Iterable[Any]]
) -> None:
    """Add the accounts' facts to their owners' sums (a worker, or each grid a worker is the
    main worker of); a case counts once per owner however many of its people the owner has."""
    for uid, keys in owners.items():
        counts = facts.counts.get(uid)
        if counts is None:
            continue
        for key in keys:
            for name in USER_COUNTS:
                result[key][name] += counts[name]
    for reporter, lead, is_rated, is_satisfied, is_supervised in facts.cases:
        keys = {k for uid in (reporter, lead) if uid is not None for k in owners.get(uid, ())}
        for key in keys:
            result[key]["rated"] += int(is_rated)
            result[key]["satisfied"] += int(is_satisfied)
            result[key]["supervised"] += int(is_supervised)


# ---------------------------------------------------------------------------------------------
# Sums per worker and per grid
# ---------------------------------------------------------------------------------------------


def _worker_sums(
    workers: Sequence[Worker], main: Mapping[int, Sequence[int]], span: Span
) -> dict[int, Sums]:
    ids = [w.pk for w in workers]
    result: dict[int, Sums] = {pk: _empty() for pk in ids}
    if not ids:
        return result
    daily = {w.pk for w in workers if w.kind in DAILY_KINDS}
    expected = workdays.worker_days(daily, span)
    checked: dict[int, set[dt.date]] = defaultdict(set)
    for worker_id, day, _path in _checkin_days(sorted(daily), span):
        checked[worker_id].add(day)
    planned = _planned((g for grids in main.values() for g in grids), span)
    patrols = _patrol_groups(Q(worker_id__in=ids), span)
    for (worker_id, _path), group in patrols.items():
        sums = result[worker_id]
        sums["patrols"] += group.count
        sums["patrol_m"] += round(group.metres)
        sums["patrols_done"] += group.meeting
    for pk in daily:
        sums = result[pk]
        days = expected.get(pk, set())
        sums["expected_days"] = len(days)
        sums["checkin_days"] = len(checked[pk] & days)
        sums["patrols_planned"] = sum(planned[g] for g in main.get(pk, ()))
    for pk in ids:
        sums = result[pk]
        sums["patrols_done"] = min(sums["patrols_done"], sums["patrols_planned"])
    owners = {w.user_id: [w.pk] for w in workers if w.user_id is not None}
    _add_user_facts(result, _user_facts(sorted(owners), span), owners)
    return result


def worker_sums(workers: Iterable[Worker], span: Span) -> dict[int, Sums]:
    """Each worker's summed facts in ``span`` (keys ``SUM_KEYS``), measured against their
    current main grids' plans."""
    chosen = list(workers)
    main: dict[int, list[int]] = defaultdict(list)
    assignments = Assignment.objects.filter(
        current_q(), worker_id__in=[w.pk for w in chosen], is_main=True
    ).values_list("worker_id", "grid_id")
    for worker_id, grid_id in assignments:
        main[worker_id].append(grid_id)
    return _worker_sums(chosen, main, span)


def worker_values(worker: Worker, span: Span) -> list[Value]:
    """A worker's figures in ``span`` (their own row of the assessment)."""
    return values_from(worker_sums([worker], span)[worker.pk], figures=WORKER_FIGURES)


# ---------------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------------


@dataclass
class Roster:
    workers: list[Worker]
    grids: dict[int, list[str]]  # worker id → names of their current grids in the region
    main: dict[int, list[int]]  # worker id → current main grid ids in the region
    main_of_grid: dict[int, list[Worker]]  # grid id → its current main workers


def roster(region: Region) -> Roster:
    """Active workers with a current assignment to a grid in the region. One query."""
    assignments = (
        Assignment.objects.filter(
            current_q(), subtree_q(region.path, "region_path"), worker__state=WorkerState.ACTIVE
        )
        .select_related("worker", "grid")
        .order_by("worker__name", "worker_id", "-is_main", "grid__path")
    )
    workers: dict[int, Worker] = {}
    found = Roster([], defaultdict(list), defaultdict(list), defaultdict(list))
    for assignment in assignments:
        worker = workers.setdefault(assignment.worker_id, assignment.worker)
        names = found.grids[worker.pk]
        if assignment.grid.name not in names:
            names.append(assignment.grid.name)
        if assignment.is_main:
            found.main[worker.pk].append(assignment.grid_id)
            found.main_of_grid[assignment.grid_id].append(worker)
    found.workers = list(workers.values())
    return found


def listed(names: Sequence[str], unit: str, most: int = 3) -> str:
    """Names for a ranking row's note: all of up to ``most``, else the first two and how many
    (a worker covering a whole village would otherwise push the figures off the page)."""
    if len(names) <= most:
        return "、".join(names)
    return gettext("%(first)s 等 %(count)s %(unit)s") % {
        "first": "、".join(names[:2]),
        "count": len(names),
        "unit": unit,
    }


def _chosen(weights: Mapping[str, Decimal] | None) -> dict[str, Decimal]:
    return dict(weights) if weights is not None else configured_worker_weights()


def _row(key: Any, label: str, note: str, totals: Sums, weights: Mapping[str, Decimal]) -> RankRow:
    values = values_from(totals, figures=WORKER_FIGURES)
    return RankRow(
        key=key,
        label=label,
        score=score(values, weights),
        values=values,
        totals=dict(totals),
        note=note,
    )


def rank_workers(
    region: Region, span: Span, *, weights: Mapping[str, Decimal] | None = None
) -> Ranking:
    """Every worker on the region's roster today, by the weighted score of their figures in
    ``span``; label the name, note their grids."""
    chosen = _chosen(weights)
    team = roster(region)
    sums = _worker_sums(team.workers, team.main, span)
    rows = [
        _row(w.pk, w.name, listed(team.grids[w.pk], gettext("个网格")), sums[w.pk], chosen)
        for w in team.workers
    ]
    return Ranking(
        kind="grid_worker",
        title="网格员排名",
        span=span,
        weights=chosen,
        rows=_ranked(rows),
        figures=list(WORKER_FIGURES),
    )


def grid_sums(region: Region, span: Span) -> tuple[list[Region], dict[int, Sums], Roster]:
    """Each active grid of the region: its sums in ``span`` (see the module docstring)."""
    grids = list(
        Region.objects.grids().active().filter(subtree_q(region.path, "path")).order_by("path")
    )
    team = roster(region)
    result: dict[int, Sums] = {g.pk: _empty() for g in grids}
    path_of = {g.pk: g.path for g in grids}
    by_path = {g.path: g.pk for g in grids}
    main_workers = {w.pk: w for ws in team.main_of_grid.values() for w in ws}
    daily = {pk for pk, w in main_workers.items() if w.kind in DAILY_KINDS}
    expected = workdays.worker_days(daily, span)
    checked: set[tuple[int, dt.date, str]] = set(_checkin_days(sorted(daily), span))
    planned = _planned(result, span)
    for (_worker, path), group in _patrol_groups(
        subtree_q(region.path, "region_path"), span
    ).items():
        grid_id = by_path.get(path)
        if grid_id is None:
            continue
        sums = result[grid_id]
        sums["patrols"] += group.count
        sums["patrol_m"] += round(group.metres)
        sums["patrols_done"] += group.meeting
    owners: dict[int, list[int]] = defaultdict(list)
    for grid_id, sums in result.items():
        sums["patrols_planned"] = planned[grid_id]
        sums["patrols_done"] = min(sums["patrols_done"], sums["patrols_planned"])
        for worker in team.main_of_grid.get(grid_id, []):
            if worker.user_id is not None:
                owners[worker.user_id].append(grid_id)
            if worker.pk not in daily:
                continue
            days = expected.get(worker.pk, set())
            sums["expected_days"] += len(days)
            sums["checkin_days"] += sum(
                1 for day in days if (worker.pk, day, path_of[grid_id]) in checked
            )
    _add_user_facts(result, _user_facts(sorted(owners), span), owners)
    return grids, result, team


def rank_grids(
    region: Region, span: Span, *, weights: Mapping[str, Decimal] | None = None
) -> Ranking:
    """Every active grid of the region by the weighted score of its figures in ``span``;
    note its current main workers."""
    chosen = _chosen(weights)
    grids, sums, team = grid_sums(region, span)
    rows = [
        _row(
            g.path,
            g.name,
            listed([w.name for w in team.main_of_grid.get(g.pk, [])], gettext("人")),
            sums[g.pk],
            chosen,
        )
        for g in grids
    ]
    return Ranking(
        kind="grid",
        title="各网格排名",
        span=span,
        weights=chosen,
        rows=_ranked(rows),
        figures=list(WORKER_FIGURES),
    )
