from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.regions.locator import LocateError, OutsideJurisdiction, locate


class Command(BaseCommand):
    help = "把一个坐标定位到网格，并列出各级上级区划"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lng", type=float, help="经度")
        parser.add_argument("lat", type=float, help="纬度")
        parser.add_argument(
            "--crs",
            default="wgs84",
            choices=["wgs84", "gcj02"],
            help="坐标系：wgs84（GPS）或 gcj02（国内网络地图）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            location = locate(options["lng"], options["lat"], crs=options["crs"])
        except (LocateError, OutsideJurisdiction) as exc:
            raise CommandError(str(exc)) from exc
        for region in location.chain:
            self.stdout.write(f"{region.get_level_display():<8} {region.code:<18} {region.name}")
