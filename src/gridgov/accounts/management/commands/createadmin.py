from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.accounts.services import create_system_admin


class Command(BaseCommand):
    help = "创建系统管理员账号（可登录后台，辖区为全部区划）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument(
            "--password", help="不给出则交互输入；也可用环境变量 GRIDGOV_ADMIN_PASSWORD"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import os

        password = options["password"] or os.environ.get("GRIDGOV_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("密码：")
            if password != getpass.getpass("再次输入密码："):
                raise CommandError("两次输入的密码不一致")
        try:
            user = create_system_admin(
                username=options["username"], full_name=options["full_name"], password=password
            )
        except ValidationError as exc:
            raise CommandError(
                "；".join(f"{field}: {'，'.join(msgs)}" for field, msgs in exc.message_dict.items())
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建系统管理员 {user.username}"))
