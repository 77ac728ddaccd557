"""The monthly report (月度考核报告): its numbers agree with the figures, the workbook and the
PDF open and show them (in Chinese, with charts), phones are masked, and the command writes a
file or nothing."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl  # type: ignore[import-untyped]
import pypdfium2  # type: ignore[import-untyped]
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from gridgov.cases.models import Case, CaseReporter
from gridgov.metrics.figures import DASH, Scope, Span, Value, compute
from gridgov.metrics.report import (
    CONTENT_TYPES,
    build_monthly,
    filename_for,
    render,
    render_monthly,
)
from gridgov.metrics.report.data import MonthlyReport, mask_phone, months_ending
from gridgov.regions.models import Region

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
OCTOBER = Span.month(2026, 10)
COUNTY = "220283"
PHONE = "13812345678"
SHEETS = ["概要", "指标", "排名", "趋势", "分类", "热点"]
# every test in the database group, so the module's simulated cases are built once
pytestmark = pytest.mark.django_db
ARTIFACTS = (
    Path(os.environ.get("GRIDGOV_ARTIFACTS", Path(__file__).resolve().parents[4] / "artifacts"))
    / "reports"
)


@dataclass
class Built:
    report: MonthlyReport
    values: dict[str, Value]  # figures.compute for the county in October
    xlsx: bytes
    pdf: bytes
    pdf_text: str


def field_work_roster() -> None:
    """40 grid workers on the roster (ops) with October check-ins on a varying number of
    working days, so the grid-worker ranking has a top and a bottom."""
    from gridgov.ops.models import CheckIn
    from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker
    from gridgov.ops.workdays import working_days

    days = working_days(OCTOBER)
    rows = []
    for i in range(40):
        path = GRID_A if i % 2 else GRID_B
        worker = make_worker(name=f"网格员{i:02d}", grid_path=path, with_user=False)
        grid = Region.objects.get(path=path)
        for day in days[: 1 + i % len(days)]:
            at = dt.datetime.combine(day, dt.time(8, 30), tzinfo=TZ)
            rows.append(
                CheckIn(
                    worker=worker,
                    grid=grid,
                    region_path=path,
                    kind="on",
                    at=at,
                    day=day,
                    accepted=True,
                )
            )
    CheckIn.objects.bulk_create(rows)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """1,500 simulated cases over the year to 2026-11-20 (rolled back after the module), one
    phone made to report four October cases, 40 grid workers with October check-ins, and the
    county's October report in both formats."""
    from gridgov.demo.cases import generate_year_of_cases

    with django_db_blocker.unblock(), transaction.atomic():
        county = Region.objects.get(path=COUNTY)
        generate_year_of_cases(county=county, count=1500, now=NOW, log=lambda *_: None)
        field_work_roster()
        start = dt.datetime(2026, 10, 1, tzinfo=TZ)
        october = Case.objects.filter(
            created_at__gte=start, created_at__lt=start + dt.timedelta(days=31)
        ).order_by("number")[:4]
        CaseReporter.objects.filter(case__in=list(october)).update(
            name="王重复", anonymous=False, **CaseReporter.protected_phone(PHONE)
        )
        report = build_monthly(county, OCTOBER, now=NOW)
        values = {v.figure.key: v for v in compute(Scope(region=COUNTY), OCTOBER)}
        xlsx, pdf = render(report, "xlsx"), render(report, "pdf")
        document = pypdfium2.PdfDocument(pdf)
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
        yield Built(report, values, xlsx, pdf, text)
        transaction.set_rollback(True)


def test_summary_states_the_real_numbers(built):
    report, values = built.report, built.values
    summary = "".join(report.summary)
    assert 3 <= len(report.summary) <= 6
    assert values["received"].numerator > 0
    assert f"共上报案件{values['received'].text}件" in summary
    for key in ("close_rate", "on_time_rate", "satisfaction_rate"):
        value = values[key]
        assert value.value is not None
        assert f"{value.figure.name}{value.text}" in summary
        assert report.figure(key).text == value.text
    assert f"曾超期{values['overdue'].text}件" in summary
    ranking = report.child_ranking
    assert ranking is not None and ranking.kind == "township"
    assert f"最高的是{ranking.rows[0].label}" in summary
    assert report.hot_items and f"“{report.hot_items[0].label}”" in summary
    assert DASH not in summary


def test_report_sections(built):
    report = built.report
    assert report.title == "舒兰市2026年10月网格化服务管理考核报告"
    assert report.trend[0].key == "2025-11" and report.trend[-1].key == "2026-10"
    assert len(report.trend) == 12
    october = report.trend[-1]
    assert october.received == built.values["received"].numerator
    assert october.close_rate == built.values["close_rate"].value
    assert sum(s.count for s in report.boards) == built.values["received"].numerator
    assert sum(s.count for s in report.channels) == built.values["received"].numerator
    assert sum(s.count for s in report.solved_levels) == built.values["close_rate"].numerator
    assert len(report.hot_items) <= 10 and len(report.hot_grids) <= 10
    assert all(r.change > 0 for r in report.growing_items + report.growing_grids)
    assert all(r.score is not None for r in report.workers_top + report.workers_bottom)
    assert len(report.workers_top) <= 20 and len(report.workers_bottom) <= 10
    assert report.overdue_grids and sum(g.count for g in report.overdue_grids) <= (
        built.values["overdue"].numerator
    )
    repeat = report.repeat_reporters
    assert [(r.phone, r.count) for r in repeat] == [("138****5678", 4)]
    assert repeat[0].items


def test_workbook(built):
    book = openpyxl.load_workbook(io.BytesIO(built.xlsx))
    assert book.sheetnames == SHEETS
    sheet = book["指标"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    close = rows["办结率"]
    assert close[1].value == pytest.approx(float(built.values["close_rate"].value) / 100)
    assert close[1].number_format == "0.00%"
    assert rows["上报数"][1].value == built.values["received"].numerator
    assert sheet["A2"].font.b
    assert "舒兰市" in book["概要"]["A1"].value
    assert any("办结率" in str(c.value) for row in book["概要"].iter_rows() for c in row if c.value)
    with zipfile.ZipFile(io.BytesIO(built.xlsx)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) >= 2  # the trend line chart(s) and the boards bar chart
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert PHONE.encode() not in everything and "王重复".encode() not in everything
    assert b"138****5678" in everything


def test_pdf_text_is_chinese_and_masked(built):
    text = built.pdf_text
    for words in (
        "舒兰市",
        "网格化服务管理考核报告",
        "办结率",
        "按期办结率",
        "热点难点",
        "各部门排名",
    ):
        assert words in text
    assert built.values["close_rate"].text in text
    assert "138****5678" in text
    assert PHONE not in text and "王重复" not in text


def test_pdf_pages_render_with_charts(built):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(built.pdf)
    (ARTIFACTS / "report.xlsx").write_bytes(built.xlsx)
    document = pypdfium2.PdfDocument(built.pdf)
    assert 4 <= len(document) <= 12
    chart_blue = 0
    for number, page in enumerate(document, start=1):
        image = page.render(scale=1.5).to_pil().convert("RGB")
        image.save(ARTIFACTS / f"report-page-{number}.png")
        small = image.resize((image.width // 4, image.height // 4))
        raw = small.tobytes()
        pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
        inked = sum(1 for p in pixels if sum(p) < 600)
        assert inked > len(pixels) * 0.01, f"page {number} looks blank"
        chart_blue += sum(
            1 for r, g, b in pixels if abs(r - 47) < 20 and abs(g - 109) < 20 and abs(b - 181) < 20
        )
    # the bars and lines of the charts (#2F6DB5) cover a good area, not just a few table lines
    assert chart_blue > 2000


def test_empty_month_shows_dashes():
    county = Region.objects.get(path=COUNTY)
    span = Span.month(2027, 1)  # after every simulated case
    report = build_monthly(county, span, now=NOW)
    assert report.figure("close_rate").value is None
    summary = "".join(report.summary)
    assert "办结率无数据" in summary and "满意率无数据" in summary
    assert "%" not in summary
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))
    rows = {row[0].value: row for row in book["指标"].iter_rows(min_row=3)}
    assert rows["办结率"][1].value == DASH
    assert rows["上报数"][1].value == 0
    pdf = pypdfium2.PdfDocument(render(report, "pdf"))
    assert DASH in pdf[0].get_textpage().get_text_range()


def test_command_writes_both_formats(built, tmp_path):
    for fmt in ("xlsx", "pdf"):
        output = tmp_path / f"report.{fmt}"
        out = io.StringIO()
        call_command(
            "report",
            "monthly",
            region="220283000000",
            month="2026-10",
            format=fmt,
            output=str(output),
            stdout=out,
        )
        assert "已生成" in out.getvalue()
        data = output.read_bytes()
        assert data.startswith(b"%PDF" if fmt == "pdf" else b"PK")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf", "report.xlsx"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"region": "220299", "month": "2026-10", "format": "pdf"}, "找不到区划"),
        ({"region": "abc", "month": "2026-10", "format": "pdf"}, "只能由数字组成"),
        ({"region": "", "month": "2026-10", "format": "pdf"}, "--region"),
        ({"region": "220283", "month": "2026-13", "format": "pdf"}, "--month 应写成"),
        ({"region": "220283", "month": "十月", "format": "xlsx"}, "--month 应写成"),
        ({"region": "220283", "month": "2026-10", "format": "docx"}, "--format 只能是"),
    ],
)
def test_command_rejects_bad_options(tmp_path, options, message):
    output = tmp_path / "report.out"
    with pytest.raises(CommandError, match=message):
        call_command("report", "monthly", output=str(output), **options)
    assert list(tmp_path.iterdir()) == []


def test_command_needs_the_kind(tmp_path):
    with pytest.raises(CommandError, match="monthly"):
        call_command("report", region="220283", month="2026-10", format="pdf")


def test_interface():
    county = Region.objects.get(path=COUNTY)
    assert filename_for(county, OCTOBER, "pdf") == "舒兰市-2026年10月-考核报告.pdf"
    assert CONTENT_TYPES["xlsx"].endswith("spreadsheetml.sheet")
    assert CONTENT_TYPES["pdf"] == "application/pdf"
    with pytest.raises(ValueError):
        render_monthly(county, OCTOBER, "docx")
    with pytest.raises(ValueError):
        filename_for(county, OCTOBER, "csv")


def test_helpers():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138-1234-5678") == "138****5678"
    assert mask_phone("12345") == "****2345"
    assert mask_phone("") == "****"
    window = months_ending(OCTOBER)
    assert (window.start, window.end) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    window = months_ending(Span.month(2026, 12))
    assert (window.start, window.end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_font_setting_and_fallback(settings, monkeypatch, tmp_path, caplog):
    from gridgov.metrics.report import fonts

    monkeypatch.setattr(fonts, "_chosen", {})
    installed = next((p for p in fonts.CANDIDATES if Path(p).is_file()), None)
    if installed:
        settings.GRIDGOV_PDF_FONT = installed
        assert fonts.cjk_font().startswith(fonts.FONT_NAME)
    # a file reportlab cannot load, and no system font: the built-in CID font, with a warning
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    settings.GRIDGOV_PDF_FONT = str(broken)
    monkeypatch.setattr(fonts, "CANDIDATES", ())
    with caplog.at_level("WARNING", logger=fonts.__name__):
        assert fonts.cjk_font() == fonts.FALLBACK
    assert "GRIDGOV_PDF_FONT" in caplog.text and fonts.FALLBACK in caplog.text
