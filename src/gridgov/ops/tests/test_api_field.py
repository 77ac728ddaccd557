"""Field work over the JSON API, as the phone uses it: the caller's own page (/ops/me), check-in
with the phone's position (a refused one is stored and returned as 201 accepted false), patrols
with their track points and the track as GeoJSON, workers on duty now, and patrol plans."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from django.utils import timezone

from gridgov.ops.models import CheckIn, Patrol, PatrolPlan, PatrolPoint
from gridgov.ops.tests.factories import GRID_A, GRID_B, point_in, point_outside
from gridgov.ops.tests.test_api_roster import (
    GRID_B_WORKER,
    OTHER_VILLAGE_OP,
    VILLAGE,
    api_as,
    demo_worker,
    fields_of,
    has_chinese,
)
from gridgov.testing import api_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(client):
    return api_as(client)


def _at(moment: dt.datetime) -> str:
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _position(lng: float, lat: float, **extra: Any) -> dict[str, Any]:
    return {"lng": lng, "lat": lat, "crs": "wgs84", "accuracy": 12.5, **extra}


# -- /ops/me and check-in --------------------------------------------------------------------


def test_me(as_, people):
    assert as_("leader").get("/me").status_code == 403  # not on the roster
    assert as_("village_op").get("/me").status_code == 403
    worker = demo_worker()
    body = as_("grid_worker").get("/me").json()
    assert body["worker"]["id"] == worker.pk and body["worker"]["phone_masked"] == "139****1771"
    assert body["worker"]["grids"][0]["path"] == GRID_A
    assert (body["today"], body["checkins"], body["checked_in"], body["open_patrol"]) == (
        timezone.localdate().isoformat(),
        [],
        False,
        None,
    )


def test_check_in_inside_outside_and_again(as_, people):
    worker = demo_worker()
    api = as_("grid_worker")
    lng, lat = point_in(GRID_A)
    # Bad input: the field named, a Chinese message, nothing stored.
    bad = [
        ({"kind": "on", **_position(200.0, lat)}, "lng"),
        ({"kind": "on", **_position(lng, -91.0)}, "lat"),
        ({"kind": "on", **_position(lng, lat, crs="bd09")}, "crs"),
        ({"kind": "on", **_position(lng, lat, accuracy=-1)}, "accuracy"),
        ({"kind": "on", **_position(lng, lat, client_id="x" * 65)}, "client_id"),
        ({"kind": "in", **_position(lng, lat)}, "kind"),
        ({"kind": "on", **_position(lng, lat, at="yesterday")}, "at"),
        (_position(lng, lat), "kind"),
    ]
    for values, field in bad:
        response = api.post("/checkins", values)
        assert response.status_code == 422, (field, response.content)
        assert has_chinese(fields_of(response)[field]), (field, fields_of(response))
    response = api.post("/checkins", {"kind": "on", "lng": "NaN", "lat": lat})
    assert response.status_code == 422 and "lng" in fields_of(response)
    late = timezone.now() + dt.timedelta(hours=1)
    response = api.post("/checkins", {"kind": "on", **_position(lng, lat, at=_at(late))})
    assert response.status_code == 400 and has_chinese(fields_of(response)["at"])
    assert CheckIn.objects.count() == 0
    # Wrong role: an account not on the roster.
    assert as_("leader").post("/checkins", {"kind": "on", **_position(lng, lat)}).status_code == 403
    # Outside the grid: 201, refused, stored as an anomaly with the distance.
    far_lng, far_lat = point_outside(GRID_A, 1000)
    response = api.post("/checkins", {"kind": "on", **_position(far_lng, far_lat)})
    assert response.status_code == 201, response.content
    refused = response.json()
    assert (refused["accepted"], refused["reason"], refused["reason_text"]) == (
        False,
        "outside",
        "不在网格内",
    )
    assert 800 < refused["distance_m"] < 1200 and "米" in refused["message"]
    assert refused["grid"]["path"] == GRID_A
    stored = CheckIn.objects.get(pk=refused["id"])
    assert (stored.accepted, stored.worker_id) == (False, worker.pk)
    # No position: refused, stored.
    response = api.post("/checkins", {"kind": "on", "lng": None, "lat": None})
    assert response.status_code == 201 and response.json()["reason"] == "no_position"
    # Inside: accepted; the same client id again is the same row.
    values = {"kind": "on", **_position(lng, lat, client_id="phone-1-0001")}
    response = api.post("/checkins", values)
    assert response.status_code == 201, response.content
    accepted = response.json()
    assert (accepted["accepted"], accepted["reason"], accepted["distance_m"]) == (True, "", 0.0)
    assert accepted["message"].startswith("签到成功") and accepted["kind_label"] == "上班签到"
    assert (accepted["lng"], accepted["lat"]) == (lng, lat)
    count = CheckIn.objects.count()
    again = api.post("/checkins", values)
    assert again.status_code == 201 and again.json()["id"] == accepted["id"]
    assert CheckIn.objects.count() == count == 3
    # GCJ-02 from a Chinese map SDK is converted back to WGS-84.
    gx, gy = _gcj(lng, lat)
    response = api.post("/checkins", {"kind": "off", **_position(gx, gy, crs="gcj02")})
    assert response.status_code == 201 and response.json()["accepted"] is True
    assert math.isclose(response.json()["lng"], lng, abs_tol=1e-5)
    assert math.isclose(response.json()["lat"], lat, abs_tol=1e-5)
    # /me shows today's attempts in order; checked out now.
    me = api.get("/me").json()
    assert [k["accepted"] for k in me["checkins"]] == [False, False, True, True]
    assert me["checked_in"] is False


def _gcj(lng: float, lat: float) -> tuple[float, float]:
    from gridgov.regions.geo import wgs84_to_gcj02_arrays

    x, y = wgs84_to_gcj02_arrays([lng], [lat])
    return float(x[0]), float(y[0])


def test_the_check_in_list(as_, people):
    from gridgov.ops import services

    worker = demo_worker()
    lng, lat = point_in(GRID_A)
    far = point_outside(GRID_A, 2000)
    user = people.grid_worker
    ok = services.check_in(actor=user, kind="on", lng=lng, lat=lat)
    refused = services.check_in(actor=user, kind="on", lng=far[0], lat=far[1])
    api = as_("village_op")
    rows = api.get("/checkins", region=VILLAGE).json()
    assert [k["id"] for k in rows["items"]] == [refused.pk, ok.pk]  # newest first
    assert [k["id"] for k in api.get("/checkins", anomalies=True).json()["items"]] == [refused.pk]
    assert [k["id"] for k in api.get("/checkins", worker=worker.pk).json()["items"]] == [
        refused.pk,
        ok.pk,
    ]
    today = timezone.localdate()
    assert len(api.get("/checkins", **{"from": today.isoformat()}).json()["items"]) == 2
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert api.get("/checkins", **{"from": tomorrow}).json()["items"] == []
    assert api.get("/checkins", **{"to": "2026-02-30"}).status_code == 422
    page = api.get("/checkins", limit=1).json()
    assert [k["id"] for k in page["items"]] == [refused.pk] and page["next"]
    page = api.get("/checkins", limit=1, cursor=page["next"]).json()
    assert [k["id"] for k in page["items"]] == [ok.pk] and page["next"] is None
    assert len(as_("grid_worker").get("/checkins").json()["items"]) == 2  # their own
    assert as_(GRID_B_WORKER).get("/checkins").json()["items"] == []
    assert as_(OTHER_VILLAGE_OP).get("/checkins").json()["items"] == []


# -- patrols ---------------------------------------------------------------------------------


def _walk(lng: float, lat: float, n: int, start: dt.datetime) -> list[dict[str, Any]]:
    """``n`` points 60 s apart walking north about 50 m a step from (lng, lat)."""
    return [
        {
            "seq": i,
            "at": _at(start + dt.timedelta(seconds=60 * i)),
            "lng": lng,
            "lat": lat + 0.00045 * i,
            "accuracy": 8,
        }
        for i in range(1, n + 1)
    ]


def test_a_patrol_from_start_to_track(as_, people):
    worker = demo_worker()
    api = as_("grid_worker")
    lng, lat = point_in(GRID_A)
    far = point_outside(GRID_A, 1500)
    started = timezone.now() - dt.timedelta(minutes=20)
    # Outside the grid: refused, nothing stored; bad input: 422 with the field.
    response = api.post("/patrols", _position(*far))
    assert response.status_code == 400 and has_chinese(fields_of(response)["position"])
    response = api.post("/patrols", _position(lng, 95.0))
    assert response.status_code == 422 and has_chinese(fields_of(response)["lat"])
    assert as_("leader").post("/patrols", _position(lng, lat)).status_code == 403
    assert Patrol.objects.count() == 0
    response = api.post("/patrols", _position(lng, lat, at=_at(started), client_id="p-1"))
    assert response.status_code == 201, response.content
    patrol = response.json()
    assert (patrol["state"], patrol["grid"]["path"], patrol["worker"]["id"]) == (
        "open",
        GRID_A,
        worker.pk,
    )
    assert patrol["point_count"] == 1  # the start is point 0
    again = api.post("/patrols", _position(lng, lat, at=_at(started), client_id="p-1"))
    assert again.status_code == 201 and again.json()["id"] == patrol["id"]
    response = api.post("/patrols", _position(lng, lat, client_id="p-2"))
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    assert Patrol.objects.count() == 1
    assert as_("grid_worker").get("/me").json()["open_patrol"]["id"] == patrol["id"]
    path = f"/patrols/{patrol['id']}"
    # Points: at most 500, each checked; a resend is counted, not stored.
    points = _walk(lng, lat, 5, started)
    too_many = [{**points[0], "seq": i} for i in range(501)]
    response = api.post(f"{path}/points", {"points": too_many})
    assert response.status_code == 422 and has_chinese(fields_of(response)["points"])
    response = api.post(f"{path}/points", {"points": [{**points[0], "lat": 91}]})
    assert response.status_code == 422 and has_chinese(fields_of(response)["points.0.lat"])
    response = api.post(f"{path}/points", {"points": [{**points[0], "seq": -1}]})
    assert response.status_code == 422 and "points.0.seq" in fields_of(response)
    response = api.post(f"{path}/points", {"crs": "bd09", "points": points})
    assert response.status_code == 422 and "crs" in fields_of(response)
    assert PatrolPoint.objects.count() == 1
    assert as_("leader").post(f"{path}/points", {"points": points}).status_code == 403
    assert as_(GRID_B_WORKER).post(f"{path}/points", {"points": points}).status_code == 404
    response = api.post(f"{path}/points", {"points": points})
    assert response.status_code == 200, response.content
    result = response.json()
    assert (result["stored"], result["duplicates"], result["dropped"], result["point_count"]) == (
        5,
        0,
        0,
        6,
    )
    assert 240 < result["distance_m"] < 260  # 5 steps of 0.00045° latitude ≈ 50 m
    response = api.post(f"{path}/points", {"points": points})
    assert response.json()["stored"] == 0 and response.json()["duplicates"] == 5
    assert PatrolPoint.objects.filter(patrol_id=patrol["id"]).count() == 6
    # Reading: the worker, the managers; not grid B's worker.
    assert as_("village_op").get(path).json()["point_count"] == 6
    assert as_(GRID_B_WORKER).get(path).status_code == 404
    listed = as_("county_op").get("/patrols", region=GRID_A, state="open").json()["items"]
    assert [p["id"] for p in listed] == [patrol["id"]]
    assert as_("county_op").get("/patrols", state="running").status_code == 422
    assert as_(GRID_B_WORKER).get("/patrols").json()["items"] == []
    # Stopping.
    stop = f"{path}/stop"
    assert as_("leader").post(stop, {"note": "x"}).status_code == 403
    assert as_(GRID_B_WORKER).post(stop, {}).status_code == 404
    assert api.post(stop, {"note": "x" * 501}).status_code == 422
    before_start = _at(started - dt.timedelta(minutes=5))
    response = api.post(stop, {"at": before_start})
    assert response.status_code == 400 and "at" in fields_of(response)
    stop_at = started + dt.timedelta(minutes=10)
    response = api.post(stop, {"at": _at(stop_at), "note": "巡查正常"})
    assert response.status_code == 200, response.content
    done = response.json()
    assert (done["state"], done["duration_s"], done["note"]) == ("stopped", 600, "巡查正常")
    assert 240 < done["distance_m"] < 260
    assert api.post(stop, {}).status_code == 409
    assert api.post(f"{path}/points", {"points": _walk(lng, lat, 1, stop_at)}).status_code == 409
    # The track: a LineString of every point and the grid's outline.
    track = api.get(f"{path}/track").json()
    assert track["type"] == "FeatureCollection"
    line, grid = track["features"]
    assert line["geometry"]["type"] == "LineString"
    assert line["geometry"]["coordinates"][0] == [lng, lat]
    assert len(line["geometry"]["coordinates"]) == 6
    props = line["properties"]
    assert (props["kind"], props["point_count"], props["duration_s"]) == ("track", 6, 600)
    assert props["distance_m"] == done["distance_m"]
    assert grid["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert grid["properties"]["path"] == GRID_A
    assert as_(GRID_B_WORKER).get(f"{path}/track").status_code == 404
    assert as_("village_op").get(f"{path}/track").status_code == 200
    assert api.get("/patrols/999999/track").status_code == 404


def test_a_gcj02_batch_and_a_manager_stopping(as_, people):
    demo_worker()
    api = as_("grid_worker")
    lng, lat = point_in(GRID_A)
    started = timezone.now() - dt.timedelta(minutes=10)
    patrol = api.post("/patrols", _position(*_gcj(lng, lat), crs="gcj02", at=_at(started))).json()
    stored = Patrol.objects.get(pk=patrol["id"])
    assert math.isclose(stored.last_lng or 0, lng, abs_tol=1e-5)
    points = [
        {**p, **dict(zip(("lng", "lat"), _gcj(p["lng"], p["lat"]), strict=True))}
        for p in _walk(lng, lat, 2, started)
    ]
    response = api.post(f"/patrols/{patrol['id']}/points", {"crs": "gcj02", "points": points})
    assert response.status_code == 200 and response.json()["stored"] == 2
    assert 80 < response.json()["distance_m"] < 120
    # A manager over the grid may close a patrol left open; one outside may not see it.
    assert as_(OTHER_VILLAGE_OP).post(f"/patrols/{patrol['id']}/stop", {}).status_code == 404
    response = as_("village_op").post(f"/patrols/{patrol['id']}/stop", {"note": "代为结束"})
    assert response.status_code == 200 and response.json()["state"] == "stopped"


# -- on duty now -----------------------------------------------------------------------------


def test_on_duty(as_, people):
    from gridgov.ops import services
    from gridgov.ops.tests.factories import make_worker

    worker = demo_worker()
    other = make_worker(grid_path=GRID_B, name="周网格")
    lng, lat = point_in(GRID_A)
    bx, by = point_in(GRID_B)
    assert as_("county_op").get("/on-duty").json()["features"] == []
    services.check_in(actor=people.grid_worker, kind="on", lng=lng, lat=lat)
    services.start_patrol(actor=other.user, lng=bx, lat=by)
    layer = as_("county_op").get("/on-duty", region=VILLAGE).json()
    assert layer["type"] == "FeatureCollection"
    by_id = {f["properties"]["worker_id"]: f for f in layer["features"]}
    assert set(by_id) == {worker.pk, other.pk}
    mine = by_id[worker.pk]
    assert mine["geometry"] == {"type": "Point", "coordinates": [lng, lat]}
    assert (mine["properties"]["status"], mine["properties"]["status_label"]) == (
        "checked_in",
        "已签到",
    )
    assert mine["properties"]["grid_path"] == GRID_A and mine["properties"]["name"] == "李网格"
    theirs = by_id[other.pk]["properties"]
    assert (theirs["status"], theirs["grid_path"]) == ("patrol", GRID_B)
    assert theirs["patrol_id"] == Patrol.objects.get(worker=other).pk
    assert layer["summary"] == {"region": VILLAGE, "total": 2, "patrol": 1, "checked_in": 1}
    only_a = as_("county_op").get("/on-duty", region=GRID_A).json()
    assert [f["properties"]["worker_id"] for f in only_a["features"]] == [worker.pk]
    # Checking out takes the worker off; outside the jurisdiction: 404 or nothing.
    services.check_in(actor=people.grid_worker, kind="off", lng=lng, lat=lat)
    layer = as_("county_op").get("/on-duty", region=VILLAGE).json()
    assert [f["properties"]["worker_id"] for f in layer["features"]] == [other.pk]
    assert as_(OTHER_VILLAGE_OP).get("/on-duty", region=VILLAGE).status_code == 404
    assert as_(OTHER_VILLAGE_OP).get("/on-duty").json()["features"] == []
    assert as_("county_op").get("/on-duty", region="abc").status_code == 422


# -- patrol plans ----------------------------------------------------------------------------


def test_plans(as_, people):
    values = {"grid": GRID_A, "times": 2, "period": "week", "min_minutes": 45, "note": "每周两次"}
    assert as_("leader").post("/plans", values).status_code == 403
    assert as_("grid_worker").post("/plans", values).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post("/plans", values).status_code == 404
    response = as_("village_op").post("/plans", {**values, "grid": VILLAGE})
    assert response.status_code == 400 and has_chinese(fields_of(response)["grid"])
    response = as_("village_op").post("/plans", {**values, "times": 0})
    assert response.status_code == 422 and "times" in fields_of(response)
    response = as_("village_op").post("/plans", {**values, "period": "daily"})
    assert response.status_code == 422 and has_chinese(fields_of(response)["period"])
    assert PatrolPlan.objects.count() == 0
    response = as_("village_op").post("/plans", values)
    assert response.status_code == 201, response.content
    plan = response.json()
    today = timezone.localdate().isoformat()
    assert (plan["grid"]["path"], plan["times"], plan["period_label"], plan["starts_on"]) == (
        GRID_A,
        2,
        "每周",
        today,
    )
    assert (plan["min_minutes"], plan["min_distance_m"], plan["current"]) == (45, 500, True)
    rows = as_("county_op").get("/plans", region=VILLAGE, current=True).json()["items"]
    assert [p["id"] for p in rows] == [plan["id"]]
    assert as_("county_op").get("/plans", region=GRID_B).json()["items"] == []
    assert as_(OTHER_VILLAGE_OP).get("/plans").json()["items"] == []
    assert [p["id"] for p in as_("grid_worker").get("/plans").json()["items"]] == [plan["id"]]
    end = f"/plans/{plan['id']}/end"
    assert as_("leader").post(end, {}).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post(end, {}).status_code == 404
    response = as_("village_op").post(end, {"ends_on": "2020-01-01"})
    assert response.status_code == 400 and "ends_on" in fields_of(response)
    response = as_("village_op").post(end, {})
    assert response.status_code == 200 and response.json()["ends_on"] == today
    assert as_("village_op").post(end, {}).status_code == 409
