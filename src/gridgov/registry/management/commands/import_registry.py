"""``gridgov import-registry --kind people --user NAME FILE``: import a register file all or
nothing; on errors, print them and write the error report next to the file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

SHOWN = 50


class Command(BaseCommand):
    help = (
        "导入基础数据 --kind people|rooms|organisations --user NAME FILE.xlsx|csv"
        "（逐行校验，全部通过才写入；否则写出 FILE.errors.xlsx）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="填好的导入模板（.xlsx 或 .csv）")
        parser.add_argument(
            "--kind", required=True, choices=["people", "rooms", "organisations"], help="数据类型"
        )
        parser.add_argument("--user", required=True, help="以哪个账号的辖区和名义导入（用户名）")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.exceptions import PermissionDenied

        from gridgov.accounts.models import User
        from gridgov.registry.imports import report_bytes, run_import

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件 {path} 不存在")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {options['user']!r} 不存在或已停用")
        started = time.perf_counter()
        try:
            with path.open("rb") as stream:
                result = run_import(
                    actor=user, kind=options["kind"], stream=stream, filename=path.name
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        if result.ok:
            self.stdout.write(
                f"已导入 {result.imported:,} 条（{result.rows:,} 行，用时 {seconds:.1f} 秒，"
                f"导入记录 #{result.job.pk}）"
            )
            return
        for error in result.errors[:SHOWN]:
            where = f"第 {error.row} 行" if error.row else "文件"
            column = f"［{error.column}］" if error.column else ""
            self.stderr.write(f"{where}{column}：{error.message}")
        if result.job.error_count > SHOWN:
            self.stderr.write(f"……共 {result.job.error_count:,} 条错误")
        report = path.with_name(path.name + ".errors.xlsx")
        report.write_bytes(report_bytes(result.job))
        raise CommandError(
            f"文件有 {result.job.error_count:,} 条错误，未导入任何数据（{result.rows:,} 行）；"
            f"错误报告：{report}"
        )
