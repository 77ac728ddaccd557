"""API: the assessment figures, their breakdowns and the rankings (read only)."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from gridgov.cases.models import Board, Item
from gridgov.core.apiutil import staff
from gridgov.metrics import access, figures, rankings
from gridgov.metrics.figures import Scope, Span, Value, compute

router = Router(tags=["考核统计"])


class PeriodOut(Schema):
    key: str = Field(..., description="2026-10（月）、2026（年）、2026-11-05（日）或起止日期")
    label: str
    start: str
    end: str


class FigureOut(Schema):
    key: str
    name: str
    kind: str = Field(..., description="count 计数 / rate 百分比 / hours 小时 / km 公里")
    value: str | None = Field(..., description="两位小数（四舍五入）；无分母时为 null")
    text: str = Field(..., description="显示值，无分母时为“—”")
    numerator: int
    denominator: int | None
    numerator_url: str = Field(..., description="分子案件清单")
    denominator_url: str
    previous: str | None = Field(..., description="上期显示值")
    change: str


class FiguresOut(Schema):
    scope: str
    period: PeriodOut
    previous_period: PeriodOut
    figures: list[FigureOut]


class BreakdownRowOut(Schema):
    key: str
    label: str
    figures: list[FigureOut]


class BreakdownOut(Schema):
    scope: str
    period: PeriodOut
    by: str
    rows: list[BreakdownRowOut]


class RankRowOut(Schema):
    rank: int | None
    key: str
    label: str
    note: str
    score: str | None
    figures: list[FigureOut]


class RankingOut(Schema):
    kind: str
    title: str
    period: PeriodOut
    weights: dict[str, str]
    rows: list[RankRowOut]


class FilterQuery(Schema):
    period: str = Field("", description="月 2026-10（默认本月）、年 2026、日或 起..止")
    board: str = Field("", max_length=20, description="板块代码")
    item: str = Field("", max_length=32, description="事项代码")
    channel: str = Field("", max_length=16)


def span_of(text: str) -> Span:
    """The period asked for (the current month when empty); a bad one is a field error."""
    if not text:
        today = timezone.localdate()
        return Span.month(today.year, today.month)
    try:
        return figures.parse_period(text)
    except (ValueError, OverflowError) as error:
        raise ValidationError(
            {
                "period": [
                    _("期间格式不对：应为 2026-10、2026、2026-10-05 或 起..止日期（最长三年）")
                ]
            }
        ) from error


def period_out(span: Span) -> dict[str, str]:
    """A period in answers: key, label and first and last day."""
    return {
        "key": span.key,
        "label": span.label,
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
    }


def _figure(value: Value) -> dict[str, Any]:
    return value.as_dict()


def _checked(filters: FilterQuery, **scope: Any) -> Scope:
    errors: dict[str, list[str]] = {}
    if filters.board and not Board.objects.filter(code=filters.board).exists():
        errors["board"] = [_("板块不存在")]
    if filters.item and not Item.objects.filter(code=filters.item).exists():
        errors["item"] = [_("事项不存在")]
    if errors:
        raise ValidationError(errors)
    return Scope(board=filters.board, item=filters.item, channel=filters.channel, **scope)


def _out(scope_label: str, span: Span, scope: Scope) -> dict[str, Any]:
    return {
        "scope": scope_label,
        "period": period_out(span),
        "previous_period": period_out(span.previous()),
        "figures": [_figure(v) for v in compute(scope, span)],
    }


@router.get("/metrics/regions/{path}/figures", response=FiguresOut, summary="区划考核指标")
def region_figures(request: HttpRequest, path: str, filters: Query[FilterQuery]) -> dict[str, Any]:
    user = staff(request)
    region = access.figure_region(user, path)
    span = span_of(filters.period)
    return _out(region.name, span, _checked(filters, region=region.path))


@router.get(
    "/metrics/departments/{department_id}/figures",
    response=FiguresOut,
    summary="部门考核指标（牵头办理的案件）",
)
def department_figures(
    request: HttpRequest, department_id: int, filters: Query[FilterQuery]
) -> dict[str, Any]:
    user = staff(request)
    department = access.figure_department(user, department_id)
    span = span_of(filters.period)
    scope = _checked(filters, department=department.pk)
    return _out(department.name, span, scope)


BREAKDOWNS = ("child", "board", "channel", "month", "day")


@router.get("/metrics/regions/{path}/breakdown", response=BreakdownOut, summary="分项统计")
def region_breakdown(
    request: HttpRequest,
    path: str,
    filters: Query[FilterQuery],
    by: Literal["child", "board", "channel", "month", "day"] = "child",
) -> dict[str, Any]:
    user = staff(request)
    region = access.figure_region(user, path)
    span = span_of(filters.period)
    scope = _checked(filters, region=region.path)
    rows = figures.breakdown(region, scope, span, by)
    return {
        "scope": region.name,
        "period": period_out(span),
        "by": by,
        "rows": [
            {"key": str(r.key), "label": r.label, "figures": [_figure(v) for v in r.values]}
            for r in rows
        ],
    }


@router.get("/metrics/regions/{path}/rankings", response=RankingOut, summary="排名")
def ranking(
    request: HttpRequest,
    path: str,
    kind: Literal["township", "village", "department", "grid_worker", "grid"] = "township",
    period: str = "",
) -> dict[str, Any]:
    user = staff(request)
    region = access.figure_region(user, path)
    span = span_of(period)
    result = rankings.rank(kind, region, span)
    return {
        "kind": kind,
        "title": result.title,
        "period": period_out(span),
        "weights": {k: str(v) for k, v in result.weights.items()},
        "rows": [
            {
                "rank": row.rank,
                "key": str(row.key),
                "label": row.label,
                "note": row.note,
                "score": None if row.score is None else str(row.score),
                "figures": [_figure(v) for v in row.values],
            }
            for row in result.rows
        ],
    }
