"""Import of the registers from xlsx or CSV (all or nothing, with an error report) and the
import templates. See docs/registry.md, "Import and export".

Entry points: :func:`run_import`, :func:`template_bytes`, :func:`report_bytes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation

from gridgov.registry.imports.columns import KINDS, ORGANISATIONS, PEOPLE, ROOMS
from gridgov.registry.imports.loader import ImportResult, run_import
from gridgov.registry.imports.report import RowError, error_report, template_csv, template_xlsx

if TYPE_CHECKING:
    from gridgov.registry.models import ImportJob

__all__ = [
    "KINDS",
    "ORGANISATIONS",
    "PEOPLE",
    "ROOMS",
    "ImportResult",
    "RowError",
    "report_bytes",
    "run_import",
    "template_bytes",
]


def template_bytes(kind: str, fmt: str = "xlsx") -> bytes:
    """The import template of ``kind`` as xlsx (drop-downs, an explanation sheet) or CSV."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    with translation.override(settings.LANGUAGE_CODE):
        return template_xlsx(kind) if fmt == "xlsx" else template_csv(kind)


def report_bytes(job: ImportJob) -> bytes:
    """The error report (xlsx) of an import job; a job without errors gets a report that says
    so."""
    if job.report:
        return bytes(job.report)
    with translation.override(settings.LANGUAGE_CODE):
        return error_report(
            [], kind=job.kind, filename=job.filename, rows=job.rows, error_count=job.error_count
        )
