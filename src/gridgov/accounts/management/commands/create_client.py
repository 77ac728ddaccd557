from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.accounts.tokens import create_integration_client, issue_token
from gridgov.regions import codes
from gridgov.regions.models import Region


class Command(BaseCommand):
    help = "登记接入系统（12345 热线、大屏、上级平台、Open311 客户端），打印其 API 密钥和访问令牌（只显示一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="编码，如 hotline")
        parser.add_argument("--name", required=True, help="名称，如“12345 政务服务便民热线”")
        parser.add_argument("--region", required=True, help="服务区域代码（县或乡镇）")
        parser.add_argument(
            "--channel",
            default="hotline",
            help="经它上报的案件记为哪个渠道（hotline、open311、department、video）",
        )
        parser.add_argument("--days", type=float, default=365, help="令牌有效天数")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = codes.path_from_code(options["region"])
        except codes.CodeError as exc:
            raise CommandError(str(exc)) from exc
        region = Region.objects.filter(path=path).first()
        if region is None:
            raise CommandError(f"没有区划 {options['region']}")
        try:
            new = create_integration_client(
                code=options["code"],
                name=options["name"],
                region=region,
                channel=options["channel"],
            )
        except ValidationError as exc:
            raise CommandError(
                "；".join(m for ms in exc.message_dict.values() for m in ms)
            ) from exc
        token = issue_token(name=f"{new.client.name}", client=new.client, days=options["days"])
        self.stdout.write(self.style.SUCCESS(f"已登记接入系统 {new.client.name}（{region.name}）"))
        self.stdout.write(f"Open311 api_key：{new.api_key}")
        self.stdout.write(f"API 令牌（Bearer）：{token.secret}")
        self.stdout.write("以上两项只显示这一次，请妥善保存。")
