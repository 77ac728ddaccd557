"""Case fixtures shared by every test package (registered by the root conftest)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import shape

from gridgov.accounts.models import Department, User
from gridgov.cases.models import Board, Item
from gridgov.cases.services import publish_item_version, submit_case
from gridgov.regions.models import Region

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # Monday morning
GRID_A = "220283001001001"
GRID_B = "220283001001002"
VILLAGE = "220283001001"
TOWNSHIP = "220283001"
COUNTY = "220283"


@pytest.fixture
def item(db):
    board = Board.objects.create(code="TST", name="测试板块", sort_order=99)
    item = Item.objects.create(
        code="T-001",
        name="路灯损坏",
        board=board,
        level="village",
        department=Department.objects.get(short_name="城管局"),
        difficulty="simple",
        sign_amount=2,
        sign_unit="working_hours",
        handle_amount=5,
        handle_unit="working_days",
        verify_amount=1,
        verify_unit="working_days",
    )
    publish_item_version(item=item)
    return item


@pytest.fixture
def township_item(item):
    township = Item.objects.create(
        code="T-002",
        name="占道经营",
        board=item.board,
        level="township",
        department=Department.objects.get(short_name="城管局"),
        difficulty="ordinary",
        sign_amount=2,
        sign_unit="working_hours",
        handle_amount=3,
        handle_unit="working_days",
        verify_amount=1,
        verify_unit="working_days",
    )
    publish_item_version(item=township)
    return township


class People:
    def __getattr__(self, username: str) -> User:
        return User.objects.get(username=username)

    def grid_worker_of(self, path: str) -> User:
        return User.objects.filter(posts__region__path=path, posts__role="grid_worker").first()


@pytest.fixture
def people(db):
    return People()


def point_in(path: str) -> tuple[float, float]:
    p = shape(Region.objects.get(path=path).geometry).representative_point()
    return p.x, p.y


@pytest.fixture
def report(item, people):
    """Submit a case as grid worker A's patrol, at T0 unless told otherwise."""

    def _report(*, at=T0, user=None, path=GRID_A, item_=None, **kwargs):
        lng, lat = point_in(path)
        fields = {
            "channel": "patrol",
            "title": "育才社区路灯不亮",
            "description": "滨河小区门口三盏路灯连续三天不亮，晚上出行不便。",
            "item": item_ or item,
            "lng": lng,
            "lat": lat,
            "reporter_name": "张大爷",
            "reporter_phone": "13804321234",
        }
        fields.update(kwargs)
        return submit_case(user=user or people.grid_worker, at=at, **fields)

    return _report
