from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.regions import codes
from gridgov.regions.gridbuilder import GridBuildError, build_grids


class Command(BaseCommand):
    help = "按真实县界为一个县生成示意网格（沃罗诺伊划分，覆盖全域、互不重叠），用于演示和培训"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, metavar="CODE")
        parser.add_argument("--urban", type=int, required=True, help="城市社区网格数")
        parser.add_argument("--rural", type=int, required=True, help="农村网格数")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = build_grids(
                county_path=codes.path_from_code(options["county"]),
                urban_grids=options["urban"],
                rural_grids=options["rural"],
            )
        except (GridBuildError, codes.CodeError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.county.name}：生成网格 {len(result.grids)} 个"
                f"（城市 {result.urban}、农村 {result.rural}）"
            )
        )
