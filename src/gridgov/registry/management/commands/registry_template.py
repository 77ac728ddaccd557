"""``gridgov registry-template --kind people [--format xlsx|csv] [--output FILE]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

NAMES = {"people": "实有人口", "rooms": "实有房屋", "organisations": "法人单位"}


class Command(BaseCommand):
    help = (
        "导出基础数据导入模板 --kind people|rooms|organisations [--format xlsx|csv] [--output FILE]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=sorted(NAMES), help="数据类型")
        parser.add_argument("--format", default="xlsx", choices=["xlsx", "csv"], help="文件格式")
        parser.add_argument(
            "--output", default="", help="输出文件（默认：当前目录下的 类型导入模板.格式）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gridgov.registry.imports import template_bytes

        kind, fmt = options["kind"], options["format"]
        output = Path(options["output"] or f"{NAMES[kind]}导入模板.{fmt}")
        if not output.parent.is_dir():
            raise CommandError(f"输出目录 {output.parent} 不存在")
        output.write_bytes(template_bytes(kind, fmt))
        self.stdout.write(f"已写出{NAMES[kind]}导入模板：{output}")
