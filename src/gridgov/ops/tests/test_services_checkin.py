"""Check-in (考勤签到) with the phone's position, on a hand-built square grid."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from gridgov.ops import choices as c
from gridgov.ops import services
from gridgov.ops.models import Assignment, CheckIn
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, point_in, region
from gridgov.regions.geo import wgs84_to_gcj02_arrays
from gridgov.regions.models import Region
from gridgov.testing import square

pytestmark = pytest.mark.django_db

LNG0, LAT0, SIZE = 127.07, 44.33, 0.01  # GRID_A becomes 127.07–127.08 E, 44.33–44.34 N
MID_LAT = LAT0 + SIZE / 2  # the square's centre line: the metric projection's own latitude
EAST = LNG0 + SIZE
M_PER_DEG = 6_371_008.8 * math.pi / 180


def east_of_edge(metres: float) -> tuple[float, float]:
    """A position ``metres`` east of the square's east edge, on its centre line."""
    return EAST + metres / (M_PER_DEG * math.cos(math.radians(MID_LAT))), MID_LAT


@pytest.fixture
def worker():
    Region.objects.filter(path=GRID_A).update(geometry=square(LNG0, LAT0, SIZE))
    return make_worker()


def check(worker, **kwargs):
    values = {"kind": "on", "lng": LNG0 + 0.005, "lat": MID_LAT}
    values.update(kwargs)
    return services.check_in(actor=worker.user, **values)


def test_inside_the_grid_is_accepted(worker):
    row = check(worker, accuracy=12.5, client_id="a-1")
    assert row.accepted and row.reason == "" and row.distance_m == 0.0
    assert row.grid.path == GRID_A and row.region_path == GRID_A
    assert (row.lng, row.lat, row.crs, row.accuracy) == (LNG0 + 0.005, MID_LAT, "wgs84", 12.5)
    assert row.day == timezone.localdate() and row.worker == worker
    assert services.checkin_message(row) == "签到成功：育才社区第1网格"
    off = check(worker, kind="off")
    assert off.accepted and services.checkin_message(off) == "签退成功：育才社区第1网格"
    assert CheckIn.objects.filter(worker=worker).count() == 2


def test_just_outside_within_the_margin_is_accepted(worker):
    lng, lat = east_of_edge(150.0)
    row = check(worker, lng=lng, lat=lat)
    assert row.accepted and row.reason == ""
    assert row.distance_m == pytest.approx(150.0, abs=0.11)


def test_far_outside_is_refused_and_stored_as_an_anomaly(worker):
    lng, lat = east_of_edge(1234.3)
    row = check(worker, lng=lng, lat=lat)
    assert not row.accepted and row.reason == c.RefuseReason.OUTSIDE
    assert row.distance_m == pytest.approx(1234.3, abs=0.11)
    assert row.grid.path == GRID_A and row.region_path == GRID_A
    assert services.checkin_message(row) == "不在网格内：距网格边界约 1,234 米（允许 200 米）"
    assert CheckIn.objects.get(pk=row.pk).accepted is False  # kept as an anomaly
    with override_settings(GRIDGOV_CHECKIN_MARGIN_M=1500):
        assert check(worker, lng=lng, lat=lat).accepted


@override_settings(GRIDGOV_CHECKIN_MARGIN_M=0)
def test_a_gcj02_position_is_converted_before_the_test(worker):
    # a WGS-84 point 60 m inside the east edge; GCJ-02 shifts it east by a few hundred metres
    lng_w, lat_w = east_of_edge(-60.0)
    gx, gy = wgs84_to_gcj02_arrays([lng_w], [lat_w])
    lng_g, lat_g = float(gx[0]), float(gy[0])
    shift_east = (lng_g - lng_w) * M_PER_DEG * math.cos(math.radians(MID_LAT))
    assert 200 < shift_east < 800 and abs(lat_g - lat_w) < SIZE / 2
    row = check(worker, lng=lng_g, lat=lat_g, crs="gcj02")
    assert row.accepted and row.distance_m == 0.0 and row.crs == "gcj02"
    assert row.lng == pytest.approx(lng_w, abs=1e-6) and row.lat == pytest.approx(lat_w, abs=1e-6)
    # the same numbers taken as WGS-84 lie outside by the eastward shift less the 60 m
    wrong = check(worker, lng=lng_g, lat=lat_g, crs="wgs84")
    assert not wrong.accepted and wrong.reason == c.RefuseReason.OUTSIDE
    assert wrong.distance_m == pytest.approx(shift_east - 60.0, abs=2.0)


def test_no_position_and_poor_accuracy_are_refused(worker):
    row = check(worker, lng=None, lat=None)
    assert not row.accepted and row.reason == c.RefuseReason.NO_POSITION
    assert (row.lng, row.lat, row.distance_m) == (None, None, None)
    assert row.region_path == GRID_A  # the main grid
    assert services.checkin_message(row) == "未获取到位置，请打开定位后重试"
    poor = check(worker, accuracy=800)
    assert not poor.accepted and poor.reason == c.RefuseReason.INACCURATE
    assert services.checkin_message(poor) == "定位精度约 800 米，超过允许的 500 米"
    assert check(worker, accuracy=500).accepted  # the limit itself is allowed


def test_no_grid_is_refused(worker):
    loose = make_worker(assign=False)
    row = check(loose)
    assert not row.accepted and row.reason == c.RefuseReason.NO_GRID
    assert row.grid is None and row.region_path == loose.region_path
    ended = make_worker()
    Assignment.objects.filter(worker=ended).update(
        ends_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert check(ended).reason == c.RefuseReason.NO_GRID


def test_a_secondary_grid_counts_and_the_nearest_grid_is_recorded(worker):
    Assignment.objects.create(
        worker=worker,
        grid=region(GRID_B),
        region_path=GRID_B,
        is_main=False,
        starts_on=dt.date(2025, 1, 1),
    )
    lng, lat = point_in(GRID_B)
    row = check(worker, lng=lng, lat=lat)
    assert row.accepted and row.grid.path == GRID_B and row.region_path == GRID_B


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lng": "东经"}, "lng"),
        ({"lng": 200.0}, "lng"),
        ({"lat": float("nan")}, "lat"),
        ({"crs": "bd09"}, "crs"),
        ({"kind": "lunch"}, "kind"),
        ({"accuracy": -5}, "accuracy"),
        ({"at": timezone.now() + dt.timedelta(minutes=10)}, "at"),
        ({"at": timezone.now() - dt.timedelta(hours=49)}, "at"),
        ({"at": dt.datetime(2026, 1, 1, 9, 0)}, "at"),  # naive
    ],
)
def test_bad_input_raises_and_stores_nothing(worker, changes, field):
    before = CheckIn.objects.count()
    with pytest.raises(ValidationError) as info:
        check(worker, **changes)
    assert field in info.value.message_dict
    assert CheckIn.objects.count() == before


def test_only_roster_members_check_in(people):
    with pytest.raises(PermissionDenied, match="您不在网格力量名册中，不能签到"):
        services.check_in(actor=people.grid_worker, kind="on", lng=127.0, lat=44.3)


def test_the_same_client_id_returns_the_stored_row(worker):
    first = check(worker, client_id="phone-7f3a")
    lng, lat = east_of_edge(5000)
    again = check(worker, client_id="phone-7f3a", lng=lng, lat=lat, kind="off")
    assert again.pk == first.pk and again.accepted and again.kind == "on"
    assert CheckIn.objects.filter(worker=worker).count() == 1


def test_a_back_dated_check_in_and_an_off_without_on(worker):
    at = timezone.now() - dt.timedelta(hours=30)
    row = check(worker, kind="off", at=at)
    assert row.accepted and row.at == at and row.day == timezone.localdate(at)
    assert not CheckIn.objects.filter(worker=worker, kind="on").exists()


def test_a_changed_outline_is_not_served_from_the_cache(worker):
    assert check(worker).accepted
    Region.objects.filter(path=GRID_A).update(geometry=square(LNG0 + 0.1, LAT0, SIZE))
    moved = check(worker)
    assert not moved.accepted and moved.reason == c.RefuseReason.OUTSIDE
    assert moved.distance_m == pytest.approx(
        0.095 * M_PER_DEG * math.cos(math.radians(MID_LAT)), abs=0.11
    )
