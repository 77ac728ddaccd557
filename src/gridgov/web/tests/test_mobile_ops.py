"""网格通 · 考勤巡查 (/m/ops/): the pages render for a worker with what the script needs, a user
without a roster entry gets a clear page, login is required, and no clear phone is shown."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.ops import choices as c
from gridgov.ops import services
from gridgov.ops.models import Worker
from gridgov.ops.tests.factories import (
    GRID_A,
    GRID_B,
    make_worker,
    point_in,
    point_outside,
    region,
)

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
PAGES = ("mobile-ops", "mobile-ops-patrol", "mobile-ops-month")


def user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def worker() -> Worker:
    """The demo grid worker on the roster, main grid GRID_A and a second grid GRID_B, with a
    phone stored protected."""
    entry = make_worker(user=user("grid_worker"), name="李网格")
    services.assign(
        actor=user("admin"),
        worker=entry,
        grid=region(GRID_B),
        starts_on=dt.date(2025, 3, 1),
        is_main=False,
    )
    entry.refresh_from_db()
    return services.update_worker(
        actor=user("admin"), worker=entry, version=entry.version, phone=PHONE
    )


def as_user(client: Client, username: str) -> Client:
    client.force_login(user(username))
    return client


def config(response: Any) -> dict[str, Any]:
    page = response.content.decode()
    start = page.index('<script id="ops-config" type="application/json">') + len(
        '<script id="ops-config" type="application/json">'
    )
    return dict(json.loads(page[start : page.index("</script>", start)]))


def test_today_page_renders_for_a_worker(client: Client, worker: Worker) -> None:
    response = as_user(client, "grid_worker").get(reverse("mobile-ops"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "李网格" in page and "专职网格员" in page
    for label in ("上班签到", "下班签退", "开始巡查", "今日考勤"):
        assert label in page
    # The grids: main first, then the second one, each with its outline for the map.
    data = config(response)
    assert [g["path"] for g in data["grids"]] == [GRID_A, GRID_B]
    assert data["grids"][0]["name"] == region(GRID_A).name
    outlines = response.context["geojson"]["features"]
    assert [f["properties"]["path"] for f in outlines] == [GRID_A, GRID_B]
    assert outlines[0]["geometry"] == region(GRID_A).geometry
    # What the script calls: the JSON API and the other pages.
    assert data["page"] == "today"
    assert data["user"] == user("grid_worker").pk
    assert data["api"]["checkins"] == "/api/v1/ops/checkins"
    assert data["api"]["points"] == "/api/v1/ops/patrols/ID/points"
    assert data["api"]["me"] == "/api/v1/ops/me"
    assert data["pages"] == {
        "today": "/m/ops/",
        "patrol": "/m/ops/patrol/",
        "month": "/m/ops/month/",
        "report": "/m/report/",
    }
    assert data["messages"]["queued"] == "已保存，联网后自动提交"
    assert data["messages"]["kinds"] == {"on": "上班签到", "off": "下班签退"}
    assert "gridgov/mobile/ops.js" in page and "vendor/leaflet/leaflet.js" in page


def test_patrol_page_links_to_the_report_page(client: Client, worker: Worker) -> None:
    response = as_user(client, "grid_worker").get(reverse("mobile-ops-patrol"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "巡查中上报事件" in page and 'href="/m/report/"' in page
    assert 'id="patrol-map"' in page and "结束巡查" in page
    assert config(response)["page"] == "patrol"


def test_month_page_moves_by_month_and_never_past_this_month(
    client: Client, worker: Worker
) -> None:
    as_user(client, "grid_worker")
    today = timezone.localdate()
    response = client.get(reverse("mobile-ops-month"), {"period": "2026-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年1月" in page
    assert 'href="?period=2025-12"' in page
    assert config(response)["period"] == "2026-01"
    assert config(response)["api"]["figures"] == "/api/v1/ops/me/figures"
    if today >= dt.date(2026, 2, 1):
        assert 'href="?period=2026-02"' in page
    this_month = f"{today.year}-{today.month:02d}"
    for asked in ("2099-12", "nonsense", "2026", "2026-01-05", ""):
        response = client.get(reverse("mobile-ops-month"), {"period": asked})
        assert config(response)["period"] == this_month, asked
        assert 'id="month-next"' not in response.content.decode()  # nothing after this month
    response = client.get(reverse("mobile-ops-month"), {"period": "2025-12"})
    assert 'href="?period=2025-11"' in response.content.decode()
    assert 'href="?period=2026-01"' in response.content.decode()
    # nothing before the month the worker was hired: no way back, earlier months shown as it
    hired = f"{worker.hired_on:%Y-%m}"
    before = f"{worker.hired_on.year - 1}-{worker.hired_on.month:02d}"
    for asked in (hired, before):
        response = client.get(reverse("mobile-ops-month"), {"period": asked})
        assert config(response)["period"] == hired, asked
        assert 'id="month-prev"' not in response.content.decode()


def test_no_clear_phone_on_any_page(client: Client, worker: Worker) -> None:
    worker.refresh_from_db()
    assert worker.phone_masked and worker.phone_masked != PHONE
    as_user(client, "grid_worker")
    for name in PAGES:
        page = client.get(reverse(name)).content.decode()
        assert PHONE not in page and PHONE[-4:] + "<" not in page, name


@pytest.mark.parametrize("name", PAGES)
def test_a_user_without_a_roster_entry_gets_a_clear_page(client: Client, name: str) -> None:
    response = as_user(client, "village_op").get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "您不在网格力量花名册中" in page
    assert "ops-config" not in page and "上班签到" not in page
    # The grid worker too, before they are put on the roster.
    response = as_user(client, "grid_worker").get(reverse(name))
    assert "您不在网格力量花名册中" in response.content.decode()


def test_a_worker_who_left_is_not_on_the_roster(client: Client, worker: Worker) -> None:
    Worker.objects.filter(pk=worker.pk).update(state=c.WorkerState.LEFT)
    page = as_user(client, "grid_worker").get(reverse("mobile-ops")).content.decode()
    assert "您不在网格力量花名册中" in page


def test_a_worker_without_a_grid_cannot_check_in(client: Client) -> None:
    make_worker(user=user("grid_worker"), assign=False)
    response = as_user(client, "grid_worker").get(reverse("mobile-ops"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "您尚未分配网格" in page
    assert config(response)["grids"] == []
    assert 'id="check-on" data-kind="on" disabled' in page


@pytest.mark.parametrize("name", PAGES)
def test_login_required(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_only_get(client: Client, worker: Worker) -> None:
    assert as_user(client, "grid_worker").post(reverse("mobile-ops")).status_code == 405


def test_home_links_to_the_ops_pages(client: Client) -> None:
    page = as_user(client, "grid_worker").get(reverse("mobile-home")).content.decode()
    assert 'href="/m/ops/"' in page and "考勤签到 · 网格巡查" in page


def test_the_service_worker_keeps_the_ops_pages_and_assets(client: Client) -> None:
    script = client.get(reverse("mobile-sw")).content.decode()
    assert '"/static/gridgov/mobile/ops.js"' in script
    assert '"/static/gridgov/mobile/ops.css"' in script
    assert '["/m/ops/", "/m/ops/patrol/", "/m/ops/month/"]' in script
    assert "{%" not in script and "{{" not in script


def test_the_api_answers_the_calls_the_script_makes(worker: Worker) -> None:
    """The requests of ``ops.js`` as it sends them (session cookie, CSRF header, the bodies'
    exact shape, times from ``Date.toISOString``) and the fields it reads from the answers."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("grid_worker"))
    data = config(client.get(reverse("mobile-ops")))
    token = client.cookies["csrftoken"].value
    api = data["api"]

    def post(url: str, body: dict[str, Any]) -> Any:
        return client.post(
            url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token
        )

    def iso(moment: dt.datetime) -> str:  # as Date.prototype.toISOString writes it
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "123Z"

    inside = point_in(GRID_A)
    far = point_outside(GRID_A, 3000)
    # 上班签到 inside the grid.
    body = {"lng": inside[0], "lat": inside[1], "crs": "wgs84", "accuracy": 12.5}
    response = post(api["checkins"], {**body, "kind": "on", "client_id": "c-1"})
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["accepted"] is True and row["kind"] == "on"
    assert row["grid"]["name"] == region(GRID_A).name and row["at"]
    # The same client id again (a resend) is the same check-in.
    again = post(api["checkins"], {**body, "kind": "on", "client_id": "c-1"}).json()
    assert again["id"] == row["id"]
    # 下班签退 3 km away: stored as refused, with the distance in the message.
    response = post(
        api["checkins"],
        {
            "lng": far[0],
            "lat": far[1],
            "crs": "wgs84",
            "accuracy": 10,
            "kind": "off",
            "client_id": "c-2",
        },
    )
    assert response.status_code == 201
    refused = response.json()
    assert refused["accepted"] is False and refused["reason"] == "outside"
    assert "不在网格内：距网格边界约" in refused["message"]
    # (to the nearer of the worker's two grids: GRID_B lies next to GRID_A)
    assert 1000 < refused["distance_m"] <= 3000
    assert f"约 {round(refused['distance_m']):,} 米" in refused["message"]
    # A check-in kept offline goes out later with its own time.
    # (20 minutes ago, or half the time since local midnight just after it: still today)
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    kept_at = max(now - dt.timedelta(minutes=20), midnight + (now - midnight) / 2)
    response = post(
        api["checkins"], {**body, "kind": "off", "client_id": "c-3", "at": iso(kept_at)}
    )
    assert response.status_code == 201
    assert abs(dt.datetime.fromisoformat(response.json()["at"]) - kept_at) < dt.timedelta(seconds=1)
    me = client.get(api["me"]).json()
    assert [(k["kind"], k["accepted"]) for k in me["checkins"]] == [
        ("off", True),  # the one kept offline, earlier today, comes first
        ("on", True),
        ("off", False),
    ]
    assert me["today"] == timezone.localdate().isoformat()
    assert me["open_patrol"] is None

    # A patrol: refused far away (the field's message), started inside.
    response = post(
        api["patrols"],
        {"lng": far[0], "lat": far[1], "crs": "wgs84", "accuracy": 10, "client_id": "p-0"},
    )
    assert response.status_code in (400, 422)
    fields = response.json()["error"]["fields"]
    assert "不在网格内" in " ".join(fields["position"])
    # (started offline five minutes ago: the start goes out with its own time)
    begun = timezone.now() - dt.timedelta(minutes=5)
    response = post(api["patrols"], {**body, "client_id": "p-1", "at": iso(begun)})
    assert response.status_code == 201, response.content
    patrol = response.json()
    assert patrol["grid"]["path"] == GRID_A and patrol["point_count"] == 1
    started = dt.datetime.fromisoformat(patrol["started_at"])
    assert abs(started - begun) < dt.timedelta(seconds=1)
    assert client.get(api["me"]).json()["open_patrol"]["id"] == patrol["id"]
    # Points 1 and 2 (about 100 m apart, 60 s), then the same batch again.
    points = [
        {
            "seq": 1,
            "at": iso(started + dt.timedelta(seconds=30)),
            "lng": inside[0],
            "lat": inside[1],
            "accuracy": 8,
        },
        {
            "seq": 2,
            "at": iso(started + dt.timedelta(seconds=90)),
            "lng": inside[0],
            "lat": inside[1] + 0.0009,
            "accuracy": 8,
        },
    ]
    url = api["points"].replace("ID", str(patrol["id"]))
    sent = post(url, {"crs": "wgs84", "points": points}).json()
    assert sent["stored"] == 2 and sent["point_count"] == 3
    assert 95 < sent["distance_m"] < 105
    resent = post(url, {"crs": "wgs84", "points": points}).json()
    assert resent["stored"] == 0 and resent["duplicates"] == 2 and resent["point_count"] == 3
    track = client.get(api["track"].replace("ID", str(patrol["id"]))).json()
    line = next(f for f in track["features"] if f["properties"]["kind"] == "track")
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) == 3
    # 结束巡查 with a note.
    stop = api["stop"].replace("ID", str(patrol["id"]))
    response = post(stop, {"at": iso(started + dt.timedelta(seconds=120)), "note": "一切正常"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "stopped" and response.json()["note"] == "一切正常"
    assert response.json()["duration_s"] > 0
    assert post(stop, {"at": None, "note": ""}).status_code == 409  # stopped already
    assert client.get(api["me"]).json()["open_patrol"] is None

    # My month's figures: what the month page lists.
    period = f"{timezone.localdate():%Y-%m}"
    figures = client.get(api["figures"], {"period": period}).json()
    assert figures["values"] and {"key", "name", "text", "kind"} <= set(figures["values"][0])
