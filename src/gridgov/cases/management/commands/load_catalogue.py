from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.cases.catalogue import load_default_catalogue
from gridgov.regions import codes
from gridgov.regions.models import Region


class Command(BaseCommand):
    help = "载入默认事项清单（8 个板块、70 余项事项），按简称匹配本县部门；已有事项不覆盖"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, metavar="CODE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = codes.path_from_code(options["county"])
        except codes.CodeError as exc:
            raise CommandError(str(exc)) from exc
        county = Region.objects.filter(path=path).first()
        if county is None:
            raise CommandError(f"没有区划 {options['county']}，请先 gridgov import-divisions")
        self.stdout.write(load_default_catalogue(county=county).summary())
