from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "启动服务（waitress，多线程 WSGI；静态文件由 WhiteNoise 提供）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="不收集静态文件（已收集过时使用）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        # Imported after collectstatic: WhiteNoise indexes the static folder when it starts.
        from gridgov.wsgi import application

        self.stdout.write(
            f"gridgov 正在运行：http://{options['host']}:{options['port']}/ "
            f"（数据库 {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}；Ctrl+C 停止）"
        )
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            ident="gridgov",
        )
