from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.cases.sweep import sweep


class Command(BaseCommand):
    help = (
        "巡检超期：黄灯预警、超期标记、超期自动上报、到期归档，并提醒责任人和督办人员。"
        "可每分钟由 cron 运行；多份同时运行也不会重复处理。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="按此时间巡检（ISO 8601，带时区），用于补跑")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now 不是有效的时间：{options['now']}") from exc
            if now.tzinfo is None:
                raise CommandError("--now 需要带时区，例如 2026-10-08T09:00:00+08:00")
        report = sweep(now=now)
        from gridgov.ops.services import close_stale_patrols

        patrols = close_stale_patrols(now=now)
        self.stdout.write(f"{report.summary()}，超时巡查自动结束 {patrols} 次")
