"""The monthly report as an A4 PDF (reportlab platypus): the same sections as the workbook,
as tables, with charts drawn as vector graphics (reportlab.graphics)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import (  # type: ignore[import-untyped]
    HorizontalBarChart,
    VerticalBarChart,
)
from reportlab.graphics.charts.legends import Legend  # type: ignore[import-untyped]
from reportlab.graphics.charts.linecharts import HorizontalLineChart  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gridgov.metrics.figures import DASH, Value, display
from gridgov.metrics.rankings import Ranking, RankRow
from gridgov.metrics.report.data import Counted, MonthlyReport, Share
from gridgov.metrics.report.fonts import cjk_font

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
FRAME_PADDING = 6  # SimpleDocTemplate's frame keeps 6 pt inside the margins
WIDTH = PAGE_WIDTH - 2 * MARGIN - 2 * FRAME_PADDING  # about 176 mm
BLUE = colors.HexColor("#1F4E79")
HEADER_BG = colors.HexColor("#DDEBF7")
STRIPE = colors.HexColor("#F5F8FC")
LINE = colors.HexColor("#B7C7D9")
GOOD = "#2E7D32"
BAD = "#C62828"
SERIES = [colors.HexColor(c) for c in ("#2F6DB5", "#E07B39", "#4E9A06", "#8E44AD")]
NUMERALS = "一二三四五六七八九十"
CHART_BARS = 40  # at most this many units in the score chart (it must fit on a page)


class _Styles:
    def __init__(self, font: str) -> None:
        base = {"fontName": font, "wordWrap": "CJK"}
        self.title = ParagraphStyle(
            "title", **base, fontSize=18, leading=26, alignment=TA_CENTER, textColor=BLUE
        )
        self.meta = ParagraphStyle(
            "meta", **base, fontSize=9, leading=13, alignment=TA_CENTER, textColor=colors.grey
        )
        self.h1 = ParagraphStyle(
            "h1",
            **base,
            fontSize=13,
            leading=18,
            textColor=BLUE,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=True,
        )
        self.h2 = ParagraphStyle(
            "h2", **base, fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=3, keepWithNext=True
        )
        self.body = ParagraphStyle(
            "body", **base, fontSize=10.5, leading=17, firstLineIndent=21, spaceAfter=3
        )
        self.note = ParagraphStyle(
            "note",
            **base,
            fontSize=8,
            leading=11,
            textColor=colors.grey,
            spaceAfter=2,
            keepWithNext=True,
        )
        self.cell = ParagraphStyle("cell", **base, fontSize=8, leading=10)
        self.number = ParagraphStyle("number", **base, fontSize=8, leading=10, alignment=TA_RIGHT)
        self.header = ParagraphStyle("header", **base, fontSize=8, leading=10, textColor=BLUE)
        self.header_number = ParagraphStyle(
            "header_number", **base, fontSize=8, leading=10, textColor=BLUE, alignment=TA_RIGHT
        )


class _Builder:
    def __init__(self, report: MonthlyReport) -> None:
        self.report = report
        self.font = cjk_font()
        self.s = _Styles(self.font)
        self.story: list[Any] = []
        self.section = 0

    # -- primitives ----------------------------------------------------------------------------

    def heading(self, text: str) -> None:
        self.story.append(Paragraph(f"{NUMERALS[self.section]}、{escape(text)}", self.s.h1))
        self.section += 1

    def sub(self, text: str) -> None:
        self.story.append(Paragraph(escape(text), self.s.h2))

    def note(self, text: str) -> None:
        self.story.append(Paragraph(escape(text), self.s.note))

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        numeric: Sequence[int] = (),
        empty: str = "本月无",
    ) -> Table:
        """A table of Paragraph cells; ``numeric`` columns are right-aligned. A cell may carry
        reportlab markup (already escaped)."""
        head = [
            Paragraph(escape(h), self.s.header_number if i in numeric else self.s.header)
            for i, h in enumerate(headers)
        ]
        body = [
            [
                Paragraph(cell, self.s.number if i in numeric else self.s.cell)
                for i, cell in enumerate(row)
            ]
            for row in rows
        ]
        if not body:
            body = [[Paragraph(escape(empty), self.s.cell)] + [""] * (len(headers) - 1)]
        table = Table([head, *body], colWidths=list(widths), repeatRows=1, hAlign="LEFT")
        style = [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, BLUE),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ]
        style += [("BACKGROUND", (0, r), (-1, r), STRIPE) for r in range(2, len(body) + 1, 2)]
        if not rows:
            style.append(("SPAN", (0, 1), (-1, 1)))
        table.setStyle(TableStyle(style))
        return table

    def add(self, *flowables: Any) -> None:
        self.story.extend(flowables)

    # -- charts --------------------------------------------------------------------------------

    def _title(self, drawing: Drawing, text: str) -> None:
        drawing.add(
            String(
                drawing.width / 2,
                drawing.height - 12,
                text,
                fontName=self.font,
                fontSize=10,
                fillColor=BLUE,
                textAnchor="middle",
            )
        )

    def _legend(self, drawing: Drawing, names: Sequence[str], x: float, y: float) -> None:
        legend = Legend()
        legend.x, legend.y = x, y
        legend.fontName, legend.fontSize = self.font, 8
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.deltax = 70
        legend.dx = legend.dy = 7
        legend.colorNamePairs = list(zip(SERIES, names, strict=False))
        drawing.add(legend)

    def board_chart(self, shares: Sequence[Share]) -> Drawing:
        drawing = Drawing(WIDTH, 62 * mm)
        self._title(drawing, "各板块上报件数")
        chart = VerticalBarChart()
        chart.x, chart.y = 14 * mm, 10 * mm
        chart.width, chart.height = WIDTH - 20 * mm, drawing.height - 20 * mm
        chart.data = [[s.count for s in shares]]
        chart.categoryAxis.categoryNames = [s.label for s in shares]
        chart.categoryAxis.labels.fontName = self.font
        chart.categoryAxis.labels.fontSize = 8
        chart.valueAxis.labels.fontName = self.font
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.valueAxis.forceZero = True
        top = max([s.count for s in shares] + [5])
        chart.valueAxis.valueMax = _nice_top(top)
        chart.valueAxis.valueStep = _nice_top(top) / 5
        chart.valueAxis.gridStrokeColor = colors.HexColor("#E3E9F0")
        chart.valueAxis.visibleGrid = True
        chart.bars[0].fillColor = SERIES[0]
        chart.bars[0].strokeColor = None
        chart.barWidth = 10
        chart.barLabels.fontName = self.font
        chart.barLabels.fontSize = 7
        chart.barLabels.nudge = 6
        chart.barLabelFormat = "%d"
        drawing.add(chart)
        return drawing

    def trend_chart(
        self,
        title: str,
        series: Sequence[Sequence[float | None]],
        names: Sequence[str],
        *,
        rate: bool,
    ) -> Drawing:
        drawing = Drawing(WIDTH, 62 * mm)
        self._title(drawing, title)
        chart = HorizontalLineChart()
        chart.x, chart.y = 14 * mm, 10 * mm
        chart.width, chart.height = WIDTH - 20 * mm, drawing.height - 27 * mm
        chart.data = [list(s) for s in series]
        chart.categoryAxis.categoryNames = [p.short_label for p in self.report.trend]
        chart.categoryAxis.labels.fontName = self.font
        chart.categoryAxis.labels.fontSize = 7.5
        chart.valueAxis.labels.fontName = self.font
        chart.valueAxis.labels.fontSize = 7
        values = [v for s in series for v in s if v is not None]
        if rate:
            low = min(values, default=0.0)
            chart.valueAxis.valueMin = max(0, math.floor(low / 10) * 10 - 10) if values else 0
            chart.valueAxis.valueMax = 100
            chart.valueAxis.labelTextFormat = "%d%%"
        else:
            top = max([*values, 5.0])
            chart.valueAxis.valueMin = 0
            chart.valueAxis.valueMax = _nice_top(top)
            chart.valueAxis.valueStep = _nice_top(top) / 5
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = colors.HexColor("#E3E9F0")
        chart.joinedLines = True
        for index in range(len(series)):
            chart.lines[index].strokeColor = SERIES[index]
            chart.lines[index].strokeWidth = 1.6
        drawing.add(chart)
        self._legend(drawing, names, WIDTH / 2 - 35 * len(names) + 10, drawing.height - 20)
        return drawing

    def score_chart(self, rows: Sequence[RankRow]) -> Drawing:
        scored = [r for r in rows if r.score is not None]
        title = f"各{self.report.unit_name}综合得分"
        if len(scored) > CHART_BARS:
            scored = scored[:CHART_BARS]
            title += f"（前{CHART_BARS}名）"
        bar = 4.6 * mm
        drawing = Drawing(WIDTH, len(scored) * bar + 17 * mm)
        self._title(drawing, title)
        chart = HorizontalBarChart()
        chart.x, chart.y = 28 * mm, 8 * mm
        chart.width, chart.height = WIDTH - 40 * mm, len(scored) * bar
        # the first row at the top
        chart.data = [[float(r.score or 0) for r in reversed(scored)]]
        chart.categoryAxis.categoryNames = [r.label for r in reversed(scored)]
        chart.categoryAxis.labels.fontName = self.font
        chart.categoryAxis.labels.fontSize = 7.5
        chart.categoryAxis.labels.dx = -2
        chart.valueAxis.labels.fontName = self.font
        chart.valueAxis.labels.fontSize = 7
        low = min((float(r.score or 0) for r in scored), default=0.0)
        chart.valueAxis.valueMin = max(0, math.floor(low / 10) * 10 - 10)
        chart.valueAxis.valueMax = 100
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = colors.HexColor("#E3E9F0")
        chart.bars[0].fillColor = SERIES[0]
        chart.bars[0].strokeColor = None
        chart.barLabels.fontName = self.font
        chart.barLabels.fontSize = 6.5
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 2
        chart.barLabelFormat = "%.2f"
        drawing.add(chart)
        return drawing

    # -- sections ------------------------------------------------------------------------------

    def cover(self) -> None:
        r = self.report
        self.add(
            Paragraph(escape(r.title), self.s.title),
            Paragraph(
                escape(f"生成时间：{r.generated_text}　　统计期间：{r.span.start} 至 {r.span.end}"),
                self.s.meta,
            ),
            Spacer(1, 6),
        )

    def overview(self) -> None:
        self.heading("总体情况")
        for sentence in self.report.summary:
            self.add(Paragraph(escape(sentence), self.s.body))
        self.note(
            "统计口径：当月上报（登记）的案件及其当前办理情况；比率无可除数时显示“—”，不计为0%。"
        )

    def figures(self) -> None:
        r = self.report
        self.heading("考核指标")
        rows = [
            [
                escape(str(v.figure.name)),
                v.text,
                v.previous.text if v.previous else DASH,
                _change(v),
                _fraction(v),
                escape(str(v.figure.description)),
            ]
            for v in r.figures
        ]
        headers = [
            "指标",
            "本月",
            f"上月（{r.previous_span.start.month}月）",
            "变化",
            "分子 / 分母",
            "口径",
        ]
        widths = [22 * mm, 18 * mm, 20 * mm, 27 * mm, 27 * mm, WIDTH - 114 * mm]
        self.add(self.table(headers, rows, widths, numeric=(1, 2, 3, 4)))

    def _ranking(
        self, ranking: Ranking, rows: Sequence[RankRow], first: str, *, note: bool
    ) -> Table:
        headers = ["名次", first]
        widths = [8 * mm, 22 * mm]
        if note:
            headers.append("所在网格")
            widths = [8 * mm, 13 * mm, 24 * mm]
        headers.append("综合得分")
        widths.append(13.5 * mm)
        headers += [str(f.name) for f in ranking.figures]
        # 平均办理时长 needs a wider column to keep its header on one line
        wide = {"average_hours": 19 * mm}
        rest = (WIDTH - sum(widths) - sum(wide.get(f.key, 0) for f in ranking.figures)) / sum(
            f.key not in wide for f in ranking.figures
        )
        widths += [wide.get(f.key, rest) for f in ranking.figures]
        lines = []
        for row in rows:
            line = [DASH if row.rank is None else str(row.rank), escape(row.label)]
            if note:
                line.append(escape(row.note))
            line.append(row.score_text)
            line += [v.text for v in row.values]
            lines.append(line)
        numeric = [0, *range(len(headers) - len(ranking.figures) - 1, len(headers))]
        return self.table(headers, lines, widths, numeric=numeric, empty="本月无数据")

    def rankings(self) -> None:
        r = self.report
        self.heading("排名情况")
        weights = r.department_ranking.weights
        named = "、".join(
            f"{f.name}{weights[f.key]}" for f in r.department_ranking.figures if f.key in weights
        )
        self.note(
            f"综合得分 = 各项比率按权重加权平均（{named}；返工率、重办率按100减其值计），"
            "无数据的指标不计入；无任何可计分指标的单位不排名（“—”）。"
        )
        if r.child_ranking is not None:
            ranking = r.child_ranking
            self.sub(ranking.title)
            if any(row.score is not None for row in ranking.rows):
                self.add(self.score_chart(ranking.rows))
            self.add(self._ranking(ranking, ranking.rows, r.unit_name, note=False))
        ranking = r.department_ranking
        self.sub(ranking.title)
        self.add(self._ranking(ranking, ranking.rows, "部门", note=False))
        if not r.workers_top:
            self.sub("网格员排名")
            self.note("本月没有可计分的网格员。")
            return
        workers = r.workers_ranking or ranking
        named = "、".join(
            f"{f.name}{workers.weights[f.key]}" for f in workers.figures if f.key in workers.weights
        )
        self.sub(f"网格员排名前{len(r.workers_top)}名（共{r.workers_scored}名有得分）")
        self.note(f"网格员按网格工作指标考核，权重：{named}。")
        self.add(self._ranking(workers, r.workers_top, "网格员", note=True))
        if r.workers_bottom:
            self.sub(f"网格员排名后{len(r.workers_bottom)}名")
            self.add(self._ranking(workers, r.workers_bottom, "网格员", note=True))

    def trends(self) -> None:
        r = self.report
        self.heading("月度趋势")
        self.note("近12个月，按上报月份统计；办结率、按期办结率为各月上报案件的当前办理情况。")
        counts = self.trend_chart(
            "上报与办结件数",
            [[p.received for p in r.trend], [p.closed for p in r.trend]],
            ["上报数", "办结数"],
            rate=False,
        )
        self.add(counts, Spacer(1, 4))
        # a line needs two points: a rate with fewer months of data is left out of the chart
        lines = [
            (name, values)
            for name, values in (
                ("办结率", [_float(p.close_rate) for p in r.trend]),
                ("按期办结率", [_float(p.on_time_rate) for p in r.trend]),
            )
            if sum(v is not None for v in values) >= 2
        ]
        if lines:
            self.add(
                self.trend_chart(
                    "办结率与按期办结率（%）",
                    [values for _, values in lines],
                    [name for name, _ in lines],
                    rate=True,
                )
            )
        else:
            self.note("近12个月可计算办结率的月份不足两个，未绘制比率折线图。")
        rows = [
            [
                p.label,
                f"{p.received:,}",
                f"{p.accepted:,}",
                f"{p.closed:,}",
                display(p.close_rate, "rate"),
                display(p.on_time_rate, "rate"),
            ]
            for p in r.trend
        ]
        headers = ["月份", "上报数", "受理数", "办结数", "办结率", "按期办结率"]
        self.add(self.table(headers, rows, [WIDTH / 6] * 6, numeric=(1, 2, 3, 4, 5)))

    def breakdowns(self) -> None:
        r = self.report
        self.heading("分类统计")
        headers = ["板块", "上报数", "占比", "办结率", "按期办结率", "满意率", "超期数"]
        widths = [36 * mm] + [(WIDTH - 36 * mm) / 6] * 6
        self.sub("按板块")
        if r.boards:
            self.add(self.board_chart(r.boards))
        self.add(self.table(headers, _share_rows(r.boards), widths, numeric=range(1, 7)))
        self.sub("按来源渠道")
        headers[0] = "来源渠道"
        self.add(self.table(headers, _share_rows(r.channels), widths, numeric=range(1, 7)))
        rows = [[escape(s.label), f"{s.count:,}", s.share_text] for s in r.solved_levels]
        self.add(
            KeepTogether(
                [
                    Paragraph("按解决层级（已办结案件）", self.s.h2),
                    self.table(
                        ["解决层级", "办结数", "占比"],
                        rows,
                        [36 * mm, 24 * mm, 24 * mm],
                        numeric=(1, 2),
                    ),
                ]
            )
        )

    def _pair(self, left: tuple[str, Table], right: tuple[str, Table]) -> Table:
        """Two titled tables side by side, kept on one page (one unsplittable row)."""
        half = (WIDTH - 6 * mm) / 2
        cells = [
            [
                [Paragraph(escape(left[0]), self.s.h2), left[1]],
                [Paragraph(escape(right[0]), self.s.h2), right[1]],
            ]
        ]
        outer = Table(cells, colWidths=[half + 6 * mm, half])
        outer.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, -1), 6 * mm),
                    ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ]
            )
        )
        return outer

    def _counted(self, rows: Sequence[Counted], first: str, *, change: bool = True) -> Table:
        half = (WIDTH - 6 * mm) / 2
        if change:
            headers = ["序号", first, "本月", "上月", "变化"]
            lines = [
                [str(i), escape(c.label), f"{c.count:,}", f"{c.previous:,}", f"{c.change:+,}"]
                for i, c in enumerate(rows, start=1)
            ]
            widths = [8 * mm, half - 38 * mm, 10 * mm, 10 * mm, 10 * mm]
            return self.table(headers, lines, widths, numeric=(0, 2, 3, 4))
        headers = ["序号", first, "曾超期件数"]
        lines = [[str(i), escape(c.label), f"{c.count:,}"] for i, c in enumerate(rows, start=1)]
        widths = [8 * mm, half - 26 * mm, 18 * mm]
        return self.table(headers, lines, widths, numeric=(0, 2))

    def hot(self) -> None:
        r = self.report
        self.heading("热点难点")
        self.add(
            self._pair(
                ("上报最多的事项", self._counted(r.hot_items, "事项")),
                ("增长最多的事项", self._counted(r.growing_items, "事项")),
            ),
            Spacer(1, 4),
            self._pair(
                ("上报最多的网格", self._counted(r.hot_grids, "网格")),
                ("增长最多的网格", self._counted(r.growing_grids, "网格")),
            ),
            Spacer(1, 4),
            self._pair(
                ("超期最多的网格", self._counted(r.overdue_grids, "网格", change=False)),
                ("超期最多的事项", self._counted(r.overdue_items, "事项", change=False)),
            ),
        )
        self.sub("重复反映（同一联系电话本月上报3件及以上，电话已隐藏）")
        rows = [
            [str(i), escape(p.phone), f"{p.count:,}", escape("、".join(p.items))]
            for i, p in enumerate(r.repeat_reporters, start=1)
        ]
        self.add(
            self.table(
                ["序号", "联系电话", "件数", "涉及事项"],
                rows,
                [10 * mm, 30 * mm, 14 * mm, WIDTH - 54 * mm],
                numeric=(0, 2),
                empty="本月无同一电话重复反映3件及以上的情况",
            )
        )

    def build(self) -> bytes:
        self.cover()
        self.overview()
        self.figures()
        self.rankings()
        self.trends()
        self.breakdowns()
        self.hot()
        out = io.BytesIO()
        title = self.report.title
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 4 * mm,
            title=title,
            author="gridgov",
            subject="月度考核报告",
        )
        font = self.font

        def footer(canvas: Any, document: Any) -> None:
            canvas.saveState()
            canvas.setFont(font, 8)
            canvas.setFillColor(colors.grey)
            canvas.drawString(MARGIN, MARGIN - 2 * mm, title)
            canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 2 * mm, f"第 {document.page} 页")
            canvas.restoreState()

        doc.build(self.story, onFirstPage=footer, onLaterPages=footer)
        return out.getvalue()


def _nice_top(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _change(value: Value) -> str:
    text = value.change_text
    color = {"good": GOOD, "bad": BAD}.get(value.trend)
    return f'<font color="{color}">{escape(text)}</font>' if color else escape(text)


def _fraction(value: Value) -> str:
    if value.figure.kind == "count":
        return ""
    if value.figure.kind == "hours":
        return f"{value.numerator / 3600:,.0f}时 / {value.denominator or 0:,}"
    return f"{value.numerator:,} / {value.denominator or 0:,}"


def _share_rows(shares: Sequence[Share]) -> list[list[str]]:
    return [
        [escape(s.label), f"{s.count:,}", s.share_text, *(v.text for v in s.values)] for s in shares
    ]


def render_pdf(report: MonthlyReport) -> bytes:
    return _Builder(report).build()
