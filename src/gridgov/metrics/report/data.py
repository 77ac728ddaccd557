"""Everything the monthly report (月度考核报告) shows, computed once from the figures engine.

The numbers follow the figures' period rule: the cohort of cases *received* in the month, as
they stand now. The renderers (``xlsx``, ``pdf``) only lay this out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gridgov.cases.choices import Channel
from gridgov.cases.models import Board, Case, CaseReporter, Item
from gridgov.core.privacy import mask_phone
from gridgov.metrics.figures import (
    BY_KEY,
    FigureDef,
    Scope,
    Span,
    Sums,
    Value,
    compute,
    display,
    grouped_sums,
    months_ending,
    ratio,
    values_from,
)
from gridgov.metrics.measures import MEASURES
from gridgov.metrics.rankings import Ranking, RankRow, rank
from gridgov.regions.models import Region

GRID_WIDTH = 15  # path width of a grid
TOP = 10
WORKERS_TOP = 20
WORKERS_BOTTOM = 10
REPEAT_AT_LEAST = 3
# the figures a breakdown line (board, channel) shows beside its count
BREAKDOWN_FIGURES: tuple[FigureDef, ...] = tuple(
    BY_KEY[k] for k in ("close_rate", "on_time_rate", "satisfaction_rate", "overdue")
)
SOLVED_LEVELS: tuple[tuple[str, str], ...] = (
    ("solved_village", "村（社区）级"),
    ("solved_township", "乡镇（街道）级"),
    ("solved_county", "县级"),
)


@dataclass(frozen=True)
class Share:
    """One line of a breakdown: a group, its case count and share, and a few figures."""

    key: str
    label: str
    count: int
    share: Decimal | None  # percent of the total
    values: list[Value] = field(default_factory=list)

    @property
    def share_text(self) -> str:
        return display(self.share, "rate")


@dataclass(frozen=True)
class Counted:
    """A hot item or grid: cases this month and last month."""

    key: str
    label: str
    count: int
    previous: int = 0
    note: str = ""  # e.g. the township of a grid, the board of an item

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class RepeatReporter:
    phone: str  # masked: 138****1234
    count: int
    items: list[str]


@dataclass(frozen=True)
class TrendPoint:
    key: str  # "2026-10"
    received: int
    accepted: int
    closed: int
    close_rate: Decimal | None
    on_time_rate: Decimal | None

    @property
    def label(self) -> str:
        year, month = self.key.split("-")
        return f"{year}年{int(month)}月"

    @property
    def short_label(self) -> str:
        year, month = self.key.split("-")
        return f"{year[2:]}年1月" if month == "01" else f"{int(month)}月"


@dataclass
class MonthlyReport:
    region: Region
    span: Span
    generated_at: dt.datetime
    figures: list[Value]
    totals: Sums
    child_ranking: Ranking | None  # townships of a county, villages of a township
    department_ranking: Ranking
    workers_scored: int
    workers_top: list[RankRow]
    workers_bottom: list[RankRow]
    trend: list[TrendPoint]
    boards: list[Share]
    channels: list[Share]
    solved_levels: list[Share]
    hot_items: list[Counted]
    growing_items: list[Counted]
    hot_grids: list[Counted]
    growing_grids: list[Counted]
    repeat_reporters: list[RepeatReporter]
    overdue_grids: list[Counted]
    overdue_items: list[Counted]
    summary: list[str] = field(default_factory=list)
    workers_ranking: Ranking | None = None  # the grid workers' own figures (ops.assessment)

    @property
    def title(self) -> str:
        return f"{self.region.name}{self.span.label}网格化服务管理考核报告"

    @property
    def previous_span(self) -> Span:
        return self.span.previous()

    @property
    def generated_text(self) -> str:
        return timezone.localtime(self.generated_at).strftime("%Y-%m-%d %H:%M")

    @property
    def unit_name(self) -> str:
        """What the child ranking ranks: 乡镇（街道） or 村（社区）."""
        if self.child_ranking is None:
            return ""
        return "乡镇（街道）" if self.child_ranking.kind == "township" else "村（社区）"

    def figure(self, key: str) -> Value:
        return next(v for v in self.figures if v.figure.key == key)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal | None:
    return ratio(part, whole, "rate")


def _top(rows: Iterable[Counted], key: str, limit: int = TOP) -> list[Counted]:
    if key == "change":
        chosen = [r for r in rows if r.change > 0]
        chosen.sort(key=lambda r: (-r.change, -r.count, r.key))
    else:
        chosen = [r for r in rows if r.count > 0]
        chosen.sort(key=lambda r: (-r.count, -r.change, r.key))
    return chosen[:limit]


def _month_cases(region: Region, span: Span) -> QuerySet[Case]:
    """The cases of ``region`` received in ``span``."""
    return Scope(region=region.path).case_filter(span).apply(Case.objects.all())


def _grid_of(path: str) -> str:
    return path[:GRID_WIDTH]


def _region_labels(paths: Iterable[str]) -> dict[str, str]:
    """ "北城街道 育才社区第1网格" for grid paths (a case placed above the grids keeps its own
    region's name)."""
    wanted = set(paths)
    townships = {p[:9] for p in wanted if len(p) > 9}
    names = dict(Region.objects.filter(path__in=wanted | townships).values_list("path", "name"))
    labels = {}
    for path in wanted:
        name = names.get(path, path)
        township = names.get(path[:9]) if len(path) > 9 else None
        labels[path] = f"{township} {name}" if township else name
    return labels


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


def _trend(scope: Scope, span: Span) -> list[TrendPoint]:
    window = months_ending(span)
    groups = grouped_sums(scope, window, "month")
    points = []
    for key in [m.key for m in window.months()]:
        sums = groups.get(key, {})
        received, accepted = sums.get("received", 0), sums.get("accepted", 0)
        closed = sums.get("closed", 0)
        points.append(
            TrendPoint(
                key=key,
                received=received,
                accepted=accepted,
                closed=closed,
                close_rate=ratio(closed, accepted, "rate"),
                on_time_rate=ratio(sums.get("closed_on_time", 0), closed, "rate"),
            )
        )
    return points


def _shares(
    groups: Mapping[str, Sums], labels: Mapping[str, str], *, keep: Sequence[str] = ()
) -> list[Share]:
    total = sum(g.get("received", 0) for g in groups.values())
    empty = dict.fromkeys(MEASURES, 0)
    keys = list(dict.fromkeys([*keep, *(k for k in labels if k in groups)]))
    keys += sorted(k for k in groups if k not in keys)
    result = []
    for key in keys:
        sums = groups.get(key, empty)
        result.append(
            Share(
                key=key,
                label=labels.get(key, str(key)),
                count=sums.get("received", 0),
                share=_percent(sums.get("received", 0), total),
                values=values_from(sums, figures=BREAKDOWN_FIGURES),
            )
        )
    return result


def _solved(totals: Sums) -> list[Share]:
    closed = totals.get("closed", 0)
    rows = [
        Share(key=k, label=label, count=totals.get(k, 0), share=_percent(totals.get(k, 0), closed))
        for k, label in SOLVED_LEVELS
    ]
    other = closed - sum(r.count for r in rows)
    if other > 0:
        rows.append(Share("other", "其他", other, _percent(other, closed)))
    return rows


def _items(scope: Scope, span: Span) -> tuple[list[Counted], list[Counted]]:
    now = grouped_sums(scope, span, "item")
    before = grouped_sums(scope, span.previous(), "item")
    codes = set(now) | set(before)
    info = {
        code: (name, board)
        for code, name, board in Item.objects.filter(code__in=codes).values_list(
            "code", "name", "board__name"
        )
    }
    rows = [
        Counted(
            key=code,
            label=info.get(code, (code, ""))[0],
            count=now.get(code, {}).get("received", 0),
            previous=before.get(code, {}).get("received", 0),
            note=info.get(code, ("", ""))[1],
        )
        for code in codes
    ]
    return _top(rows, "count"), _top(rows, "change")


@dataclass
class _CaseFacts:
    """One pass over the month's case rows (and last month's counts per grid)."""

    grid_counts: Counter[str] = field(default_factory=Counter)
    grid_previous: Counter[str] = field(default_factory=Counter)
    grid_overdue: Counter[str] = field(default_factory=Counter)
    item_overdue: Counter[int] = field(default_factory=Counter)


def _case_facts(region: Region, span: Span) -> _CaseFacts:
    facts = _CaseFacts()
    current = _month_cases(region, span)
    rows = current.values("region_path", "item_id").annotate(
        n=Count("pk"), overdue=Count("pk", filter=Q(overdue_step__gt=0))
    )
    for row in rows:
        grid = _grid_of(row["region_path"])
        facts.grid_counts[grid] += row["n"]
        if row["overdue"]:
            facts.grid_overdue[grid] += row["overdue"]
            facts.item_overdue[row["item_id"]] += row["overdue"]
    previous = _month_cases(region, span.previous())
    for path, n in (
        previous.values("region_path").annotate(n=Count("pk")).values_list("region_path", "n")
    ):
        facts.grid_previous[_grid_of(path)] += n
    return facts


def _grids(facts: _CaseFacts) -> tuple[list[Counted], list[Counted], list[Counted]]:
    rows = [
        Counted(key=p, label=p, count=facts.grid_counts.get(p, 0), previous=facts.grid_previous[p])
        for p in set(facts.grid_counts) | set(facts.grid_previous)
    ]
    hot, growing = _top(rows, "count"), _top(rows, "change")
    overdue = _top(
        (Counted(key=p, label=p, count=n) for p, n in facts.grid_overdue.items()), "count"
    )
    labels = _region_labels(r.key for r in [*hot, *growing, *overdue])

    def named(chosen: list[Counted]) -> list[Counted]:
        return [Counted(r.key, labels.get(r.key, r.key), r.count, r.previous) for r in chosen]

    return named(hot), named(growing), named(overdue)


def _overdue_items(facts: _CaseFacts) -> list[Counted]:
    info = {
        pk: (name, board)
        for pk, name, board in Item.objects.filter(pk__in=list(facts.item_overdue)).values_list(
            "pk", "name", "board__name"
        )
    }
    return _top(
        (
            Counted(key=str(pk), label=info.get(pk, (str(pk), ""))[0], count=n, note=info[pk][1])
            for pk, n in facts.item_overdue.items()
            if pk in info
        ),
        "count",
    )


def _repeat_reporters(region: Region, span: Span) -> list[RepeatReporter]:
    """Phones (not anonymous) that reported at least three of the month's cases."""
    cases = _month_cases(region, span)
    reporters = (
        CaseReporter.objects.filter(case__in=cases.values("pk"), anonymous=False)
        .exclude(phone_hash="")
        .values("phone_hash")
        .annotate(n=Count("pk"))
        .filter(n__gte=REPEAT_AT_LEAST)
        .order_by("-n", "phone_hash")
    )
    repeated = {row["phone_hash"]: row["n"] for row in reporters[:TOP]}
    if not repeated:
        return []
    items: dict[str, Counter[str]] = defaultdict(Counter)
    masked: dict[str, str] = {}
    for phone_hash, phone_masked, item in CaseReporter.objects.filter(
        case__in=cases.values("pk"), anonymous=False, phone_hash__in=list(repeated)
    ).values_list("phone_hash", "phone_masked", "case__item__name"):
        items[phone_hash][item] += 1
        masked[phone_hash] = phone_masked
    return [
        RepeatReporter(
            phone=masked[phone_hash],
            count=n,
            items=[name for name, _ in items[phone_hash].most_common()],
        )
        for phone_hash, n in repeated.items()
    ]


def _child_ranking(region: Region, span: Span) -> Ranking | None:
    if region.level in ("province", "prefecture", "county"):
        return rank("township", region, span)
    if region.level == "township":
        return rank("village", region, span)
    return None


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


def _change_words(value: Value) -> str:
    """较上月上升0.50个百分点 / 与上月持平 / 上月无可比数据."""
    change = value.change
    if change is None:
        return "上月无可比数据"
    if change == 0:
        return "与上月持平"
    unit = {"rate": "个百分点", "hours": "小时", "count": "件"}[value.figure.kind]
    amount = f"{abs(int(change)):,}" if value.figure.kind == "count" else f"{abs(change)}"
    if value.figure.kind == "count":
        words = "增加" if change > 0 else "减少"
    else:
        words = "上升" if change > 0 else "下降"
    return f"较上月{words}{amount}{unit}"


def _rate_words(value: Value) -> str:
    name = str(value.figure.name)
    if value.value is None:
        return f"{name}无数据"
    return f"{name}{value.text}，{_change_words(value)}"


def _several(names: Sequence[str], unit: str, *, cut: bool = False) -> str:
    """A、B、C / A、B、C等5个 (等多个 when ``names`` was cut short): at most three names."""
    shown = "、".join(names[:3])
    if len(names) <= 3:
        return shown
    return f"{shown}等多{unit}" if cut else f"{shown}等{len(names)}{unit}"


def _received_words(received: Value) -> str:
    before = received.previous.numerator if received.previous else 0
    now = received.numerator
    if not before:
        return "上月无上报案件"
    growth = abs(Decimal(now - before) * 100 / before).quantize(Decimal("0.1"))
    if now > before:
        return f"较上月增加{now - before:,}件，增长{growth}%"
    if now < before:
        return f"较上月减少{before - now:,}件，下降{growth}%"
    return "与上月持平"


def _ranking_words(report: MonthlyReport) -> str:
    ranking = report.child_ranking
    if ranking is None:
        return ""
    scored = [r for r in ranking.rows if r.score is not None]
    if not scored:
        return f"本月各{report.unit_name}综合得分无数据。"
    best = [r.label for r in scored if r.score == scored[0].score]
    text = f"各{report.unit_name}综合得分最高的是{_several(best, '个')}"
    text += (
        f"，得分均为{scored[0].score_text}" if len(best) > 1 else f"，得分{scored[0].score_text}"
    )
    if scored[-1].score != scored[0].score:
        worst = [r.label for r in scored if r.score == scored[-1].score]
        text += f"；最低的是{_several(worst, '个')}"
        text += (
            f"，得分均为{scored[-1].score_text}"
            if len(worst) > 1
            else f"，得分{scored[-1].score_text}"
        )
    return text + "。"


def _hot_words(report: MonthlyReport) -> str:
    hot = []
    if report.hot_items:
        most = report.hot_items[0].count
        names = [f"“{r.label}”" for r in report.hot_items if r.count == most]
        several = _several(names, "项", cut=len(names) == TOP)
        hot.append(f"上报最多的事项是{several}，{'各' if len(names) > 1 else '共'}{most:,}件")
    if report.growing_grids:
        most = report.growing_grids[0].change
        names = [r.label for r in report.growing_grids if r.change == most]
        several = _several(names, "个", cut=len(names) == TOP)
        each = "均" if len(names) > 1 else ""
        hot.append(f"案件增长最多的网格是{several}，{each}较上月增加{most:,}件")
    return "本月" + "；".join(hot) + "。" if hot else ""


def summarize(report: MonthlyReport) -> list[str]:
    """Three to six sentences from the numbers; a figure without a value reads 无数据.
    (No sentence ends in "）。": reportlab would push the 。 alone onto a new line.)"""
    received = report.figure("received")
    where = f"{report.span.label}，{report.region.name}"
    if received.numerator:
        first = f"{where}共上报案件{received.text}件，{_received_words(received)}。"
    else:
        before = received.previous.numerator if received.previous else 0
        first = f"{where}没有上报案件，上月上报{before:,}件。"
    rates = "；".join(
        _rate_words(report.figure(k)) for k in ("close_rate", "on_time_rate", "satisfaction_rate")
    )
    sentences = [first, f"{rates}。", _ranking_words(report), _hot_words(report)]
    overdue = report.figure("overdue")
    text = f"本月上报案件中曾超期{overdue.text}件，{_change_words(overdue)}"
    if report.overdue_grids:
        grid = report.overdue_grids[0]
        text += f"；超期最集中的网格是{grid.label}，共{grid.count:,}件"
    sentences.append(text + "。")
    return [s for s in sentences if s]


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


def build_monthly(region: Region, span: Span, *, now: dt.datetime | None = None) -> MonthlyReport:
    """Compute every section of the monthly report of ``region`` for ``span`` (a month)."""
    scope = Scope(region=region.path)
    figures = compute(scope, span)
    totals = {v.figure.numerator: v.numerator for v in figures}
    for v in figures:
        if v.figure.denominator and v.denominator is not None:
            totals[v.figure.denominator] = v.denominator
    workers = rank("grid_worker", region, span)
    scored = [r for r in workers.rows if r.score is not None]
    top = scored[:WORKERS_TOP]
    bottom = scored[max(len(top), len(scored) - WORKERS_BOTTOM) :]
    boards = dict(Board.objects.filter(is_active=True).values_list("code", "name"))
    board_labels = dict(Board.objects.values_list("code", "name"))
    channel_labels = {str(c.value): str(c.label) for c in Channel}
    facts = _case_facts(region, span)
    hot_items, growing_items = _items(scope, span)
    hot_grids, growing_grids, overdue_grids = _grids(facts)
    report = MonthlyReport(
        region=region,
        span=span,
        generated_at=now or timezone.now(),
        figures=figures,
        totals=totals,
        child_ranking=_child_ranking(region, span),
        department_ranking=rank("department", region, span),
        workers_scored=len(scored),
        workers_top=top,
        workers_bottom=bottom,
        workers_ranking=workers,
        trend=_trend(scope, span),
        boards=_shares(grouped_sums(scope, span, "board"), board_labels, keep=list(boards)),
        channels=_shares(grouped_sums(scope, span, "channel"), channel_labels),
        solved_levels=_solved(totals),
        hot_items=hot_items,
        growing_items=growing_items,
        hot_grids=hot_grids,
        growing_grids=growing_grids,
        repeat_reporters=_repeat_reporters(region, span),
        overdue_grids=overdue_grids,
        overdue_items=_overdue_items(facts),
    )
    report.summary = summarize(report)
    return report


__all__ = [
    "Counted",
    "MonthlyReport",
    "RepeatReporter",
    "Share",
    "TrendPoint",
    "build_monthly",
    "mask_phone",
    "months_ending",
]
