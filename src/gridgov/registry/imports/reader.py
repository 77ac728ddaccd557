"""Reading an uploaded register file row by row, never the whole file in memory.

* xlsx: openpyxl in read-only mode, the first sheet, ``iter_rows(values_only=True)`` — the sheet
  XML is parsed as a stream. (A workbook saved by Excel keeps its strings in a shared table that
  openpyxl loads whole; files written by openpyxl or WPS with inline strings do not.)
* CSV: the csv module over a text wrapper of the binary stream; UTF-8 with or without a BOM,
  or GB18030 (what Excel for Chinese Windows saves), told apart from the first 64 KB.

Rows come out as ``(row number, values)`` with the number a user sees in Excel (the first line
is 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.utils.translation import gettext as _

Row = tuple[int, tuple[Any, ...]]
SAMPLE = 64 * 1024
# A shared string table larger than this (uncompressed) is refused: openpyxl holds it in memory.
MAX_SHARED_STRINGS = 512 * 1024 * 1024


class FileError(Exception):
    """The file cannot be read at all (not xlsx or CSV, broken, unknown encoding)."""

    def __init__(self, message: str, row: int = 0) -> None:
        self.message = message
        self.row = row
        super().__init__(message)


def _seekable(stream: IO[bytes]) -> IO[bytes]:
    try:
        if stream.seekable():
            return stream
    except (AttributeError, ValueError):
        pass
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by caller
    shutil.copyfileobj(stream, spool, 1024 * 1024)
    spool.seek(0)
    return spool


def file_format(head: bytes, filename: str) -> str:
    name = filename.lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise FileError(_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后再导入"))
    if name.endswith((".xlsx", ".xlsm")):
        raise FileError(_("文件不是有效的 Excel（.xlsx）文件"))
    return "csv"


def csv_encoding(sample: bytes) -> str:
    """``utf-8-sig`` (with or without the BOM) or ``gb18030``, from the first bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return "utf-8-sig" if encoding == "utf-8" else encoding
    raise FileError(_("无法识别文件编码，请将 CSV 保存为 UTF-8 或 GB18030（GBK）编码"))


@contextmanager
def open_rows(stream: IO[bytes], filename: str) -> Iterator[Iterator[Row]]:
    """The rows of the first sheet (xlsx) or of the CSV file."""
    source = _seekable(stream)
    start = source.tell()
    head = source.read(SAMPLE)
    source.seek(start)
    kind = file_format(head, filename)
    try:
        if kind == "xlsx":
            with _xlsx_rows(source) as rows:
                yield rows
        else:
            with _csv_rows(source, csv_encoding(head)) as rows:
                yield rows
    finally:
        if source is not stream:
            source.close()


@contextmanager
def _xlsx_rows(source: IO[bytes]) -> Iterator[Iterator[Row]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if info.filename.lower().endswith("sharedstrings.xml") and (
                    info.file_size > MAX_SHARED_STRINGS
                ):
                    raise FileError(_("文件过大，请拆分后再导入"))
        source.seek(0)
        book = load_workbook(source, read_only=True, data_only=True)
    except FileError:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: the file is broken
        raise FileError(_("无法读取 Excel 文件，请确认是 .xlsx 格式且未损坏")) from exc
    try:
        if not book.worksheets:
            raise FileError(_("Excel 文件中没有工作表"))
        sheet = book.worksheets[0]

        def rows() -> Iterator[Row]:
            try:
                yield from enumerate(sheet.iter_rows(values_only=True), start=1)
            except Exception as exc:
                raise FileError(_("Excel 文件内容有损坏，无法继续读取")) from exc

        yield rows()
    finally:
        book.close()


@contextmanager
def _csv_rows(source: IO[bytes], encoding: str) -> Iterator[Iterator[Row]]:
    text = io.TextIOWrapper(source, encoding=encoding, newline="")

    def rows() -> Iterator[Row]:
        number = 0
        try:
            for number, values in enumerate(csv.reader(text), start=1):
                yield number, tuple(values)
        except UnicodeDecodeError as exc:
            raise FileError(
                _("第 %(row)s 行附近有无法识别的字符：文件编码不一致，请整体另存为 UTF-8")
                % {"row": number + 1},
                row=number + 1,
            ) from exc
        except csv.Error as exc:
            raise FileError(
                _("第 %(row)s 行附近 CSV 格式错误（引号不成对？）") % {"row": number + 1},
                row=number + 1,
            ) from exc

    try:
        yield rows()
    finally:
        text.detach()
