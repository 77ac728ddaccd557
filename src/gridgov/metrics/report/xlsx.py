"""The monthly report as an Excel workbook: one sheet per section, numbers kept as numbers.

A rate is stored as a fraction with a percent format (0.9950 → 99.50%) so it can be summed and
charted; a figure with nothing to divide by is the text "—", never 0%.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.chart import BarChart, LineChart, Reference  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from gridgov.metrics.figures import DASH, Value
from gridgov.metrics.rankings import Ranking, RankRow
from gridgov.metrics.report.data import Counted, MonthlyReport, Share

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=16)
HEADING = Font(bold=True, size=12, color="1F4E79")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
GOOD = Font(color="2E7D32")
BAD = Font(color="C62828")
RIGHT = Alignment(horizontal="right")
WRAP = Alignment(wrap_text=True, vertical="top")
PERCENT = "0.00%"
COUNT = "#,##0"
HOURS = "0.00"
SCORE = "0.00"
CHANGE_FORMATS = {
    "rate": '+0.00"个百分点";-0.00"个百分点";0.00"个百分点"',
    "count": "+#,##0;-#,##0;0",
    "hours": '+0.00"小时";-0.00"小时";0.00"小时"',
    "km": '+0.0"公里";-0.0"公里";0.0"公里"',
}
KM = "0.0"
METHOD = "统计口径：当月上报（登记）的案件及其当前办理情况；比率无可除数时显示“—”。"


@dataclass(frozen=True)
class Cell:
    value: Any
    format: str = ""
    font: Font | None = None


def _number(value: Decimal | None, kind: str) -> Cell:
    if value is None:
        return Cell(DASH)
    if kind == "rate":
        return Cell(float(value / 100), PERCENT)
    if kind == "hours":
        return Cell(float(value), HOURS)
    if kind == "km":
        return Cell(float(value), KM)
    return Cell(int(value), COUNT)


def _value(value: Value | None) -> Cell:
    if value is None:
        return Cell(DASH)
    return _number(value.value, value.figure.kind)


def _change(value: Value) -> Cell:
    change = value.change
    if change is None:
        return Cell(DASH)
    number: float | int = int(change) if value.figure.kind == "count" else float(change)
    font = {"good": GOOD, "bad": BAD}.get(value.trend)
    return Cell(number, CHANGE_FORMATS[value.figure.kind], font)


def _count(n: int) -> Cell:
    return Cell(n, COUNT)


def _signed(n: int) -> Cell:
    return Cell(n, CHANGE_FORMATS["count"])


def _put(ws: Any, row: int, column: int, cell: Cell | Any) -> None:
    if not isinstance(cell, Cell):
        cell = Cell(cell)
    target = ws.cell(row=row, column=column, value=cell.value)
    if cell.format:
        target.number_format = cell.format
    if cell.font is not None:
        target.font = cell.font
    if cell.value == DASH:
        target.alignment = RIGHT


def _table(
    ws: Any,
    row: int,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell | Any]],
    *,
    empty: str = "本月无",
) -> int:
    """A heading, a bold header row and the rows from ``row``; returns the next free row."""
    ws.cell(row=row, column=1, value=title).font = HEADING
    row += 1
    for column, header in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=column, value=header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
    row += 1
    if not rows:
        ws.cell(row=row, column=1, value=empty)
        return row + 2
    for line in rows:
        for column, cell in enumerate(line, start=1):
            _put(ws, row, column, cell)
        row += 1
    return row + 1


def _widths(ws: Any, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


# ---------------------------------------------------------------------------------------------
# Sheets
# ---------------------------------------------------------------------------------------------


def _overview(ws: Any, report: MonthlyReport) -> None:
    ws.title = "概要"
    ws["A1"] = report.title
    ws["A1"].font = TITLE
    ws["A2"] = f"生成时间：{report.generated_text}"
    ws["A3"] = METHOD
    ws["A5"] = "总体情况"
    ws["A5"].font = HEADING
    row = 6
    for sentence in report.summary:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        cell = ws.cell(row=row, column=1, value=sentence)
        cell.alignment = WRAP
        ws.row_dimensions[row].height = 15 * (1 + len(sentence) // 48)
        row += 1
    keys = ("received", "close_rate", "on_time_rate", "satisfaction_rate", "overdue")
    rows = [
        [str(v.figure.name), _value(v), _value(v.previous), _change(v)]
        for v in (report.figure(k) for k in keys)
    ]
    _table(ws, row + 1, "主要指标", ["指标", "本月", "上月", "变化"], rows)
    _widths(ws, [16, 14, 14, 18, 14, 14])


def _figures(ws: Any, report: MonthlyReport) -> None:
    rows = []
    for v in report.figures:
        numerator: Cell | int | str = v.numerator
        if v.figure.kind == "hours":
            numerator = Cell(round(v.numerator / 3600, 1), "#,##0.0")
        rows.append(
            [
                str(v.figure.name),
                _value(v),
                _value(v.previous),
                _change(v),
                numerator,
                "" if v.denominator is None else v.denominator,
                str(v.figure.description),
            ]
        )
    headers = ["指标", "本月", "上月", "变化", "分子", "分母", "口径"]
    title = f"考核指标（{report.span.label}，上月为{report.previous_span.label}）"
    _table(ws, 1, title, headers, rows)
    _widths(ws, [14, 12, 12, 18, 10, 10, 60])


def _ranking_rows(rows: Sequence[RankRow], *, note: bool) -> list[list[Cell | Any]]:
    result: list[list[Cell | Any]] = []
    for r in rows:
        line: list[Cell | Any] = [DASH if r.rank is None else r.rank, r.label]
        if note:
            line.append(r.note)
        line.append(Cell(DASH) if r.score is None else Cell(float(r.score), SCORE))
        line += [_value(v) for v in r.values]
        result.append(line)
    return result


def _ranking_headers(ranking: Ranking, first: str, *, note: bool) -> list[str]:
    headers = ["名次", first]
    if note:
        headers.append("所在网格")
    headers.append("综合得分")
    return headers + [str(f.name) for f in ranking.figures]


def _rankings(ws: Any, report: MonthlyReport) -> None:
    row = 1
    weights = "、".join(
        f"{f.name}{report.department_ranking.weights[f.key]}"
        for f in report.department_ranking.figures
        if f.key in report.department_ranking.weights
    )
    ws.cell(
        row=row, column=1, value=f"综合得分按权重加权：{weights}（返工率、重办率按100减其值计）"
    )
    row += 2
    if report.child_ranking is not None:
        ranking = report.child_ranking
        headers = _ranking_headers(ranking, report.unit_name, note=False)
        row = _table(ws, row, ranking.title, headers, _ranking_rows(ranking.rows, note=False))
    ranking = report.department_ranking
    headers = _ranking_headers(ranking, "部门", note=False)
    row = _table(ws, row, ranking.title, headers, _ranking_rows(ranking.rows, note=False))
    headers = _ranking_headers(report.workers_ranking or ranking, "网格员", note=True)
    title = f"网格员排名前{len(report.workers_top)}名（共{report.workers_scored}名有得分）"
    if not report.workers_top:
        title = "网格员排名"
    row = _table(
        ws,
        row,
        title,
        headers,
        _ranking_rows(report.workers_top, note=True),
        empty="本月没有可计分的网格员",
    )
    if report.workers_bottom:
        title = f"网格员排名后{len(report.workers_bottom)}名"
        _table(ws, row, title, headers, _ranking_rows(report.workers_bottom, note=True))
    _widths(ws, [8, 16, 22, 10, 10, 10, 11, 10, 10, 10, 13, 10])


def _trends(ws: Any, report: MonthlyReport) -> None:
    headers = ["月份", "上报数", "受理数", "办结数", "办结率", "按期办结率"]
    rows = [
        [
            p.label,
            _count(p.received),
            _count(p.accepted),
            _count(p.closed),
            _number(p.close_rate, "rate"),
            _number(p.on_time_rate, "rate"),
        ]
        for p in report.trend
    ]
    _table(ws, 1, "近12个月趋势（按上报月份）", headers, rows)
    first, last = 3, 2 + len(rows)
    chart = LineChart()
    chart.title = "上报与办结件数"
    chart.y_axis.title = "件数"
    chart.height, chart.width = 8, 18
    data = Reference(ws, min_col=2, max_col=2, min_row=2, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.add_data(
        Reference(ws, min_col=4, max_col=4, min_row=2, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    ws.add_chart(chart, "H2")
    if all(p.close_rate is not None and p.on_time_rate is not None for p in report.trend):
        rates = LineChart()
        rates.title = "办结率与按期办结率"
        rates.y_axis.number_format = "0%"
        rates.height, rates.width = 8, 18
        rates.add_data(
            Reference(ws, min_col=5, max_col=6, min_row=2, max_row=last), titles_from_data=True
        )
        rates.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        ws.add_chart(rates, "H19")
    _widths(ws, [12, 10, 10, 10, 10, 12])


def _share_rows(shares: Sequence[Share]) -> list[list[Cell | Any]]:
    return [
        [s.label, _count(s.count), _number(s.share, "rate"), *(_value(v) for v in s.values)]
        for s in shares
    ]


def _breakdowns(ws: Any, report: MonthlyReport) -> None:
    headers = ["板块", "上报数", "占比", "办结率", "按期办结率", "满意率", "超期数"]
    boards_at = 3
    row = _table(ws, 1, "按板块", headers, _share_rows(report.boards))
    if report.boards:
        chart = BarChart()
        chart.type = "col"
        chart.title = "各板块上报件数"
        chart.legend = None
        chart.height, chart.width = 8, 18
        last = boards_at + len(report.boards) - 1
        chart.add_data(
            Reference(ws, min_col=2, min_row=boards_at - 1, max_row=last), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=boards_at, max_row=last))
        ws.add_chart(chart, "I2")
    headers[0] = "来源渠道"
    row = _table(ws, row, "按来源渠道", headers, _share_rows(report.channels))
    rows = [[s.label, _count(s.count), _number(s.share, "rate")] for s in report.solved_levels]
    _table(ws, row, "按解决层级（已办结案件）", ["解决层级", "办结数", "占比"], rows)
    _widths(ws, [22, 10, 10, 10, 12, 10, 10])


def _counted_rows(rows: Sequence[Counted], *, note: bool) -> list[list[Cell | Any]]:
    return [
        [
            i,
            r.label,
            *([r.note] if note else []),
            _count(r.count),
            _count(r.previous),
            _signed(r.change),
        ]
        for i, r in enumerate(rows, start=1)
    ]


def _hot(ws: Any, report: MonthlyReport) -> None:
    row = 1
    item_headers = ["序号", "事项", "板块", "本月", "上月", "变化"]
    grid_headers = ["序号", "网格", "本月", "上月", "变化"]
    row = _table(
        ws, row, "上报最多的事项", item_headers, _counted_rows(report.hot_items, note=True)
    )
    row = _table(
        ws, row, "增长最多的事项", item_headers, _counted_rows(report.growing_items, note=True)
    )
    row = _table(
        ws, row, "上报最多的网格", grid_headers, _counted_rows(report.hot_grids, note=False)
    )
    row = _table(
        ws, row, "增长最多的网格", grid_headers, _counted_rows(report.growing_grids, note=False)
    )
    rows = [
        [i, r.phone, _count(r.count), "、".join(r.items)]
        for i, r in enumerate(report.repeat_reporters, start=1)
    ]
    row = _table(
        ws,
        row,
        "重复反映（同一电话本月上报3件及以上）",
        ["序号", "联系电话（已隐藏）", "件数", "涉及事项"],
        rows,
    )
    rows = [[i, r.label, _count(r.count)] for i, r in enumerate(report.overdue_grids, start=1)]
    row = _table(ws, row, "超期最多的网格", ["序号", "网格", "曾超期件数"], rows)
    rows = [
        [i, r.label, r.note, _count(r.count)] for i, r in enumerate(report.overdue_items, start=1)
    ]
    _table(ws, row, "超期最多的事项", ["序号", "事项", "板块", "曾超期件数"], rows)
    _widths(ws, [8, 34, 14, 10, 10, 10])


def render_xlsx(report: MonthlyReport) -> bytes:
    book = Workbook()
    _overview(book.active, report)
    for title, fill in (
        ("指标", _figures),
        ("排名", _rankings),
        ("趋势", _trends),
        ("分类", _breakdowns),
        ("热点", _hot),
    ):
        fill(book.create_sheet(title), report)
    book.properties.title = report.title
    book.properties.creator = "gridgov"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
