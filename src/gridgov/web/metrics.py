"""The assessment pages (考核): the figures of a region (or of a department) for a period, each
number linked to the case list it counts; breakdowns by child region, board (or item) and
channel; a 12-month trend; the rankings; the 以案定补 statement and the monthly report.

Thin views over ``gridgov.metrics``: ``figures.compute`` and ``figures.breakdown`` for the
numbers, ``rankings.rank`` for the rankings, ``metrics.access`` for who may see what. A region's
figures need a post whose own region covers it (404 otherwise, as outside the jurisdiction);
department staff, who see only the cases assigned to them, get their department's figures at
``department/<id>/`` instead.

Periods (``?period=``): a month "2026-10" (the default: this month), a year "2026", a day or a
range "2026-01-01..2026-06-30"; the picker also sends ``month`` (an ``<input type=month>``) or
``start`` and ``end``. A malformed period shows this month with a notice, never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from gridgov.accounts.models import Department
from gridgov.cases.choices import Channel, Difficulty
from gridgov.cases.models import Board, Item
from gridgov.core import audit
from gridgov.core.jurisdiction import scope_for
from gridgov.metrics import access, rankings
from gridgov.metrics.figures import (
    BY_KEY,
    Row,
    Scope,
    Span,
    Value,
    breakdown,
    compute,
    grouped_sums,
    months_ending,
    parse_period,
    values_from,
)
from gridgov.metrics.measures import MEASURES
from gridgov.regions import selectors as regions
from gridgov.regions.models import Region
from gridgov.web.screen import child_title

TREND_MONTHS = 12
RANK_PAGE = 50
# the columns of the breakdown tables
BRIEF = (
    "received",
    "accept_rate",
    "close_rate",
    "on_time_rate",
    "satisfaction_rate",
    "rework_rate",
    "overdue",
    "average_hours",
)
# the ranking kinds offered at each level (a kind must lie strictly below the region)
KINDS_AT: dict[str, tuple[str, ...]] = {
    "prefecture": ("township", "village", "department", "grid", "grid_worker"),
    "county": ("township", "village", "department", "grid", "grid_worker"),
    "township": ("village", "department", "grid", "grid_worker"),
    "village": ("department", "grid", "grid_worker"),
    "grid": ("grid_worker",),
}
KIND_LABELS = {
    "township": gettext_lazy("乡镇（街道）"),
    "village": gettext_lazy("村（社区）"),
    "department": gettext_lazy("部门"),
    "grid": gettext_lazy("网格"),
    "grid_worker": gettext_lazy("网格员"),
}
PAGED_KINDS = ("grid", "grid_worker")  # long rankings: paginated and searchable
REPORT_FORMATS = ("xlsx", "pdf")
SUBSIDY_FORMATS = ("xlsx", "csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------------------------
# Period and filters from the query
# ---------------------------------------------------------------------------------------------


def this_month() -> Span:
    today = timezone.localdate()
    return Span.month(today.year, today.month)


def span_from(query: Any) -> tuple[Span, str]:
    """The period asked for, and what was wrong with it when it could not be read (then this
    month; a page says so and shows it, a download refuses)."""
    month = (query.get("month") or "").strip()
    start = (query.get("start") or "").strip()
    end = (query.get("end") or "").strip()
    raw = (query.get("period") or "").strip()
    if month:
        text = month
    elif start or end:
        text = f"{start or end}..{end or start}"
    else:
        text = raw
    if not text:
        return this_month(), ""
    try:
        return parse_period(text), ""
    except (ValueError, OverflowError):
        problem = _(
            "期间“%(text)s”无法识别（应为 2026-10、2026 或 2026-01-01..2026-06-30，最长三年）。"
        ) % {"text": text[:40]}
        return this_month(), problem


def _next(span: Span) -> Span:
    if span.unit == "month":
        after = span.end + dt.timedelta(days=1)
        return Span.month(after.year, after.month)
    if span.unit == "year":
        return Span.year(span.start.year + 1)
    length = (span.end - span.start).days + 1
    first = span.end + dt.timedelta(days=1)
    return Span(first, first + dt.timedelta(days=length - 1), span.unit)


def filters_from(query: Any) -> tuple[dict[str, str], list[str]]:
    """The board / item / channel filters (unknown codes are dropped, with a notice)."""
    chosen = {name: (query.get(name) or "").strip()[:32] for name in ("board", "item", "channel")}
    notices: list[str] = []
    if chosen["board"] and not Board.objects.filter(code=chosen["board"]).exists():
        notices.append(_("板块“%(code)s”不存在，已忽略。") % {"code": chosen["board"]})
        chosen["board"] = ""
    if chosen["item"] and not Item.objects.filter(code=chosen["item"]).exists():
        notices.append(_("事项“%(code)s”不存在，已忽略。") % {"code": chosen["item"]})
        chosen["item"] = ""
    leftover = chosen["board"] and chosen["item"]  # an item of another board (board changed)
    if leftover and not _item_in_board(chosen):
        chosen["item"] = ""
    if chosen["channel"] and chosen["channel"] not in Channel.values:
        notices.append(_("渠道“%(code)s”不存在，已忽略。") % {"code": chosen["channel"]})
        chosen["channel"] = ""
    return chosen, notices


def _item_in_board(chosen: dict[str, str]) -> bool:
    return Item.objects.filter(code=chosen["item"], board__code=chosen["board"]).exists()


def query_string(span: Span | None, filters: dict[str, str] | None = None, **extra: Any) -> str:
    pairs = [("period", span.key)] if span is not None else []
    pairs += [(k, v) for k, v in (filters or {}).items() if v]
    pairs += [(k, str(v)) for k, v in extra.items() if v not in (None, "")]
    return urlencode(pairs)


@dataclass
class PeriodNav:
    """The period picker: the span, its neighbours and the shortcuts."""

    span: Span
    previous: str
    next: str | None
    previous_label: str
    next_label: str
    this_month: str
    this_year: str
    last_year: str
    month_value: str
    start_value: str
    end_value: str


def period_nav(span: Span, filters: dict[str, str], **extra: Any) -> PeriodNav:
    today = timezone.localdate()
    after = _next(span)
    labels = {
        "month": (_("上月"), _("下月")),
        "year": (_("上一年"), _("下一年")),
        "day": (_("前一天"), _("后一天")),
    }
    previous_label, next_label = labels.get(span.unit, (_("上一期"), _("下一期")))
    return PeriodNav(
        span=span,
        previous=query_string(span.previous(), filters, **extra),
        next=query_string(after, filters, **extra) if after.start <= today else None,
        previous_label=previous_label,
        next_label=next_label,
        this_month=query_string(this_month(), filters, **extra),
        this_year=query_string(Span.year(today.year), filters, **extra),
        last_year=query_string(Span.year(today.year - 1), filters, **extra),
        month_value=span.key if span.unit == "month" else "",
        start_value=span.start.isoformat() if span.unit in ("range", "day") else "",
        end_value=span.end.isoformat() if span.unit in ("range", "day") else "",
    )


# ---------------------------------------------------------------------------------------------
# Presentation of values
# ---------------------------------------------------------------------------------------------


def _hours(seconds: int) -> str:
    return f"{Decimal(seconds) / 3600:,.1f}"


@dataclass
class Line:
    """One figure as a table line: the value with its unit, numerator and denominator."""

    value: Value

    @property
    def key(self) -> str:
        return self.value.figure.key

    @property
    def unit(self) -> str:
        return _("小时") if self.value.figure.kind == "hours" and self.value.value else ""

    @property
    def numerator_text(self) -> str:
        if self.value.figure.kind == "hours":
            return _("%(h)s 小时") % {"h": _hours(self.value.numerator)}
        return f"{self.value.numerator:,}"

    @property
    def denominator_text(self) -> str:
        return "" if self.value.denominator is None else f"{self.value.denominator:,}"

    @property
    def previous_text(self) -> str:
        before = self.value.previous
        if before is None:
            return ""
        unit = _("小时") if before.figure.kind == "hours" and before.value else ""
        return f"{before.text} {unit}".strip()

    @property
    def ratio_title(self) -> str:
        """The numerator and denominator as a tooltip for a bare rate."""
        if self.value.denominator is None:
            return ""
        return f"{self.numerator_text} / {self.denominator_text}"


@dataclass
class TableRow:
    key: Any
    label: str
    url: str
    cells: list[Line]
    received: int


def _table(rows: list[Row], url_of: Any) -> list[TableRow]:
    return [
        TableRow(
            key=row.key,
            label=row.label,
            url=url_of(row.key),
            cells=[Line(row.get(key)) for key in BRIEF],
            received=row.totals.get("received", 0),
        )
        for row in rows
    ]


def _month_spans(span: Span) -> list[Span]:
    """The twelve months ending with the period's last month (not later than this month)."""
    last = min(span.end, timezone.localdate())
    return months_ending(Span.day(last), TREND_MONTHS).months()


def trend(scope: Scope, span: Span) -> dict[str, Any]:
    """Received, closed and 办结率 per month, each with the link to its cases."""
    months = _month_spans(span)
    window = Span(months[0].start, months[-1].end)
    groups = grouped_sums(scope, window, "month")
    empty = dict.fromkeys(MEASURES, 0)
    wanted = [BY_KEY["received"], BY_KEY["close_rate"]]
    points = []
    for month in months:
        received, close_rate = values_from(
            groups.get(month.key, empty), base=scope.case_filter(month), figures=wanted
        )
        points.append(
            {
                "key": month.key,
                "label": f"{month.start.year % 100:02d}/{month.start.month}",
                "title": month.label,
                "received": received.numerator,
                "closed": close_rate.numerator,
                "rate": None if close_rate.value is None else float(close_rate.value),
                "receivedUrl": received.numerator_url,
                "closedUrl": close_rate.numerator_url,
            }
        )
    return {
        "points": points,
        "labels": {
            "received": _("上报数"),
            "closed": _("其中已办结"),
            "rate": _("办结率"),
            "cases": _("件"),
        },
    }


# ---------------------------------------------------------------------------------------------
# Index
# ---------------------------------------------------------------------------------------------


def _own_departments(user: Any) -> list[Department]:
    own = scope_for(user).view_departments
    return [d for d in access.figure_departments(user) if d.pk in own]


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The user's own figures: their one region (or department), or a choice of them."""
    roots = access.figure_roots(request.user)
    departments = _own_departments(request.user)
    if len(roots) == 1:
        return redirect("metrics-region", path=roots[0].path)
    if not roots and len(departments) == 1:
        return redirect("metrics-department", department_id=departments[0].pk)
    if not roots and not departments:
        raise Http404(_("您没有可查看考核指标的辖区或部门"))
    return render(request, "web/metrics/roots.html", {"roots": roots, "departments": departments})


# ---------------------------------------------------------------------------------------------
# The figures pages
# ---------------------------------------------------------------------------------------------


def _base_context(request: HttpRequest) -> tuple[Span, dict[str, str], list[str]]:
    span, problem = span_from(request.GET)
    filters, notices = filters_from(request.GET)
    if problem:
        notices.insert(0, problem + _("已改为显示本月。"))
    return span, filters, notices


def _scope(filters: dict[str, str], *, region: str = "", department: int | None = None) -> Scope:
    return Scope(
        region=region,
        department=department,
        board=filters["board"],
        item=filters["item"],
        channel=filters["channel"],
    )


def _filter_choices(filters: dict[str, str]) -> dict[str, Any]:
    boards = list(Board.objects.order_by("sort_order", "code").values_list("code", "name"))
    items: list[tuple[str, str]] = []
    if filters["board"]:
        items = list(
            Item.objects.filter(board__code=filters["board"])
            .order_by("code")
            .values_list("code", "name")
        )
    elif filters["item"]:
        items = list(Item.objects.filter(code=filters["item"]).values_list("code", "name"))
    return {"boards": boards, "items": items, "channels": Channel.choices}


def _figures_context(
    request: HttpRequest, scope: Scope, span: Span, filters: dict[str, str]
) -> dict[str, Any]:
    values = compute(scope, span)
    return {
        "span": span,
        "previous_span": span.previous(),
        "filters": filters,
        "qs": query_string(span, filters),
        "nav": period_nav(span, filters),
        "lines": [Line(v) for v in values],
        "trend": trend(scope, span),
        "brief": [BY_KEY[key] for key in BRIEF],
        **_filter_choices(filters),
    }


def _filter_url(name: str, base: str, span: Span, filters: dict[str, str]) -> Any:
    def url_of(key: Any) -> str:
        chosen = {**filters, name: str(key)}
        if name == "board":
            chosen["item"] = ""
        return f"{base}?{query_string(span, chosen)}"

    return url_of


@login_required
@require_GET
def region_figures(request: HttpRequest, path: str) -> HttpResponse:
    region = access.figure_region(request.user, path)
    span, filters, notices = _base_context(request)
    scope = _scope(filters, region=region.path)
    context = _figures_context(request, scope, span, filters)
    here = reverse("metrics-region", args=[region.path])
    children: list[TableRow] = []
    if region.level not in ("grid", "building"):
        children = _table(
            breakdown(region, scope, span, "child"),
            lambda key: f"{reverse('metrics-region', args=[key])}?{query_string(span, filters)}",
        )
    by = "item" if filters["board"] else "board"
    context.update(
        region=region,
        title=region.name,
        crumbs=_crumbs(request.user, region),
        notices=notices,
        here=here,
        children=children,
        children_title=child_title(region),
        by=by,
        by_board=_table(breakdown(region, scope, span, by), _filter_url(by, here, span, filters)),
        by_channel=_table(
            breakdown(region, scope, span, "channel"),
            _filter_url("channel", here, span, filters),
        ),
        kinds=KINDS_AT.get(region.level, ()),
        report_formats=REPORT_FORMATS if span.unit == "month" else (),
    )
    return render(request, "web/metrics/figures.html", context)


def _crumbs(user: Any, region: Region) -> list[Region]:
    scope = scope_for(user)
    return [c for c in regions.breadcrumbs(user, region) if scope.covers_path(c.path)]


@login_required
@require_GET
def department_figures(request: HttpRequest, department_id: int) -> HttpResponse:
    """The figures of the cases a department led (wherever they lie)."""
    department = access.figure_department(request.user, department_id)
    span, filters, notices = _base_context(request)
    scope = _scope(filters, department=department.pk)
    context = _figures_context(request, scope, span, filters)
    here = reverse("metrics-department", args=[department.pk])
    by = "item" if filters["board"] else "board"
    context.update(
        department=department,
        title=department.name,
        notices=notices,
        here=here,
        by=by,
        by_board=_table(_grouped(scope, span, by), _filter_url(by, here, span, filters)),
        by_channel=_table(
            _grouped(scope, span, "channel"), _filter_url("channel", here, span, filters)
        ),
    )
    return render(request, "web/metrics/figures.html", context)


def _grouped(scope: Scope, span: Span, by: str) -> list[Row]:
    """A breakdown of a scope without a region (``breakdown`` wants one for its children)."""
    return breakdown(None, scope, span, by)


# ---------------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------------


@dataclass
class RankLine:
    row: rankings.RankRow
    url: str
    cells: list[Line]


@login_required
@require_GET
def region_rankings(request: HttpRequest, path: str) -> HttpResponse:
    region = access.figure_region(request.user, path)
    span, problem = span_from(request.GET)
    notices = [problem + _("已改为显示本月。")] if problem else []
    kinds = KINDS_AT.get(region.level, ())
    if not kinds:
        raise Http404(_("该层级没有排名"))
    kind = request.GET.get("kind") or kinds[0]
    if kind not in kinds:
        notices.append(_("没有这种排名，已显示%(kind)s排名。") % {"kind": KIND_LABELS[kinds[0]]})
        kind = kinds[0]
    search = (request.GET.get("q") or "").strip()[:30]
    ranking = rankings.rank(kind, region, span)
    rows = ranking.rows
    if search:
        rows = [r for r in rows if search in r.label or search in r.note]
    page = None
    if kind in PAGED_KINDS:
        page = Paginator(rows, RANK_PAGE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    departments = (
        {d.pk for d in access.figure_departments(request.user)} if kind == "department" else set()
    )
    qs = query_string(span)
    lines = [
        RankLine(
            row=row,
            url=_rank_url(kind, row, qs, departments),
            cells=[Line(v) for v in row.values],
        )
        for row in rows
    ]
    figures = {f.key: f for f in ranking.figures}  # every weighted figure is shown
    weights = [
        {
            "name": figures[key].name,
            "weight": weight.normalize(),
            "down": figures[key].better == "down",
        }
        for key, weight in ranking.weights.items()
    ]
    return render(
        request,
        "web/metrics/rankings.html",
        {
            "region": region,
            "crumbs": _crumbs(request.user, region),
            "span": span,
            "nav": period_nav(span, {}, kind=kind),
            "hidden": [("kind", kind)],
            "kind": kind,
            "tabs": [(k, KIND_LABELS[k]) for k in kinds],
            "ranking": ranking,
            "lines": lines,
            "page": page,
            "search": search,
            "total": len(ranking.rows),
            "shown": len(rows) if page is None else page.paginator.count,
            "weights": weights,
            "notices": notices,
            "qs": qs,
            "page_base": query_string(span, kind=kind, q=search),
        },
    )


def _rank_url(kind: str, row: rankings.RankRow, qs: str, departments: set[int]) -> str:
    if kind in ("township", "village", "grid"):
        return f"{reverse('metrics-region', args=[row.key])}?{qs}"
    if kind == "department" and row.key in departments:
        return f"{reverse('metrics-department', args=[row.key])}?{qs}"
    return ""


# ---------------------------------------------------------------------------------------------
# Downloads: the 以案定补 statement and the monthly report
# ---------------------------------------------------------------------------------------------


def _download(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/metrics/bad_request.html", {"message": message}, status=400)


def _format_of(request: HttpRequest, allowed: tuple[str, ...]) -> str | None:
    """The requested download format: "" for the page itself, None when not offered."""
    fmt = (request.GET.get("format") or "").strip().lower()
    return fmt if fmt == "" or fmt in allowed else None


@login_required
@require_GET
def region_subsidy(request: HttpRequest, path: str) -> HttpResponse:
    """The 以案定补 statement of a region for a period; ``format=xlsx`` or ``csv`` downloads it
    (each download is written to the audit trail)."""
    from gridgov.metrics import subsidy

    region = access.figure_region(request.user, path)
    fmt = _format_of(request, SUBSIDY_FORMATS)
    if fmt is None:
        return _bad_request(request, _("不支持的导出格式，请选择 Excel（xlsx）或 CSV（csv）。"))
    span, problem = span_from(request.GET)
    if fmt and problem:
        return _bad_request(request, problem)
    result = subsidy.statement(region, span)
    if fmt:
        audit.record(
            actor=request.user,
            action="export_subsidy",
            obj=region,
            changes={
                "period": span.key,
                "format": fmt,
                "people": len(result.lines),
                "amount": str(result.total),
            },
        )
        filename = f"以案定补-{region.name}-{span.key}.{fmt}"
        if fmt == "csv":
            body = ("\ufeff" + subsidy.statement_csv(result)).encode("utf-8")
            return _download(body, "text/csv; charset=utf-8", filename)
        return _download(subsidy.statement_xlsx(result), XLSX, filename)
    columns = [
        {"key": d, "label": str(Difficulty(d).label), "amount": subsidy.yuan(result.amounts[d])}
        for d in subsidy.DIFFICULTIES
    ]
    lines = [
        {"line": line, "cells": [line.cells[d] for d in subsidy.DIFFICULTIES]}
        for line in result.lines
    ]
    return render(
        request,
        "web/metrics/subsidy.html",
        {
            "region": region,
            "crumbs": _crumbs(request.user, region),
            "span": span,
            "nav": period_nav(span, {}),
            "statement": result,
            "columns": columns,
            "lines": lines,
            "totals": [result.totals.cells[d] for d in subsidy.DIFFICULTIES],
            "width": 2 * len(columns) + 7,
            "range_hint": _("按办结日期统计，含起止两天，最长三年"),
            "notices": [problem + _("已改为显示本月。")] if problem else [],
            "qs": query_string(span),
        },
    )


@login_required
@require_GET
def region_report(request: HttpRequest, path: str) -> HttpResponse:
    """The monthly report (月度考核报告) of a region as Excel or PDF."""
    from gridgov.metrics import report

    region = access.figure_region(request.user, path)
    fmt = (request.GET.get("format") or "").strip().lower()
    if fmt not in report.CONTENT_TYPES:
        return _bad_request(request, _("不支持的报告格式，请选择 Excel（xlsx）或 PDF（pdf）。"))
    span, problem = span_from(request.GET)
    if problem:
        return _bad_request(request, problem)
    if span.unit != "month":
        return _bad_request(request, _("月度报告只能按月导出，请选择一个月份（如 2026-10）。"))
    body = report.render_monthly(region, span, fmt)
    audit.record(
        actor=request.user,
        action="export_report",
        obj=region,
        changes={"period": span.key, "format": fmt, "bytes": len(body)},
    )
    return _download(body, report.CONTENT_TYPES[fmt], report.filename_for(region, span, fmt))
