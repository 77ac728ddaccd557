"""Workbooks of the import: the template of each kind (xlsx with drop-downs and an explanation
sheet, or CSV) and the error report of a rejected file (row, column, reason in Chinese)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gridgov.registry.imports.columns import Column, columns_of, kind_label

_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
MAX_REPORTED = 10_000


@dataclass(frozen=True)
class RowError:
    """One problem of an import file: the row as Excel numbers it (0: the whole file), the
    column's Chinese header ("" when it concerns the row) and the reason in Chinese."""

    row: int
    column: str
    message: str


def cell(sheet: Any, value: Any) -> Any:
    """A value safe to write with openpyxl: control characters dropped, and a text that looks
    like a formula (``=…``) or an error code written as text, never evaluated."""
    if not isinstance(value, str):
        return value
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    if (len(value) > 1 and value.startswith("=")) or value in _EXCEL_ERRORS:
        from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]

        written = WriteOnlyCell(sheet, value=value)
        written.data_type = "s"
        return written
    return value


def row_label(row: int) -> str | int:
    return row if row > 0 else _("整个文件")


def error_report(
    errors: Sequence[RowError],
    *,
    kind: str,
    filename: str,
    rows: int,
    error_count: int,
) -> bytes:
    """The error report of a rejected file: one line per error (the first 10,000)."""
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("错误明细"))
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 80
    bold = Font(bold=True)
    header = []
    for title in (_("行号"), _("列"), _("错误原因")):
        head = WriteOnlyCell(sheet, value=title)
        head.font = bold
        header.append(head)
    sheet.append(header)
    sheet.freeze_panes = "A2"
    for error in errors[:MAX_REPORTED]:
        sheet.append(
            [
                row_label(error.row),
                cell(sheet, error.column or "—"),
                cell(sheet, error.message),
            ]
        )
    summary = book.create_sheet(_("概况"))
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 60
    for label, value in (
        (_("文件"), filename),
        (_("数据类型"), kind_label(kind)),
        (_("数据行数"), rows),
        (_("错误数"), error_count),
        (
            _("结果"),
            _("整个文件未导入：请按“错误明细”逐条改正后重新导入全部数据")
            if error_count
            else _("没有错误"),
        ),
    ):
        summary.append([label, cell(summary, value)])
    if error_count > MAX_REPORTED:
        summary.append([_("说明"), _("错误较多，只列出前 %(n)s 条") % {"n": f"{MAX_REPORTED:,}"}])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- templates ----------------------------------------------------------------------------------

TEMPLATE_ROWS = 10_000  # rows covered by the drop-downs and the text format


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.worksheet.datavalidation import (  # type: ignore[import-untyped, unused-ignore]
        DataValidation,
    )

    columns = columns_of(kind)
    book = Workbook()
    sheet = book.active
    sheet.title = kind_label(kind)
    required_font = Font(bold=True, color="C00000")
    header_font = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    example_font = Font(italic=True, color="808080")
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=column.title)
        head.font = required_font if column.required else header_font
        head.fill = fill
        head.alignment = Alignment(horizontal="center")
        example = sheet.cell(row=2, column=index, value=column.example or None)
        example.font = example_font
        if column.code:
            example.number_format = "@"
            sheet.column_dimensions[letter].number_format = "@"
        width = max(len(column.title) * 2 + 2, len(column.example) + 4, 10)
        sheet.column_dimensions[letter].width = min(width, 30)
        if column.choices:
            rule = DataValidation(
                type="list",
                formula1='"' + ",".join(column.choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("请从下拉列表中选择"),
                error=_("%(column)s只能是：%(options)s")
                % {"column": column.header, "options": "、".join(column.choices)},
            )
            rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    _explain(book.create_sheet(_("填写说明")), kind, columns)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _explain(sheet: Any, kind: str, columns: Iterable[Column]) -> None:
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped, unused-ignore]

    notes = (
        _("%(kind)s导入模板填写说明") % {"kind": kind_label(kind)},
        _("第 1 行是列名，请勿修改；带 * 的列必须填写。第 2 行是示例，导入时自动跳过，可删除。"),
        _(
            "导入时逐行校验，全部通过才会写入；有任何错误则整个文件都不导入，"
            "并给出错误报告（行号、列、原因）。"
        ),
        _("选项列可从下拉列表选择，也可填写选项的中文名称。日期写成 2026-01-31。"),
        _("证件号码、电话和代码列请保持文本格式，否则 Excel 会把长数字的末几位变成 0。"),
    )
    for number, note in enumerate(notes, start=1):
        sheet.cell(row=number, column=1, value=note).font = Font(bold=number == 1)
    header_row = len(notes) + 2
    for index, title in enumerate((_("列名"), _("必填"), _("可选值"), _("说明"), _("示例")), 1):
        sheet.cell(row=header_row, column=index, value=title).font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for offset, column in enumerate(columns, start=1):
        row = header_row + offset
        values = (
            column.header,
            _("是") if column.required else "",
            "、".join(column.choices),
            column.help,
            column.example,
        )
        for index, value in enumerate(values, start=1):
            sheet.cell(row=row, column=index, value=value or None).alignment = wrap
    for letter, width in zip("ABCDE", (20, 6, 36, 60, 24), strict=True):
        sheet.column_dimensions[letter].width = width


def template_csv(kind: str) -> bytes:
    """The CSV template: UTF-8 with a BOM (so Excel reads the Chinese), the header row and the
    example row."""
    columns = columns_of(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.title for column in columns])
    writer.writerow([column.example for column in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
