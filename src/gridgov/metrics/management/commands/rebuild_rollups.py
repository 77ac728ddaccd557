from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.metrics import rollup


class Command(BaseCommand):
    help = "按案件记录（或案件当前状态）重建统计汇总；--check 只核对不写入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", default="", help="只重建该区划（代码）以下")
        parser.add_argument(
            "--from-rows", action="store_true", help="按案件当前状态重建（更快，不重放记录）"
        )
        parser.add_argument("--check", action="store_true", help="只核对现有汇总与重建结果")

    def handle(self, *args: Any, **options: Any) -> None:
        region = options["region"].strip()
        if region and not region.isdigit():
            raise CommandError("--region 应为数字区划代码")
        from gridgov.regions import codes

        try:
            path = codes.path_from_code(region) if region else ""
        except codes.CodeError as error:
            raise CommandError(str(error)) from error
        started = time.perf_counter()
        if options["check"]:
            problems = rollup.differences_from_scratch(path)
            for line in problems[:50]:
                self.stderr.write(f"不一致：{line}")
            if problems:
                raise CommandError(f"统计汇总有 {len(problems)} 处与案件记录不一致")
            self.stdout.write("统计汇总与案件记录一致")
            return
        written = rollup.rebuild(source="rows" if options["from_rows"] else "events", region=path)
        seconds = time.perf_counter() - started
        self.stdout.write(f"已重建统计汇总 {written} 行，用时 {seconds:.1f} 秒")
