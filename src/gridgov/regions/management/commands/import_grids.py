from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.regions.gridimport import GridImportError, import_grids, read_file


class Command(BaseCommand):
    help = (
        "导入网格边界（GeoJSON，WGS-84）。先全部校验：要素格式、所属村（社区）、边界是否有效、"
        "是否重叠、是否留有缝隙；有错误则一条也不写入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE.geojson")
        parser.add_argument(
            "--tolerance",
            type=float,
            default=100.0,
            help="忽略小于此面积（平方米）的重叠和缝隙，默认 100",
        )
        parser.add_argument("--allow-gaps", action="store_true", help="网格之间有缝隙也导入")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_grids(
                data=read_file(options["file"]),
                tolerance_km2=options["tolerance"] / 1e6,
                allow_gaps=options["allow_gaps"],
            )
        except GridImportError as exc:
            for problem in exc.problems:
                self.stderr.write(f"错误：{problem.message_zh}")
            raise CommandError(f"发现 {len(exc.problems)} 个问题，未导入任何网格") from exc
        for problem in report.problems:
            self.stdout.write(self.style.WARNING(f"提示：{problem.message_zh}"))
        self.stdout.write(
            self.style.SUCCESS(f"已导入网格：新建 {report.created} 个，更新 {report.updated} 个")
        )
