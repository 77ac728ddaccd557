from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.metrics.figures import Span
from gridgov.regions.models import Region

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class Command(BaseCommand):
    help = (
        "生成月度考核报告：monthly --region CODE --month YYYY-MM --format xlsx|pdf [--output FILE]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", nargs="?", default="", help="报告类型，目前只有 monthly（月度）"
        )
        parser.add_argument("--region", default="", help="区划代码，例如 220283（舒兰市）")
        parser.add_argument("--month", default="", help="月份，例如 2026-10")
        parser.add_argument("--format", default="", help="xlsx 或 pdf")
        parser.add_argument(
            "--output", default="", help="输出文件（默认：当前目录下的 区划-年月-考核报告.格式）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gridgov.metrics.report import CONTENT_TYPES, build_monthly, filename_for, render

        if options["kind"] != "monthly":
            raise CommandError("报告类型应为 monthly，例如：report monthly --region 220283 ...")
        region = _region(options["region"])
        span = _month(options["month"])
        fmt = options["format"].strip().lower()
        if fmt not in CONTENT_TYPES:
            raise CommandError(f"--format 只能是 xlsx 或 pdf（收到 {options['format']!r}）")
        output = Path(options["output"] or filename_for(region, span, fmt))
        if not output.parent.is_dir():
            raise CommandError(f"输出目录 {output.parent} 不存在")
        started = time.perf_counter()
        data = render(build_monthly(region, span), fmt)
        _write(output, data)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"已生成 {region.name}{span.label}考核报告：{output}"
            f"（{len(data) / 1024:.0f} KB，用时 {seconds:.1f} 秒）"
        )


def _region(code: str) -> Region:
    from gridgov.regions import codes

    code = code.strip()
    if not code:
        raise CommandError("请用 --region 指定区划代码，例如 --region 220283")
    try:
        path = codes.path_from_code(code)
    except codes.CodeError as error:
        raise CommandError(f"--region：{error}") from error
    region = Region.objects.filter(path=path).first()
    if region is None:
        raise CommandError(f"找不到区划 {code}（请先导入区划）")
    return region


def _month(text: str) -> Span:
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(f"--month 应写成 年-月，例如 2026-10（收到 {text!r}）")
    return Span.month(int(match.group(1)), int(match.group(2)))


def _write(output: Path, data: bytes) -> None:
    """Write through a temporary file beside ``output``: a failure leaves no partial file."""
    handle, temporary = tempfile.mkstemp(prefix=".report-", dir=output.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
