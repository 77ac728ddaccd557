from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.cases.replay import verify_all


class Command(BaseCommand):
    help = "按案件记录重放每个案件，核对与当前状态一致（留痕完整性检查）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        checked, mismatches = verify_all(limit=options["limit"])
        for number, field in mismatches[:50]:
            self.stderr.write(f"不一致：{number} {field}")
        if mismatches:
            raise CommandError(f"核对 {checked} 件，{len(mismatches)} 件不一致")
        self.stdout.write(f"核对 {checked} 件，全部与记录一致")
