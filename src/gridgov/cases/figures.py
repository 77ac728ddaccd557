"""The figures of the big screen, each defined as a :class:`CaseFilter` (plus a date range).

A figure's count is ``filter.apply(visible_cases(user)).count()`` and its link is the workbench
case list with ``filter.to_query()``, so a number on a screen and the list behind it can never
disagree. Breakdowns and trends are grouped counts (``values().annotate(Count)``) over the same
base filter; each group maps back to a filter of its own (base filter + the group's value).
Nothing here loads cases into Python to count them.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, IntegerField, QuerySet, Value, When
from django.db.models.functions import Substr
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridgov.cases.choices import Channel, HandlingLevel
from gridgov.cases.models import Board, Item
from gridgov.cases.models import Case as CaseModel
from gridgov.cases.selectors import CaseFilter, light_q, visible_cases
from gridgov.cases.workflow import OPEN
from gridgov.regions.models import Region

CASE_LIST_URL = "/work/cases/"  # the workbench case list (``work-cases``), fed to_query()
OPEN_STATUSES: tuple[str, ...] = tuple(sorted(s.value for s in OPEN))
SATISFIED: tuple[str, ...] = ("satisfied", "basically_satisfied")
RATED: tuple[str, ...] = ("satisfied", "basically_satisfied", "unsatisfied")
POINT_LIMIT = 3000  # case points on one map


def case_list_url() -> str:
    try:
        return reverse("work-cases")
    except NoReverseMatch:
        return CASE_LIST_URL


def link(filters: CaseFilter) -> str:
    """The workbench list that shows exactly the cases ``filters`` counts."""
    query = filters.to_query()
    return f"{case_list_url()}?{query}" if query else case_list_url()


def count(user: Any, filters: CaseFilter, now: dt.datetime) -> int:
    return filters.apply(visible_cases(user), now).count()


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    label: str | Promise
    start: dt.date
    end: dt.date


PERIOD_LABELS: dict[str, str | Promise] = {
    "today": _("今日"),
    "month": _("本月"),
    "year": _("本年"),
}
PERIODS: tuple[str, ...] = tuple(PERIOD_LABELS)


def period(key: str, now: dt.datetime) -> Period:
    """Today, this month or this year, up to and including today (local dates)."""
    today = timezone.localdate(now)
    starts = {"today": today, "month": today.replace(day=1), "year": today.replace(1, 1)}
    if key not in starts:
        raise ValueError(f"unknown period {key!r}")
    return Period(key, PERIOD_LABELS[key], starts[key], today)


# ---------------------------------------------------------------------------------------------
# Headline figures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A headline figure: ``make(start, end)`` gives the filter of the cases it counts in a
    period; ``total`` (for rates) the filter of the cases it is a share of."""

    key: str
    label: str | Promise
    make: Callable[[dt.date, dt.date], CaseFilter]
    total: Callable[[dt.date, dt.date], CaseFilter] | None = None
    hint: str | Promise = ""
    as_rate: bool = False  # shown as count / total

    def filter(self, region: str, start: dt.date, end: dt.date) -> CaseFilter:
        return dataclasses.replace(self.make(start, end), region=region)

    def total_filter(self, region: str, start: dt.date, end: dt.date) -> CaseFilter | None:
        if self.total is None:
            return None
        return dataclasses.replace(self.total(start, end), region=region)


def _received(start: dt.date, end: dt.date) -> CaseFilter:
    return CaseFilter(created_from=start, created_to=end)


def _closed(start: dt.date, end: dt.date) -> CaseFilter:
    return CaseFilter(closed_from=start, closed_to=end)


FIGURES: tuple[Figure, ...] = (
    Figure("received", _("上报"), _received, hint=_("期间上报的案件")),
    Figure(
        "accepted",
        _("受理"),
        lambda s, e: dataclasses.replace(_received(s, e), accepted=True),
        hint=_("期间上报且已受理的案件（不含待受理、不予受理、已合并）"),
    ),
    Figure("closed", _("办结"), _closed, hint=_("期间结案的案件")),
    Figure(
        "on_time",
        _("按期办结"),
        lambda s, e: dataclasses.replace(_closed(s, e), handled_on_time=True),
        total=_closed,
        hint=_("期间结案且按期办结的案件；比率为占结案数的比例"),
    ),
    Figure(
        "overdue",
        _("红灯"),
        lambda s, e: dataclasses.replace(_received(s, e), light="red"),
        hint=_("期间上报、当前超期（红灯）的案件"),
    ),
    Figure(
        "supervised",
        _("督办中"),
        lambda s, e: dataclasses.replace(_received(s, e), supervision="any"),
        hint=_("期间上报、当前正在督办的案件"),
    ),
    Figure(
        "satisfaction",
        _("满意率"),
        lambda s, e: dataclasses.replace(_closed(s, e), rating=SATISFIED),
        total=lambda s, e: dataclasses.replace(_closed(s, e), rating=RATED),
        hint=_("期间结案并已回访的案件中，满意与基本满意的比例"),
        as_rate=True,
    ),
)
FIGURE_BY_KEY = {figure.key: figure for figure in FIGURES}


@dataclass(frozen=True)
class FigureValue:
    key: str
    label: str | Promise
    period: str
    count: int
    link: str
    filter: CaseFilter
    total: int | None = None
    total_link: str = ""
    total_filter: CaseFilter | None = None
    hint: str | Promise = ""
    as_rate: bool = False

    @property
    def rate(self) -> float | None:
        """``count / total`` as a percentage (rates only; None when there is nothing to rate)."""
        if self.total is None or self.total == 0:
            return None
        return round(100.0 * self.count / self.total, 1)

    @property
    def rate_display(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate:.1f}%"

    @property
    def display(self) -> str:
        return self.rate_display if self.as_rate else f"{self.count:,}"


def figure_value(
    user: Any,
    region: Region,
    figure: Figure,
    when: Period,
    now: dt.datetime,
    seen: dict[str, int] | None = None,
) -> FigureValue:
    """One figure in one period; ``seen`` remembers counts already made for the same filter
    (the total of 按期办结 is 办结 itself)."""
    seen = {} if seen is None else seen

    def counted(filters: CaseFilter) -> int:
        key = filters.to_query()
        if key not in seen:
            seen[key] = count(user, filters, now)
        return seen[key]

    filters = figure.filter(region.path, when.start, when.end)
    total_filter = figure.total_filter(region.path, when.start, when.end)
    return FigureValue(
        key=figure.key,
        label=figure.label,
        period=when.key,
        count=counted(filters),
        link=link(filters),
        filter=filters,
        total=None if total_filter is None else counted(total_filter),
        total_link="" if total_filter is None else link(total_filter),
        total_filter=total_filter,
        hint=figure.hint,
        as_rate=figure.as_rate,
    )


def headline(user: Any, region: Region, period_key: str, now: dt.datetime) -> list[FigureValue]:
    """Every headline figure for one period (one count query each, two for rates)."""
    when = period(period_key, now)
    seen: dict[str, int] = {}
    return [figure_value(user, region, figure, when, now, seen) for figure in FIGURES]


# ---------------------------------------------------------------------------------------------
# Breakdowns (grouped counts; each group maps back to a filter)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    count: int
    link: str
    filter: CaseFilter

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.label, "value": self.count, "link": self.link}


def _grouped(user: Any, base: CaseFilter, field: Any, now: dt.datetime) -> dict[Any, int]:
    """``{value of field: count}`` over the cases of ``base`` (one grouped query)."""
    queryset: QuerySet[CaseModel] = base.apply(visible_cases(user), now)
    if isinstance(field, str):
        rows = queryset.order_by().values(field).annotate(n=Count("pk"))
        return {row[field]: row["n"] for row in rows}
    rows = queryset.order_by().annotate(g=field).values("g").annotate(n=Count("pk"))
    return {row["g"]: row["n"] for row in rows}


def base_filter(region: Region, when: Period, *, closed: bool = False) -> CaseFilter:
    make = _closed if closed else _received
    return dataclasses.replace(make(when.start, when.end), region=region.path)


def _group(key: str, label: str, n: int, filters: CaseFilter) -> Group:
    return Group(key=key, label=label, count=n, link=link(filters), filter=filters)


def by_board(user: Any, region: Region, when: Period, now: dt.datetime) -> list[Group]:
    """Cases received in the period, by board (every active board, zeros included)."""
    base = base_filter(region, when)
    counts = _grouped(user, base, "board__code", now)
    boards = Board.objects.filter(is_active=True).order_by("sort_order", "code")
    return [
        _group(b.code, b.name, counts.get(b.code, 0), dataclasses.replace(base, board=b.code))
        for b in boards
    ]


def by_item(
    user: Any, region: Region, when: Period, now: dt.datetime, top: int = 10
) -> list[Group]:
    """Cases received in the period, by item: the ``top`` most frequent."""
    base = base_filter(region, when)
    counts = _grouped(user, base, "item__code", now)
    best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    names = dict(Item.objects.filter(code__in=[k for k, _n in best]).values_list("code", "name"))
    return [
        _group(code, names.get(code, code), n, dataclasses.replace(base, item=code))
        for code, n in best
    ]


def by_channel(user: Any, region: Region, when: Period, now: dt.datetime) -> list[Group]:
    """Cases received in the period, by channel (the channels that have cases, largest first)."""
    base = base_filter(region, when)
    counts = _grouped(user, base, "channel", now)
    groups = [
        _group(value, str(label), counts[value], dataclasses.replace(base, channel=(value,)))
        for value, label in Channel.choices
        if counts.get(value)
    ]
    return sorted(groups, key=lambda g: -g.count)


def by_solved_level(user: Any, region: Region, when: Period, now: dt.datetime) -> list[Group]:
    """Cases closed in the period, by the level that solved them (village / township / county)."""
    base = base_filter(region, when, closed=True)
    counts = _grouped(user, base, "solved_level", now)
    levels = [HandlingLevel.VILLAGE, HandlingLevel.TOWNSHIP, HandlingLevel.COUNTY]
    if counts.get(HandlingLevel.PREFECTURE):
        levels.append(HandlingLevel.PREFECTURE)
    return [
        _group(
            level.value,
            str(level.label),
            counts.get(level.value, 0),
            dataclasses.replace(base, solved_level=level.value),
        )
        for level in levels
    ]


def child_regions(user: Any, region: Region) -> list[Region]:
    """The region's visible children that cases can lie in (not buildings or hamlets)."""
    from gridgov.regions.selectors import visible_regions

    return list(
        visible_regions(user)
        .filter(parent=region)
        .exclude(level="building")
        .order_by("path")
        .only("path", "name", "level", "code")
    )


def _by_child(
    user: Any, region: Region, base: CaseFilter, now: dt.datetime, children: Sequence[Region]
) -> list[Group]:
    counts: dict[str, int] = {}
    for width in sorted({len(child.path) for child in children}):
        counts.update(_grouped(user, base, Substr("region_path", 1, width), now))
    return [
        _group(
            child.path,
            child.name,
            counts.get(child.path, 0),
            dataclasses.replace(base, region=child.path),
        )
        for child in children
    ]


def by_child(
    user: Any,
    region: Region,
    when: Period,
    now: dt.datetime,
    children: Sequence[Region] | None = None,
) -> list[Group]:
    """Cases received in the period, by child region (every visible child, zeros included)."""
    children = child_regions(user, region) if children is None else children
    return _by_child(user, region, base_filter(region, when), now, children)


# ---------------------------------------------------------------------------------------------
# Trends
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    key: str  # ISO date or YYYY-MM
    label: str
    received: Group
    closed: Group

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.label,
            "received": self.received.as_json(),
            "closed": self.closed.as_json(),
        }


def _bucketed(
    user: Any, base: CaseFilter, field: str, edges: Sequence[dt.date], now: dt.datetime
) -> list[int]:
    """Counts of ``base`` per local-date bucket ``[edges[i], edges[i + 1])`` of ``field``: one
    grouped query, the bucket computed in SQL from the same day boundaries ``CaseFilter`` uses
    (no per-row date functions, so it is as fast on SQLite as on PostgreSQL)."""
    tz = timezone.get_current_timezone()
    starts = [dt.datetime.combine(day, dt.time.min, tzinfo=tz) for day in edges]
    bucket = SqlCase(
        *[
            When(**{f"{field}__gte": starts[i], f"{field}__lt": starts[i + 1]}, then=Value(i))
            for i in range(len(starts) - 1)
        ],
        default=Value(-1),
        output_field=IntegerField(),
    )
    counts = _grouped(user, base, bucket, now)
    return [counts.get(i, 0) for i in range(len(edges) - 1)]


def _trend(
    user: Any,
    region: Region,
    now: dt.datetime,
    spans: Sequence[tuple[str, str, dt.date, dt.date]],
) -> list[TrendPoint]:
    """Received and closed per span ``(key, label, first day, last day)``."""
    window = Period("window", "", spans[0][2], spans[-1][3])
    edges = [span[2] for span in spans] + [spans[-1][3] + dt.timedelta(days=1)]
    received = _bucketed(user, base_filter(region, window), "created_at", edges, now)
    closed = _bucketed(user, base_filter(region, window, closed=True), "closed_at", edges, now)
    points: list[TrendPoint] = []
    for (key, label, first, last), n_received, n_closed in zip(
        spans, received, closed, strict=True
    ):
        points.append(
            TrendPoint(
                key=key,
                label=label,
                received=_group(
                    key,
                    label,
                    n_received,
                    CaseFilter(region=region.path, created_from=first, created_to=last),
                ),
                closed=_group(
                    key,
                    label,
                    n_closed,
                    CaseFilter(region=region.path, closed_from=first, closed_to=last),
                ),
            )
        )
    return points


def trend_daily(user: Any, region: Region, now: dt.datetime, days: int = 30) -> list[TrendPoint]:
    """Received and closed per day over the last ``days`` days (today included)."""
    today = timezone.localdate(now)
    spans = []
    for back in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=back)
        spans.append((day.isoformat(), f"{day.month}/{day.day}", day, day))
    return _trend(user, region, now, spans)


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def trend_monthly(
    user: Any, region: Region, now: dt.datetime, months: int = 12
) -> list[TrendPoint]:
    """Received and closed per month over the last ``months`` months (this month so far)."""
    today = timezone.localdate(now)
    spans = []
    for back in range(months - 1, -1, -1):
        start = _month_start(today, back)
        end = min(today, start.replace(day=calendar.monthrange(start.year, start.month)[1]))
        spans.append((f"{start:%Y-%m}", f"{start.year % 100:02d}/{start.month}", start, end))
    return _trend(user, region, now, spans)


# ---------------------------------------------------------------------------------------------
# The map: open and overdue cases per child, and the open case points
# ---------------------------------------------------------------------------------------------


def open_filter(region_path: str) -> CaseFilter:
    """Cases not yet closed (active, held or awaiting a void decision) in a subtree."""
    return CaseFilter(region=region_path, status=OPEN_STATUSES)


def overdue_open_filter(region_path: str) -> CaseFilter:
    """Open cases whose light is red now."""
    return CaseFilter(region=region_path, status=OPEN_STATUSES, light="red")


@dataclass(frozen=True)
class ChildLoad:
    region: Region
    open: Group
    overdue: Group

    @property
    def share(self) -> float:
        """Overdue share of the open cases, 0 … 1."""
        return self.overdue.count / self.open.count if self.open.count else 0.0


def child_load(
    user: Any, region: Region, now: dt.datetime, children: Sequence[Region] | None = None
) -> list[ChildLoad]:
    """For each visible child: its open cases and its overdue open cases (two grouped queries)."""
    children = child_regions(user, region) if children is None else children
    opened = _by_child(user, region, open_filter(region.path), now, children)
    overdue = _by_child(user, region, overdue_open_filter(region.path), now, children)
    return [
        ChildLoad(region=child, open=o, overdue=r)
        for child, o, r in zip(children, opened, overdue, strict=True)
    ]


def light_expression(now: dt.datetime) -> SqlCase:
    """The light of a case as an SQL expression (the same rule as ``light_q``)."""
    return SqlCase(
        When(light_q("red", now), then=Value("red")),
        When(light_q("yellow", now), then=Value("yellow")),
        When(light_q("green", now), then=Value("green")),
        default=Value(""),
        output_field=CharField(),
    )


def case_points(
    user: Any, region: Region, now: dt.datetime, limit: int = POINT_LIMIT
) -> dict[str, Any]:
    """The open cases with a location, coloured by light: red first, then yellow, then the
    newest, at most ``limit``; ``total`` says how many there are."""
    queryset = (
        open_filter(region.path)
        .apply(visible_cases(user), now)
        .filter(lng__isnull=False, lat__isnull=False)
    )
    rank = SqlCase(
        When(light_q("red", now), then=Value(0)),
        When(light_q("yellow", now), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    rows = list(
        queryset.annotate(light=light_expression(now), rank=rank)
        .order_by("rank", "-created_at")
        .values("number", "title", "lng", "lat", "light")[:limit]
    )
    total = len(rows) if len(rows) < limit else queryset.count()
    return {
        "total": total,
        "shown": len(rows),
        "points": [
            [round(r["lng"], 6), round(r["lat"], 6), r["light"] or "green", r["number"], r["title"]]
            for r in rows
        ],
    }


# ---------------------------------------------------------------------------------------------
# The live feed
# ---------------------------------------------------------------------------------------------


def newest_cases(user: Any, region: Region, limit: int = 8) -> QuerySet[CaseModel]:
    return (
        CaseFilter(region=region.path)
        .apply(visible_cases(user))
        .select_related("region", "board")
        .order_by("-created_at")[:limit]
    )


def newest_overdue(
    user: Any, region: Region, now: dt.datetime, limit: int = 8
) -> QuerySet[CaseModel]:
    """Cases red now, the most recently overdue first."""
    return (
        CaseFilter(region=region.path, light="red")
        .apply(visible_cases(user), now)
        .select_related("region", "board")
        .order_by("-due_at")[:limit]
    )


def today_filter(region: Region, now: dt.datetime) -> CaseFilter:
    today = timezone.localdate(now)
    return CaseFilter(region=region.path, created_from=today, created_to=today)


def red_filter(region: Region) -> CaseFilter:
    return CaseFilter(region=region.path, light="red")
