"""The monthly assessment report (月度考核报告) of a region, as an Excel workbook or a PDF.

``build_monthly`` computes every section once (``data``); ``render_monthly`` lays it out with
``xlsx`` (openpyxl) or ``pdf`` (reportlab). See docs/metrics.md, "Monthly report".
"""

from __future__ import annotations

from gridgov.metrics.figures import Span
from gridgov.metrics.report.data import MonthlyReport, build_monthly
from gridgov.regions.models import Region

CONTENT_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def render(report: MonthlyReport, fmt: str) -> bytes:
    """An already built report as ``fmt`` ("xlsx" or "pdf")."""
    if fmt == "xlsx":
        from gridgov.metrics.report.xlsx import render_xlsx

        return render_xlsx(report)
    if fmt == "pdf":
        from gridgov.metrics.report.pdf import render_pdf

        return render_pdf(report)
    raise ValueError(f"unknown report format {fmt!r} (xlsx or pdf)")


def render_monthly(region: Region, span: Span, fmt: str) -> bytes:
    """The monthly report of ``region`` for ``span`` as the bytes of an xlsx or pdf file."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown report format {fmt!r} (xlsx or pdf)")
    return render(build_monthly(region, span), fmt)


def filename_for(region: Region, span: Span, fmt: str) -> str:
    """舒兰市-2026年10月-考核报告.pdf"""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown report format {fmt!r} (xlsx or pdf)")
    name = "".join(ch for ch in region.name if ch not in '\\/:*?"<>|').strip() or region.code
    return f"{name}-{span.label}-考核报告.{fmt}"


__all__ = [
    "CONTENT_TYPES",
    "MonthlyReport",
    "build_monthly",
    "filename_for",
    "render",
    "render_monthly",
]
