from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gridgov.registry.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "用 GRIDGOV_FIELD_KEYS 的第一个密钥重新加密全部个人信息字段；"
        "--rehash 同时按 GRIDGOV_LOOKUP_KEY 重算检索索引"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rehash", action="store_true", help="查询密钥更换后重算索引")
        parser.add_argument("--batch", type=int, default=2000, help="每批行数")
        parser.add_argument(
            "--generate-key", action="store_true", help="只生成一个新的字段密钥并打印"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            from gridgov.core.protection import generate_key

            self.stdout.write(generate_key())
            return
        rotate_all(rehash=options["rehash"], batch=max(1, options["batch"]), log=self.stdout.write)
