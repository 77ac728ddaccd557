"""Patrols (巡查) and their tracks, patrol plans, the sweep, and cases linked to a patrol."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.cases.services import submit_case
from gridgov.ops import choices as c
from gridgov.ops import services
from gridgov.ops.errors import OpsConflict
from gridgov.ops.ingest import PointIn
from gridgov.ops.models import Patrol, PatrolPlan, PatrolPoint
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, point_in, region
from gridgov.regions.geo import wgs84_to_gcj02_arrays
from gridgov.regions.models import Region
from gridgov.testing import square, staff

pytestmark = pytest.mark.django_db

LNG0, LAT0, SIZE = 127.07, 44.33, 0.01
MID = (LNG0 + SIZE / 2, LAT0 + SIZE / 2)
R = 6_371_008.8
MIN = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
OTHER_TOWNSHIP = "220283002"


def meridian_m(dlat_deg: float) -> float:
    """Haversine by hand for two points on one meridian: R·Δφ."""
    return R * math.radians(dlat_deg)


@pytest.fixture
def worker():
    Region.objects.filter(path=GRID_A).update(geometry=square(LNG0, LAT0, SIZE))
    return make_worker()


def start(worker, *, at=None, **kwargs):
    values = {"lng": MID[0], "lat": MID[1], "accuracy": 8.0}
    values.update(kwargs)
    return services.start_patrol(actor=worker.user, at=at, **values)


def pts(t0, *coords, first=1, step=MIN):
    return [
        PointIn(seq=first + i, at=t0 + step * (i + 1), lng=x, lat=y)
        for i, (x, y) in enumerate(coords)
    ]


def test_start_stores_point_zero(worker):
    at = timezone.now() - 10 * MIN
    patrol = start(worker, at=at, client_id="p-1")
    assert patrol.state == c.PatrolState.OPEN and patrol.grid.path == GRID_A
    assert patrol.region_path == GRID_A and patrol.started_at == at
    assert patrol.day == timezone.localdate(at)
    assert (patrol.point_count, patrol.last_seq, patrol.distance_m) == (1, 0, 0.0)
    point = PatrolPoint.objects.get(patrol=patrol)
    assert (point.seq, point.at, point.lng, point.lat, point.accuracy) == (0, at, *MID, 8.0)
    assert services.open_patrol_of(worker.user) == patrol
    # the same client id returns it; another start is a conflict
    assert start(worker, client_id="p-1").pk == patrol.pk
    with pytest.raises(OpsConflict, match="已有进行中的巡查"):
        start(worker, client_id="p-2")
    assert Patrol.objects.filter(worker=worker).count() == 1


def test_start_outside_or_without_position_is_refused(worker):
    lng = LNG0 + SIZE + 1000 / (R * math.pi / 180 * math.cos(math.radians(MID[1])))
    before = (Patrol.objects.count(), PatrolPoint.objects.count())
    with pytest.raises(ValidationError) as info:
        start(worker, lng=lng, lat=MID[1])
    assert info.value.message_dict == {
        "position": ["不在网格内：距网格边界约 1,000 米（允许 200 米）"]
    }
    with pytest.raises(ValidationError) as info:
        start(worker, lng=None, lat=None)
    assert info.value.message_dict == {"position": ["未获取到位置，请打开定位后重试"]}
    with pytest.raises(ValidationError) as info:
        start(worker, accuracy=900)
    assert info.value.message_dict == {"position": ["定位精度约 900 米，超过允许的 500 米"]}
    with pytest.raises(ValidationError) as info:
        start(worker, lng="x")
    assert "lng" in info.value.message_dict
    assert (Patrol.objects.count(), PatrolPoint.objects.count()) == before
    assert services.open_patrol_of(worker.user) is None


def test_only_roster_members_patrol(people):
    with pytest.raises(PermissionDenied):
        services.start_patrol(actor=people.grid_worker, lng=MID[0], lat=MID[1])


def test_track_distance_jump_and_resend(worker):
    t0 = timezone.now() - 30 * MIN
    patrol = start(worker, at=t0)
    lng, lat = MID
    batch = pts(t0, (lng, lat + 0.001), (lng, lat + 0.002))  # seq 1, 2 along the meridian
    result = services.add_points(actor=worker.user, patrol=patrol, points=batch)
    assert (result.stored, result.duplicates, result.dropped, result.point_count) == (2, 0, 0, 3)
    assert abs(result.distance_m - 2 * meridian_m(0.001)) < 0.5  # 2 × 111.2 m
    # seq 3 is 4 km east one minute later (240 km/h): dropped; seq 4 walks on
    jump = [
        PointIn(seq=3, at=t0 + 3 * MIN, lng=lng + 0.05, lat=lat + 0.002),
        PointIn(seq=4, at=t0 + 4 * MIN, lng=lng, lat=lat + 0.003),
    ]
    result = services.add_points(actor=worker.user, patrol=patrol, points=jump)
    assert (result.stored, result.dropped, result.point_count) == (1, 1, 4)
    assert abs(result.distance_m - 3 * meridian_m(0.001)) < 0.5
    # the first batch sent again: stored once
    again = services.add_points(actor=worker.user, patrol=patrol, points=batch)
    assert (again.stored, again.duplicates, again.point_count) == (0, 2, 4)
    assert abs(again.distance_m - 3 * meridian_m(0.001)) < 0.5
    assert list(PatrolPoint.objects.filter(patrol=patrol).values_list("seq", flat=True)) == [
        0,
        1,
        2,
        4,
    ]
    stopped = services.stop_patrol(
        actor=worker.user, patrol=patrol, at=t0 + 10 * MIN, note="沿河巡查一圈，未见异常"
    )
    assert stopped.state == c.PatrolState.STOPPED and stopped.note == "沿河巡查一圈，未见异常"
    assert abs(stopped.distance_m - 3 * meridian_m(0.001)) < 0.5
    assert stopped.stopped_at == t0 + 10 * MIN and stopped.duration_s == 600
    with pytest.raises(OpsConflict):
        services.add_points(actor=worker.user, patrol=patrol, points=pts(t0, MID, first=5))
    with pytest.raises(OpsConflict):
        services.stop_patrol(actor=worker.user, patrol=patrol)


def test_gcj02_points_are_stored_in_wgs84(worker):
    t0 = timezone.now() - 5 * MIN
    patrol = start(worker, at=t0)
    lng, lat = MID[0], MID[1] + 0.001
    gx, gy = wgs84_to_gcj02_arrays([lng], [lat])
    point = PointIn(seq=1, at=t0 + MIN, lng=float(gx[0]), lat=float(gy[0]))
    services.add_points(actor=worker.user, patrol=patrol, points=[point], crs="gcj02")
    stored = PatrolPoint.objects.get(patrol=patrol, seq=1)
    assert stored.lng == pytest.approx(lng, abs=1e-6) and stored.lat == pytest.approx(lat, abs=1e-6)


def test_bad_batches_store_nothing(worker, people):
    t0 = timezone.now() - 5 * MIN
    patrol = start(worker, at=t0)
    many = [PointIn(seq=i, at=t0 + MIN, lng=MID[0], lat=MID[1]) for i in range(1, 502)]
    with pytest.raises(ValidationError) as info:
        services.add_points(actor=worker.user, patrol=patrol, points=many)
    assert "points" in info.value.message_dict
    bad = [*pts(t0, MID), PointIn(seq=2, at=t0 + 2 * MIN, lng=190.0, lat=MID[1])]
    with pytest.raises(ValidationError) as info:
        services.add_points(actor=worker.user, patrol=patrol, points=bad)
    assert info.value.message_dict == {"points": ["第 2 个轨迹点无效"]}
    with pytest.raises(ValidationError) as info:
        services.add_points(actor=worker.user, patrol=patrol, points=pts(t0, MID), crs="bd09")
    assert "crs" in info.value.message_dict
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 1
    # not one's own patrol: a colleague on the grid sees it but may not add; a manager neither
    colleague = make_worker()
    with pytest.raises(PermissionDenied):
        services.add_points(actor=colleague.user, patrol=patrol, points=pts(t0, MID))
    with pytest.raises(PermissionDenied):
        services.add_points(actor=people.village_op, patrol=patrol, points=pts(t0, MID))
    outsider = staff(Role.TOWNSHIP_OPERATOR, region=region(OTHER_TOWNSHIP))
    with pytest.raises(Http404):
        services.add_points(actor=outsider, patrol=patrol, points=pts(t0, MID))
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 1


def test_stop_checks(worker, people):
    t0 = timezone.now() - 20 * MIN
    patrol = start(worker, at=t0)
    services.add_points(actor=worker.user, patrol=patrol, points=pts(t0, MID, step=5 * MIN))
    for at, note in [
        (t0 + 2 * MIN, ""),  # before the last point (t0 + 5 min)
        (timezone.now() + 10 * MIN, ""),
        (None, "很" * 501),
    ]:
        with pytest.raises(ValidationError):
            services.stop_patrol(actor=worker.user, patrol=patrol, at=at, note=note)
    assert Patrol.objects.get(pk=patrol.pk).state == c.PatrolState.OPEN
    outsider = staff(Role.TOWNSHIP_OPERATOR, region=region(OTHER_TOWNSHIP))
    with pytest.raises(Http404):
        services.stop_patrol(actor=outsider, patrol=patrol)
    done = services.stop_patrol(actor=people.village_op, patrol=patrol, at=t0 + 6 * MIN)
    assert done.state == c.PatrolState.STOPPED and done.duration_s == 360
    assert services.open_patrol_of(worker.user) is None


def test_sweep_closes_stale_patrols(worker):
    now = timezone.now()
    stale = start(worker, at=now - 10 * H)
    services.add_points(
        actor=worker.user,
        patrol=stale,
        points=[PointIn(seq=1, at=now - 9 * H, lng=MID[0], lat=MID[1] + 0.001)],
    )
    quiet_worker = make_worker()
    quiet = Patrol.objects.create(  # no points at all
        worker=quiet_worker,
        grid=region(GRID_A),
        region_path=GRID_A,
        started_at=now - 9 * H,
        day=timezone.localdate(now - 9 * H),
    )
    fresh_worker = make_worker()
    fresh = start(fresh_worker, at=now - 7 * H)
    out = io.StringIO()
    call_command("sweep", now=now.isoformat(), stdout=out)
    assert "超时巡查自动结束 2 次" in out.getvalue()
    stale.refresh_from_db()
    assert stale.state == c.PatrolState.AUTO_CLOSED and stale.stopped_at == now - 9 * H
    assert stale.duration_s == 3600 and abs(stale.distance_m - meridian_m(0.001)) < 0.5
    quiet.refresh_from_db()
    assert quiet.state == c.PatrolState.AUTO_CLOSED and quiet.stopped_at == now - H
    assert quiet.duration_s == 8 * 3600
    fresh.refresh_from_db()
    assert fresh.state == c.PatrolState.OPEN
    assert services.close_stale_patrols(now=now) == 0
    with override_settings(GRIDGOV_PATROL_MAX_HOURS=6):
        assert services.close_stale_patrols(now=now) == 1


def test_a_case_reported_on_patrol_is_linked(item):
    # the demo outline of GRID_A here: the case engine caches the grids' outlines per process
    worker = make_worker()
    lng, lat = point_in(GRID_A)
    fields = {
        "channel": "patrol",
        "title": "路灯不亮",
        "description": "滨河小区门口三盏路灯连续三天不亮。",
        "item": item,
        "lng": lng,
        "lat": lat,
    }
    before = submit_case(user=worker.user, **fields)
    assert before.patrol is None
    patrol = services.start_patrol(actor=worker.user, lng=lng, lat=lat)
    during = submit_case(user=worker.user, **fields)
    assert during.patrol == patrol
    other = make_worker()
    assert submit_case(user=other.user, **fields).patrol is None
    services.stop_patrol(actor=worker.user, patrol=patrol)
    assert submit_case(user=worker.user, **fields).patrol is None
    assert list(patrol.cases.all()) == [during]


# -- plans -----------------------------------------------------------------------------------


def plan(actor, **kwargs):
    values = {
        "grid": region(GRID_A),
        "times": 1,
        "period": c.PlanPeriod.WORKING_DAY,
        "starts_on": dt.date(2026, 1, 1),
        "min_minutes": 30,
        "min_distance_m": 500,
    }
    values.update(kwargs)
    return services.create_plan(actor=actor, **values)


def test_plans(people):
    first = plan(people.village_op, note="每个工作日巡查一次")
    assert first.region_path == GRID_A and first.ends_on is None
    assert first.created_by == people.village_op
    second = plan(people.township_op, times=2, period="week", starts_on=dt.date(2026, 3, 1))
    first.refresh_from_db()
    assert first.ends_on == dt.date(2026, 2, 28) and second.ends_on is None
    with pytest.raises(ValidationError) as info:
        plan(people.village_op, starts_on=dt.date(2026, 3, 1))
    assert "starts_on" in info.value.message_dict
    ended = services.end_plan(actor=people.village_op, plan=second, ends_on=dt.date(2026, 6, 30))
    assert ended.ends_on == dt.date(2026, 6, 30)
    with pytest.raises(OpsConflict):
        services.end_plan(actor=people.village_op, plan=second, ends_on=dt.date(2026, 7, 1))
    assert PatrolPlan.objects.filter(grid__path=GRID_A).count() == 2


def test_plan_checks(people):
    before = PatrolPlan.objects.count()
    with pytest.raises(ValidationError) as info:
        plan(people.village_op, times=0, period="daily", min_minutes=481, min_distance_m=50_001)
    assert set(info.value.message_dict) == {"times", "period", "min_minutes", "min_distance_m"}
    with pytest.raises(ValidationError) as info:
        plan(people.village_op, grid=region(GRID_A[:12]))
    assert "grid" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        plan(people.grid_worker)
    outsider = staff(Role.VILLAGE_OPERATOR, region=region("220283002001"))
    with pytest.raises(Http404):
        plan(outsider)
    assert PatrolPlan.objects.count() == before
    current = plan(people.village_op, grid=region(GRID_B))
    with pytest.raises(ValidationError):
        services.end_plan(actor=people.village_op, plan=current, ends_on=dt.date(2025, 12, 31))
    with pytest.raises(Http404):
        services.end_plan(actor=outsider, plan=current, ends_on=dt.date(2026, 2, 1))
