from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from gridgov.demo import load_demo


class Command(BaseCommand):
    help = "载入演示县（舒兰市：20 个乡镇街道、248 个村社区、1483 个网格、1860 名网格员）和演示账号"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = load_demo(log=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据就绪（{time.monotonic() - started:.1f} 秒）：{result.summary()}"
            )
        )
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {result.password}）：")
        for account in result.accounts:
            self.stdout.write(f"  {account.username:<14} {account.role_label}（{account.where}）")
