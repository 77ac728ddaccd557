from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils.translation import gettext as _

from gridgov.core.webhooks import deliver_due


class Command(BaseCommand):
    help = (
        "投递到期的推送消息（webhook）：失败按 1 分钟、5 分钟、30 分钟、2 小时、6 小时、12 小时、"
        "24 小时重试，最后一次仍失败则放弃（可在后台重新投递）。可由 cron 每分钟运行，"
        "或加 --loop 常驻；多份同时运行也不会同时发送同一条消息。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="常驻运行：队列空了就等待这么多秒再查（不加则投递一轮后退出）",
        )
        parser.add_argument("--limit", type=int, default=100, help="每轮最多投递多少条（100）")

    def handle(self, *args: Any, **options: Any) -> None:
        limit: int = options["limit"]
        if limit < 1:
            raise CommandError(_("--limit 至少为 1"))
        pause: float | None = options["loop"]
        if pause is None:
            self.stdout.write(deliver_due(limit=limit).summary())
            return
        if pause <= 0:
            raise CommandError(_("--loop 需要大于 0 的秒数"))
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True
            signal.signal(signum, signal.SIG_DFL)  # a second signal ends it at once

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            close_old_connections()
            try:
                report = deliver_due(limit=limit)
            except Exception as exc:  # a bad run must not end the worker; the next one retries
                self.stderr.write(_("投递出错：%(error)r") % {"error": exc})
                report = None
            if report is not None and report.attempted:
                self.stdout.write(report.summary())
            if report is None or report.attempted < limit:
                slept = 0.0
                while slept < pause and not stopping:
                    time.sleep(min(1.0, pause - slept))
                    slept += 1.0
        self.stdout.write(_("已停止"))
