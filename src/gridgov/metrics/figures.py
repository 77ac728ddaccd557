"""The assessment figures (考核指标): one definition each — numerator, denominator, rounding —
computed for any scope and period, each number linked to the exact cases behind it.

Period rule: a figure counts the cohort of cases *received* in the period (local dates, both
ends included) as they stand now. 办结率 for March is "of the cases received in March and
accepted, the share closed". Every numerator and denominator is a sum of one measure (see
``measures``); a region/board/item/channel scope reads the rollups, a department or person
scope (or a grid, below the rollup grain) counts the case rows with the same conditions.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridgov.cases.figures import link
from gridgov.cases.models import Case
from gridgov.cases.selectors import CaseFilter
from gridgov.metrics.measures import MEASURE_FILTERS, MEASURES, REGION_WIDTH
from gridgov.metrics.models import CaseRollup
from gridgov.regions.models import subtree_q

DASH = "—"  # a figure with nothing to divide by
TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


# ---------------------------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureDef:
    """``kind``: "count" (the numerator), "rate" (numerator / denominator as a percentage),
    "hours" (numerator seconds / denominator cases, in hours) or "km" (numerator metres, in
    kilometres with one decimal). ``better`` says which way is good ("up", "down" or "" for
    plain counts)."""

    key: str
    name: str | Promise
    numerator: str
    denominator: str | None = None
    kind: str = "count"
    better: str = ""
    description: str | Promise = ""


FIGURES: tuple[FigureDef, ...] = (
    FigureDef("received", _("上报数"), "received", description=_("期间上报（登记）的案件")),
    FigureDef(
        "accept_rate",
        _("受理率"),
        "accepted",
        "received",
        "rate",
        "up",
        _("已受理 ÷ 上报；不予受理、被合并、待受理的不算受理"),
    ),
    FigureDef(
        "sign_rate",
        _("接收率"),
        "signed_on_time",
        "dispatched",
        "rate",
        "up",
        _("按时签收 ÷ 已派遣；以首次签收是否在时限内为准"),
    ),
    FigureDef(
        "close_rate",
        _("办结率"),
        "closed",
        "accepted",
        "rate",
        "up",
        _("已办结（核查通过）÷ 已受理"),
    ),
    FigureDef(
        "on_time_rate",
        _("按期办结率"),
        "closed_on_time",
        "closed",
        "rate",
        "up",
        _("按期办结 ÷ 已办结"),
    ),
    FigureDef(
        "callback_rate",
        _("反馈率"),
        "called_back",
        "reachable_closed",
        "rate",
        "up",
        _("已回访（联系上反映人）÷ 已办结且留有联系电话、未匿名"),
    ),
    FigureDef(
        "satisfaction_rate",
        _("满意率"),
        "satisfied",
        "rated",
        "rate",
        "up",
        _("（满意 + 基本满意）÷ 已评价"),
    ),
    FigureDef(
        "reopen_rate",
        _("重办率"),
        "reopened",
        "called_back_any",
        "rate",
        "down",
        _("因不满意重办 ÷ 已回访"),
    ),
    FigureDef(
        "rework_rate",
        _("返工率"),
        "reworked",
        "closed",
        "rate",
        "down",
        _("核查不通过返工过 ÷ 已办结"),
    ),
    FigureDef(
        "average_hours",
        _("平均办理时长"),
        "handle_seconds",
        "closed",
        "hours",
        "down",
        _("已办结案件从受理到办结的平均小时数（自然时间）"),
    ),
    FigureDef("overdue", _("超期数"), "overdue", description=_("曾经超期（亮过红灯）的案件")),
    FigureDef("supervised", _("督办数"), "supervised", description=_("被督办过的案件")),
    FigureDef(
        "village_share",
        _("村级解决率"),
        "solved_village",
        "closed",
        "rate",
        "",
        _("在村（社区）级办结 ÷ 已办结"),
    ),
    FigureDef(
        "township_share",
        _("乡级解决率"),
        "solved_township",
        "closed",
        "rate",
        "",
        _("在乡镇（街道）级办结 ÷ 已办结"),
    ),
    FigureDef(
        "county_share",
        _("县级解决率"),
        "solved_county",
        "closed",
        "rate",
        "",
        _("在县级办结 ÷ 已办结"),
    ),
    FigureDef(
        "self_handled_rate",
        _("自处置率"),
        "self_handled",
        "received",
        "rate",
        "",
        _("网格员现场自行处置 ÷ 上报"),
    ),
)
BY_KEY: dict[str, FigureDef] = {f.key: f for f in FIGURES}


def ratio(numerator: int, denominator: int | None, kind: str) -> Decimal | None:
    """The figure's value, rounded half up to two places; None when there is nothing to divide
    by (shown as "—", never as 0% or 100%)."""
    if kind == "count":
        return Decimal(numerator)
    if kind == "km":  # metres → kilometres, one decimal
        return (Decimal(numerator) / 1000).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
    if not denominator:
        return None
    if kind == "rate":
        value = Decimal(numerator) * 100 / Decimal(denominator)
    else:  # hours: seconds per case
        value = Decimal(numerator) / (Decimal(denominator) * 3600)
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def display(value: Decimal | None, kind: str) -> str:
    if value is None:
        return DASH
    if kind == "rate":
        return f"{value}%"
    if kind in ("hours", "km"):
        return f"{value}"
    return f"{int(value):,}"


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A run of local dates, both ends included."""

    start: dt.date
    end: dt.date
    unit: str = "range"  # day / month / year / range

    @classmethod
    def day(cls, day: dt.date) -> Span:
        return cls(day, day, "day")

    @classmethod
    def month(cls, year: int, month: int) -> Span:
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last), "month")

    @classmethod
    def year(cls, year: int) -> Span:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")

    @classmethod
    def parse(cls, text: str) -> Span:
        """ "2026-11" (a month), "2026" (a year), "2026-11-05" (a day) or "2026-11-01..2026-11-15"."""
        text = text.strip()
        if ".." in text:
            first, last = (dt.date.fromisoformat(p) for p in text.split("..", 1))
            if last < first:
                raise ValueError("end before start")
            return cls(first, last)
        parts = text.split("-")
        if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) == 4:
            return cls.year(int(parts[0]))
        if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
            return cls.month(int(parts[0]), int(parts[1]))
        return cls.day(dt.date.fromisoformat(text))

    def months(self) -> list[Span]:
        """The calendar months this span touches, in order."""
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append(Span.month(year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result

    def previous(self) -> Span:
        if self.unit == "month":
            before = self.start - dt.timedelta(days=1)
            return Span.month(before.year, before.month)
        if self.unit == "year":
            return Span.year(self.start.year - 1)
        length = (self.end - self.start).days + 1
        end = self.start - dt.timedelta(days=1)
        return Span(end - dt.timedelta(days=length - 1), end, self.unit)

    @property
    def label(self) -> str:
        if self.unit == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.unit == "year":
            return f"{self.start.year}年"
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    @property
    def key(self) -> str:
        if self.unit == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.unit == "year":
            return str(self.start.year)
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


MAX_DAYS = 3 * 366  # the longest period a page or the API computes
FIRST_YEAR, LAST_YEAR = 2000, 2099


def parse_period(text: str) -> Span:
    """A period as pages and the API accept it: ``Span.parse`` within 2000–2099 and at most
    three years long (ValueError otherwise)."""
    span = Span.parse(text)
    if span.start.year < FIRST_YEAR or span.end.year > LAST_YEAR:
        raise ValueError("out of range")
    if (span.end - span.start).days >= MAX_DAYS:
        raise ValueError("too long")
    return span


def months_ending(span: Span, count: int = 12) -> Span:
    """The ``count`` whole months ending with the month of ``span.end``."""
    year, month = span.end.year, span.end.month - (count - 1)
    while month < 1:
        year, month = year - 1, month + 12
    last = Span.month(span.end.year, span.end.month)
    return Span(dt.date(year, month, 1), last.end)


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which cases: a region subtree (path), a board / item / channel, a lead department or a
    lead person. Empty fields do not restrict."""

    region: str = ""
    board: str = ""
    item: str = ""
    channel: str = ""
    department: int | None = None
    lead_user: int | None = None

    @property
    def uses_rollups(self) -> bool:
        return not self.department and not self.lead_user and len(self.region) <= REGION_WIDTH

    def case_filter(self, span: Span) -> CaseFilter:
        """The case-list filter of this scope's cohort in ``span``."""
        return CaseFilter(
            region=self.region,
            board=self.board,
            item=self.item,
            channel=(self.channel,) if self.channel else (),
            department=self.department,
            lead_user=self.lead_user,
            created_from=span.start,
            created_to=span.end,
        )


def _measure_changes() -> dict[str, dict[str, Any]]:
    changes = {}
    for measure, extra in MEASURE_FILTERS.items():
        changes[measure] = {
            f.name: getattr(extra, f.name)
            for f in dataclasses.fields(extra)
            if getattr(extra, f.name) != f.default and f.name != "extra"
        }
    changes["handle_seconds"] = changes["closed"]
    return changes


MEASURE_CHANGES = _measure_changes()


def with_measure(base: CaseFilter, measure: str) -> CaseFilter:
    """``base`` narrowed to the cases counted by ``measure``."""
    return dataclasses.replace(base, **MEASURE_CHANGES[measure])


# ---------------------------------------------------------------------------------------------
# Sums of the measures
# ---------------------------------------------------------------------------------------------

Sums = dict[str, int]


def _rollups(scope: Scope, span: Span) -> QuerySet[CaseRollup]:
    rows = CaseRollup.objects.filter(day__gte=span.start, day__lte=span.end)
    if scope.region:
        rows = rows.filter(subtree_q(scope.region, "region_path"))
    if scope.board:
        rows = rows.filter(board__code=scope.board)
    if scope.item:
        rows = rows.filter(item__code=scope.item)
    if scope.channel:
        rows = rows.filter(channel=scope.channel)
    return rows


def _case_conditions() -> dict[str, Q]:
    """Each measure as a condition on case rows (for counting without the rollups)."""
    conditions: dict[str, Q] = {}
    flags = CaseFilter._flag_conditions()
    for name, filters in MEASURE_FILTERS.items():
        q = Q()
        for flag, condition in flags.items():
            value = getattr(filters, flag)
            if value is not None:
                q &= condition if value else ~condition
        if filters.handled_on_time is not None:
            q &= Q(handled_on_time=filters.handled_on_time)
        if filters.self_handled is not None:
            q &= Q(self_handled=filters.self_handled)
        if filters.solved_level:
            q &= Q(solved_level=filters.solved_level)
        conditions[name] = q
    return conditions


def case_condition(measure: str) -> Q:
    """The condition on case rows of one measure (e.g. "accepted", "satisfied"): the one
    definition, for counting cases grouped by something the rollups do not keep."""
    return _case_conditions()[measure]


def _case_aggregates() -> dict[str, Any]:
    aggregates: dict[str, Any] = {
        name: Count("pk", filter=q) if q else Count("pk") for name, q in _case_conditions().items()
    }
    return aggregates


def _cases(scope: Scope, span: Span) -> QuerySet[Case]:
    return scope.case_filter(span).apply(Case.objects.all())


def _seconds(closed_at: Any, accepted_at: Any) -> int:
    """Whole seconds from acceptance to closure (as ``measures.contribution`` counts them)."""
    return max(0, int((closed_at - accepted_at).total_seconds()))


def _handle_seconds(cases: QuerySet[Case]) -> int:
    closed = cases.filter(closed_at__isnull=False, accepted_at__isnull=False)
    return sum(
        _seconds(closed_at, accepted_at)
        for closed_at, accepted_at in closed.values_list("closed_at", "accepted_at").iterator()
    )


def _clean(values: Mapping[str, Any]) -> Sums:
    return {name: int(values.get(name) or 0) for name in MEASURES}


def sums(scope: Scope, span: Span, *, source: str = "auto") -> Sums:
    """Every measure summed over the scope's cohort in ``span``, from the rollups when the
    scope allows ("auto"), or explicitly from "rollups" or from the "cases" rows."""
    if source == "rollups" or (source == "auto" and scope.uses_rollups):
        totals = _rollups(scope, span).aggregate(**{m: Sum(m) for m in MEASURES})
        return _clean(totals)
    cases = _cases(scope, span)
    totals = cases.aggregate(**_case_aggregates())
    totals["handle_seconds"] = _handle_seconds(cases)
    return _clean(totals)


GROUPS = ("child", "board", "item", "channel", "day", "month", "department", "lead_user")


def grouped_sums(scope: Scope, span: Span, by: str, *, child_width: int = 0) -> dict[Any, Sums]:
    """The measures per group: "child" (region path cut to ``child_width``), "board" (code),
    "item" (code), "channel", "day", "month" ("YYYY-MM"), "department" or "lead_user" (ids;
    these two read the case rows)."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    if by in ("department", "lead_user"):
        return _grouped_cases(scope, span, by)
    if not scope.uses_rollups:
        return _grouped_cases(scope, span, by, child_width=child_width)
    rows = _rollups(scope, span)
    key: Any = {
        "board": F("board__code"),
        "item": F("item__code"),
        "channel": F("channel"),
        "day": F("day"),
    }.get(by)
    if by == "child":
        key = Substr("region_path", 1, child_width)
    result: dict[Any, Sums] = {}
    if by == "month":
        for day, values in _by(rows, F("day")).items():
            bucket = result.setdefault(f"{day:%Y-%m}", dict.fromkeys(MEASURES, 0))
            for name, value in values.items():
                bucket[name] += value
        return result
    return _by(rows, key)


def _by(rows: QuerySet[CaseRollup], key: Any) -> dict[Any, Sums]:
    table = rows.annotate(group=key).values("group").annotate(**{m: Sum(m) for m in MEASURES})
    return {row["group"]: _clean(row) for row in table}


def _grouped_cases(scope: Scope, span: Span, by: str, *, child_width: int = 0) -> dict[Any, Sums]:
    cases = _cases(scope, span)
    keys = {
        "board": F("board__code"),
        "item": F("item__code"),
        "channel": F("channel"),
        "department": F("lead_department_id"),
        "lead_user": F("lead_user_id"),
    }
    if by == "child":
        key: Any = Substr("region_path", 1, child_width)
    elif by in ("day", "month"):
        from django.db.models.functions import TruncDate

        key = TruncDate("created_at")
    else:
        key = keys[by]
    table = cases.annotate(group=key).values("group").annotate(**_case_aggregates())
    result: dict[Any, Sums] = {}
    for row in table:
        group = row["group"]
        if group is None and by in ("department", "lead_user"):
            continue
        if by == "month":
            group = f"{group:%Y-%m}"
        bucket = result.setdefault(group, dict.fromkeys(MEASURES, 0))
        for name, value in _clean(row).items():
            bucket[name] += value
    seconds = cases.filter(closed_at__isnull=False, accepted_at__isnull=False).annotate(group=key)
    for group, closed_at, accepted_at in seconds.values_list(
        "group", "closed_at", "accepted_at"
    ).iterator():
        if by == "month":
            group = f"{group:%Y-%m}"
        if group in result:
            result[group]["handle_seconds"] += _seconds(closed_at, accepted_at)
    return result


# ---------------------------------------------------------------------------------------------
# Values with their links
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    figure: FigureDef
    numerator: int
    denominator: int | None
    value: Decimal | None
    base: CaseFilter | None = None  # the scope's cohort: the links narrow it by measure
    previous: Value | None = None

    @property
    def numerator_url(self) -> str:
        """The case list of the numerator (made when asked: a long ranking shows few rows)."""
        if self.base is None:
            return ""
        return link(with_measure(self.base, self.figure.numerator))

    @property
    def denominator_url(self) -> str:
        if self.base is None or not self.figure.denominator:
            return ""
        return link(with_measure(self.base, self.figure.denominator))

    @property
    def text(self) -> str:
        return display(self.value, self.figure.kind)

    @property
    def change(self) -> Decimal | None:
        """Change from the previous period (percentage points for rates)."""
        if self.previous is None or self.value is None or self.previous.value is None:
            return None
        return self.value - self.previous.value

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return DASH
        unit = {"rate": "个百分点", "hours": "小时", "km": "公里", "count": ""}[self.figure.kind]
        number = f"{int(change):+,}" if self.figure.kind == "count" else f"{change:+}"
        return f"{number}{unit}"

    @property
    def trend(self) -> str:
        """ "good", "bad" or "" (no change, no direction, or nothing to compare)."""
        change = self.change
        if not change or not self.figure.better:
            return ""
        up = change > 0
        return "good" if up == (self.figure.better == "up") else "bad"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.figure.key,
            "name": str(self.figure.name),
            "kind": self.figure.kind,
            "value": None if self.value is None else str(self.value),
            "text": self.text,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "numerator_url": self.numerator_url,
            "denominator_url": self.denominator_url,
            "previous": None if self.previous is None else self.previous.text,
            "change": self.change_text,
        }


def values_from(
    totals: Mapping[str, int],
    *,
    base: CaseFilter | None = None,
    figures: Sequence[FigureDef] = FIGURES,
    previous: Mapping[str, int] | None = None,
    previous_base: CaseFilter | None = None,
) -> list[Value]:
    """The figures from summed measures; with ``base`` each number links to its case list."""
    result = []
    for figure in figures:
        numerator = totals.get(figure.numerator, 0)
        denominator = totals.get(figure.denominator, 0) if figure.denominator else None
        before = None
        if previous is not None:
            before = values_from(previous, base=previous_base, figures=[figure])[0]
        result.append(
            Value(
                figure=figure,
                numerator=numerator,
                denominator=denominator,
                value=ratio(numerator, denominator, figure.kind),
                base=base,
                previous=before,
            )
        )
    return result


def compute(
    scope: Scope, span: Span, *, figures: Sequence[FigureDef] = FIGURES, compare: bool = True
) -> list[Value]:
    """The figures of a scope in a period, linked, with the previous period beside them."""
    previous_span = span.previous()
    return values_from(
        sums(scope, span),
        base=scope.case_filter(span),
        figures=figures,
        previous=sums(scope, previous_span) if compare else None,
        previous_base=scope.case_filter(previous_span),
    )


@dataclass
class Row:
    """One line of a breakdown table: a group and its figures."""

    key: Any
    label: str
    values: list[Value] = field(default_factory=list)
    totals: Sums = field(default_factory=dict)

    def get(self, key: str) -> Value:
        return next(v for v in self.values if v.figure.key == key)


def rows_from(
    groups: Mapping[Any, Sums],
    labels: Mapping[Any, str],
    bases: Mapping[Any, CaseFilter],
    figures: Sequence[FigureDef] = FIGURES,
    *,
    keep_empty: Iterable[Any] = (),
) -> list[Row]:
    keys = list(dict.fromkeys([*keep_empty, *groups]))
    empty = dict.fromkeys(MEASURES, 0)
    return [
        Row(
            key=key,
            label=labels.get(key, str(key)),
            values=values_from(groups.get(key, empty), base=bases.get(key), figures=figures),
            totals=dict(groups.get(key, empty)),
        )
        for key in keys
    ]


def breakdown(region: Any, scope: Scope, span: Span, by: str) -> list[Row]:
    """A breakdown table under ``region``: by "child" (every active child region, listed even
    without cases; grids, below the rollups, from the case rows), "board", "channel",
    "item", "month" or "day"; each row linked to its own case lists."""
    from gridgov.cases.choices import Channel
    from gridgov.cases.models import Board, Item
    from gridgov.regions.models import Region

    if by == "child":
        children = list(Region.objects.filter(parent=region, is_active=True).order_by("path"))
        if not children:
            return []
        width = len(children[0].path)
        if width > REGION_WIDTH:  # grids: below the rollups, one grouped count of the rows
            groups = _grouped_cases(scope, span, "child", child_width=width)
        else:
            groups = grouped_sums(scope, span, "child", child_width=width)
        names = {c.path: c.name for c in children}
        filters = {
            c.path: dataclasses.replace(scope, region=c.path).case_filter(span) for c in children
        }
        return rows_from(groups, names, filters, keep_empty=[c.path for c in children])
    groups = grouped_sums(scope, span, by)
    labels: dict[Any, str] = {}
    bases: dict[Any, CaseFilter] = {}
    if by in ("board", "item", "channel"):
        if by == "board":
            labels = dict(Board.objects.values_list("code", "name"))
        elif by == "item":
            labels = dict(Item.objects.filter(code__in=list(groups)).values_list("code", "name"))
        else:
            labels = {c.value: str(c.label) for c in Channel}
        bases = {k: _narrowed(scope, by, str(k)).case_filter(span) for k in groups}
        ordered = dict(sorted(groups.items(), key=lambda kv: -kv[1]["received"]))
    else:
        ordered = dict(sorted(groups.items(), key=lambda kv: str(kv[0])))
        for key in ordered:
            day_span = Span.parse(str(key))  # "YYYY-MM" or an ISO date
            bases[key] = scope.case_filter(day_span)
            labels[key] = day_span.label if by == "month" else str(key)
    return rows_from(ordered, labels, bases)


def _narrowed(scope: Scope, by: str, value: str) -> Scope:
    if by == "board":
        return dataclasses.replace(scope, board=value)
    if by == "item":
        return dataclasses.replace(scope, item=value)
    return dataclasses.replace(scope, channel=value)
