"""The big screen's layer of grid workers on duty now (在岗网格员): off by default (the screen is
unchanged), a switch beside the party layer, and its data through ``ops.selectors.on_duty``
within the screen's region and the viewer's jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.ops import choices as c
from gridgov.ops import services
from gridgov.ops.models import Worker
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, point_in
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
COUNTY = "220283"
TOWNSHIP = "220283001"


def other_township_grid() -> str:
    grid = (
        Region.objects.filter(level="grid", path__startswith=COUNTY)
        .exclude(path__startswith=TOWNSHIP)
        .exclude(geometry=None)
        .order_by("path")
        .first()
    )
    assert grid is not None
    return grid.path


def check(worker: Worker, kind: str) -> None:
    lng, lat = point_in(worker.assignments.get().region_path)
    done = services.check_in(actor=worker.user, kind=kind, lng=lng, lat=lat)
    assert done.accepted


@pytest.fixture
def duty() -> dict[str, Worker]:
    """In the township: 甲 checked in on GRID_A, 乙 patrolling GRID_B, 丙 checked in and out
    (off duty), 丁 never came; 戊 checked in in another township."""
    a = make_worker(grid_path=GRID_A, name="甲")
    b = make_worker(grid_path=GRID_B, name="乙", kind=c.WorkerKind.GRID_CHIEF)
    off = make_worker(grid_path=GRID_A, name="丙")
    make_worker(grid_path=GRID_B, name="丁")
    far = make_worker(grid_path=other_township_grid(), name="戊")
    check(a, c.CheckInKind.ON)
    check(off, c.CheckInKind.ON)
    check(off, c.CheckInKind.OFF)
    check(far, c.CheckInKind.ON)
    lng, lat = point_in(GRID_B)
    services.start_patrol(actor=b.user, lng=lng, lat=lat)
    return {"a": a, "b": b, "far": far}


def as_user(client: Client, username: str) -> Client:
    client.force_login(User.objects.get(username=username))
    return client


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["properties"]["name"]: f for f in data["features"]}


def test_the_screen_offers_the_layer_switched_off(client: Client) -> None:
    response = as_user(client, "leader").get(reverse("screen-region", args=[COUNTY]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-layer="workers" aria-pressed="false"' in page
    assert '<div class="workers-legend" id="workers-legend" hidden></div>' in page
    config = response.context["config"]
    assert (
        config["workersUrl"]
        == reverse("screen-workers", args=[COUNTY])
        == (f"/screen/{COUNTY}/workers.json")
    )
    assert config["labels"]["workers"]["status"] == {"checked_in": "签到在岗", "patrol": "巡查中"}
    # The party layer and the map controls are all still there, the party switch first.
    assert page.index('data-layer="party"') < page.index('data-layer="workers"')
    assert '<div class="party-summary" id="party-summary" hidden></div>' in page
    assert 'data-mode="open" class="on"' in page and 'data-mode="share"' in page


def test_the_layer_lists_the_workers_on_duty_in_the_region(
    client: Client, duty: dict[str, Worker]
) -> None:
    as_user(client, "leader")
    data = client.get(reverse("screen-workers", args=[TOWNSHIP])).json()
    assert data["type"] == "FeatureCollection"
    rows = by_name(data)
    assert set(rows) == {"甲", "乙"}  # 丙 checked out, 丁 never came, 戊 elsewhere
    a = rows["甲"]
    assert a["geometry"]["type"] == "Point"
    assert a["geometry"]["coordinates"] == pytest.approx(list(point_in(GRID_A)))
    assert a["properties"]["status"] == "checked_in"
    assert a["properties"]["status_label"] == "签到在岗"
    assert a["properties"]["grid"] == Region.objects.get(path=GRID_A).name
    assert a["properties"]["grid_path"] == GRID_A
    assert a["properties"]["kind_label"] == "专职网格员"
    since = dt.datetime.fromisoformat(a["properties"]["since"])
    assert since == duty["a"].checkins.get().at
    assert a["properties"]["since_text"] == timezone.localtime(since).strftime("%H:%M")
    b = rows["乙"]
    assert b["properties"]["status"] == "patrol" and b["properties"]["status_label"] == "巡查中"
    assert b["properties"]["kind_label"] == "网格长"
    assert b["geometry"]["coordinates"] == pytest.approx(list(point_in(GRID_B)))
    assert data["summary"] == {"total": 2, "patrol": 1, "checked_in": 1}
    # The county holds the other township's worker too.
    county = by_name(client.get(reverse("screen-workers", args=[COUNTY])).json())
    assert set(county) == {"甲", "乙", "戊"}
    # A grid: only its own.
    assert set(by_name(client.get(reverse("screen-workers", args=[GRID_B])).json())) == {"乙"}


def test_the_layer_follows_the_viewers_jurisdiction(
    client: Client, duty: dict[str, Worker]
) -> None:
    as_user(client, "grid_worker")  # a post on GRID_A only
    data = client.get(reverse("screen-workers", args=[GRID_A])).json()
    assert set(by_name(data)) == {"甲"}
    assert client.get(reverse("screen-workers", args=[GRID_B])).status_code == 404
    assert client.get(reverse("screen-workers", args=[TOWNSHIP])).status_code == 404
    assert client.get(reverse("screen-workers", args=["999999"])).status_code == 404


def test_an_empty_region_has_an_empty_layer(client: Client) -> None:
    data = as_user(client, "leader").get(reverse("screen-workers", args=[COUNTY])).json()
    assert data == {
        "type": "FeatureCollection",
        "features": [],
        "summary": {"total": 0, "patrol": 0, "checked_in": 0},
    }


def test_anonymous_gets_no_layer(client: Client) -> None:
    response = client.get(reverse("screen-workers", args=[COUNTY]))
    assert response.status_code == 302 and "/login/" in response["Location"]
