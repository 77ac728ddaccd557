"""Patrol points in bulk: distances on hand-built tracks, resends, jumps, out-of-time points,
closed patrols, many patrols at once and late points from an offline queue."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.db import connection

from gridgov.ops import choices as c
from gridgov.ops.errors import OpsConflict
from gridgov.ops.ingest import IngestResult, PointIn, ingest
from gridgov.ops.models import Patrol, PatrolPoint
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, region

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
NOW = T0 + dt.timedelta(hours=1)
LNG0, LAT0 = 119.9, 43.5
# one thousandth of a degree along a meridian, in metres (R · π/180 · 0.001)
MILLI_LAT_M = 6_371_008.8 * math.pi / 180 * 0.001  # 111.1950…


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine written out, for the expected values."""
    r = 6_371_008.8
    lng1, lat1, lng2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(h))


def patrol(grid_path: str = GRID_A, state: str = c.PatrolState.OPEN) -> Patrol:
    worker = make_worker(grid_path=grid_path)
    grid = region(grid_path)
    return Patrol.objects.create(
        worker=worker,
        grid=grid,
        region_path=grid.path,
        state=state,
        started_at=T0,
        day=dt.date(2026, 3, 2),
    )


def pt(seq: int, seconds: float, north: float = 0.0, east: float = 0.0) -> PointIn:
    """Point ``seq`` at T0 + seconds, ``north``/``east`` thousandths of a degree from the
    origin."""
    return PointIn(
        seq=seq,
        at=T0 + dt.timedelta(seconds=seconds),
        lng=LNG0 + east / 1000,
        lat=LAT0 + north / 1000,
        accuracy=5.0,
    )


def one(p: Patrol, points: list[PointIn]) -> IngestResult:
    return ingest({p.pk: points}, now=NOW)[p.pk]


def test_distance_accumulates_over_batches_from_the_last_point():
    p = patrol()
    first = one(p, [pt(2, 60, north=2), pt(0, 0), pt(1, 30, north=1)])  # any order
    assert (first.stored, first.duplicates, first.dropped, first.point_count) == (3, 0, 0, 3)
    assert first.distance_m == pytest.approx(2 * MILLI_LAT_M, rel=1e-9)
    second = one(p, [pt(3, 90, north=3), pt(4, 120, north=3, east=1)])
    east_m = metres((LNG0, LAT0 + 0.003), (LNG0 + 0.001, LAT0 + 0.003))
    assert east_m == pytest.approx(111.195 * math.cos(math.radians(43.503)), rel=1e-3)
    assert second.stored == 2
    assert second.distance_m == pytest.approx(3 * MILLI_LAT_M + east_m, rel=1e-9)
    p.refresh_from_db()
    assert p.distance_m == pytest.approx(second.distance_m)
    assert (p.point_count, p.dropped_count, p.last_seq, p.duration_s) == (5, 0, 4, 120)
    assert p.last_at == T0 + dt.timedelta(seconds=120)
    assert (p.last_lng, p.last_lat) == pytest.approx((LNG0 + 0.001, LAT0 + 0.003))
    assert list(p.points.values_list("seq", flat=True)) == [0, 1, 2, 3, 4]
    assert p.points.get(seq=4).accuracy == 5.0


def test_resend_is_idempotent_and_repeats_in_a_batch_collapse():
    p = patrol()
    batch = [pt(0, 0), pt(1, 30, north=1), pt(1, 30, north=1), pt(2, 60, north=2)]
    first = one(p, batch)
    assert (first.stored, first.duplicates) == (3, 1)
    again = one(p, batch)
    assert (again.stored, again.duplicates, again.dropped) == (0, 4, 0)
    assert again.distance_m == pytest.approx(2 * MILLI_LAT_M)
    # a resend overlapping new points stores only the new one and adds only its segment
    more = one(p, [pt(1, 30, north=1), pt(2, 60, north=2), pt(3, 90, north=3)])
    assert (more.stored, more.duplicates) == (1, 2)
    assert more.distance_m == pytest.approx(3 * MILLI_LAT_M)
    p.refresh_from_db()
    assert (p.point_count, p.last_seq) == (4, 3)
    assert PatrolPoint.objects.filter(patrol=p).count() == 4


def test_a_gps_jump_is_dropped_and_the_track_continues_from_the_last_kept_point():
    p = patrol()
    one(p, [pt(0, 0), pt(1, 30, north=1)])
    # 10 km north in 30 s (1,200 km/h) is a jump; the next fix is back on the track
    result = one(p, [pt(2, 60, north=90), pt(3, 90, north=2)])
    assert (result.stored, result.dropped) == (1, 1)
    assert result.distance_m == pytest.approx(2 * MILLI_LAT_M)
    # a jump from the stored last point in the very first point of a batch
    result = one(p, [pt(4, 120, north=-50)])
    assert (result.stored, result.dropped) == (0, 1)
    p.refresh_from_db()
    assert (p.point_count, p.dropped_count, p.last_seq) == (3, 2, 3)
    assert p.duration_s == 90
    assert not PatrolPoint.objects.filter(patrol=p, seq__in=[2, 4]).exists()


def test_points_in_the_future_or_before_the_start_are_dropped():
    p = patrol()
    result = ingest(
        {
            p.pk: [
                PointIn(seq=0, at=T0 - dt.timedelta(seconds=1), lng=LNG0, lat=LAT0),
                PointIn(seq=1, at=T0, lng=LNG0, lat=LAT0),
                PointIn(seq=2, at=NOW + dt.timedelta(seconds=60), lng=LNG0, lat=LAT0 + 0.001),
                PointIn(seq=3, at=NOW + dt.timedelta(seconds=61), lng=LNG0, lat=LAT0 + 0.002),
                PointIn(seq=4, at=T0 + dt.timedelta(seconds=30), lng=LNG0, lat=float("nan")),
            ]
        },
        now=NOW,
    )[p.pk]
    assert (result.stored, result.dropped) == (2, 3)
    p.refresh_from_db()
    assert list(p.points.values_list("seq", flat=True)) == [1, 2]
    assert (p.dropped_count, p.last_seq, p.duration_s) == (3, 2, 3660)


def test_a_closed_patrol_takes_no_points():
    stopped = patrol(state=c.PatrolState.STOPPED)
    with pytest.raises(OpsConflict):
        one(stopped, [pt(0, 0)])
    open_ = patrol(GRID_B)
    results = ingest({stopped.pk: [pt(0, 0), pt(1, 30)], open_.pk: [pt(0, 0)]}, now=NOW)
    assert results[stopped.pk] == IngestResult(
        stored=0, duplicates=0, dropped=2, distance_m=0.0, point_count=0, closed=True
    )
    assert results[open_.pk].stored == 1 and not results[open_.pk].closed
    assert not PatrolPoint.objects.filter(patrol=stopped).exists()
    stopped.refresh_from_db()
    assert (stopped.dropped_count, stopped.last_seq) == (0, -1)


def test_many_patrols_in_one_batch():
    a, b, d = patrol(), patrol(), patrol(GRID_B)
    one(b, [pt(0, 0), pt(1, 30, north=1)])
    results = ingest(
        {
            a.pk: [pt(0, 0, east=1), pt(1, 30, east=1, north=1)],
            b.pk: [pt(1, 30, north=1), pt(2, 60, north=2), pt(3, 90, north=500)],
            d.pk: [],
        },
        now=NOW,
    )
    assert (results[a.pk].stored, results[a.pk].point_count) == (2, 2)
    assert results[a.pk].distance_m == pytest.approx(MILLI_LAT_M)
    assert (results[b.pk].stored, results[b.pk].duplicates, results[b.pk].dropped) == (1, 1, 1)
    assert results[b.pk].distance_m == pytest.approx(2 * MILLI_LAT_M)
    assert results[d.pk] == IngestResult(0, 0, 0, 0.0, 0)
    b.refresh_from_db()
    assert (b.point_count, b.dropped_count, b.last_seq, b.duration_s) == (3, 1, 2, 60)
    d.refresh_from_db()
    assert (d.point_count, d.last_seq, d.last_at) == (0, -1, None)


def test_a_late_point_is_stored_and_the_distance_recomputed():
    p = patrol()
    first = one(p, [pt(0, 0), pt(1, 30, north=1), pt(3, 90, north=3)])
    assert first.distance_m == pytest.approx(3 * MILLI_LAT_M)
    # seq 2 was queued offline: it sits 1/1000° east of the straight line
    late = one(p, [pt(2, 60, north=2, east=1)])
    assert (late.stored, late.duplicates, late.dropped) == (1, 0, 0)
    one_m = (LNG0, LAT0 + 0.001)
    two_m = (LNG0 + 0.001, LAT0 + 0.002)
    three_m = (LNG0, LAT0 + 0.003)
    expected = MILLI_LAT_M + metres(one_m, two_m) + metres(two_m, three_m)
    assert late.distance_m == pytest.approx(expected, rel=1e-9)
    p.refresh_from_db()
    assert (p.point_count, p.last_seq, p.duration_s) == (4, 3, 90)
    assert (p.last_lng, p.last_lat) == pytest.approx(three_m)
    # resent: a duplicate now, nothing changes
    again = one(p, [pt(2, 60, north=2, east=1)])
    assert (again.stored, again.duplicates) == (0, 1)
    assert again.distance_m == pytest.approx(expected, rel=1e-9)
    # a late point that is a jump from the stored point before it (by seq) is dropped
    one(p, [pt(10, 300, north=10)])
    mixed = one(p, [pt(5, 150, north=500), pt(6, 180, north=6), pt(0, 0)])
    assert (mixed.stored, mixed.duplicates, mixed.dropped) == (1, 1, 1)
    six = (LNG0, LAT0 + 0.006)
    ten = (LNG0, LAT0 + 0.010)
    expected += metres(three_m, six) + metres(six, ten)
    assert mixed.distance_m == pytest.approx(expected, rel=1e-9)
    p.refresh_from_db()
    assert (p.point_count, p.dropped_count, p.last_seq, p.duration_s) == (6, 1, 10, 300)
    assert list(p.points.values_list("seq", flat=True)) == [0, 1, 2, 3, 6, 10]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY needs PostgreSQL")
def test_postgresql_copy_path_for_a_large_batch():
    assert connection.vendor == "postgresql"
    patrols = [patrol() for _ in range(3)]
    batch = {
        p.pk: [pt(seq, 1 + seq, north=seq / 100) for seq in range(800)] for p in patrols
    }  # 2,400 rows: COPY + INSERT … SELECT
    results = ingest(batch, now=NOW)
    for p in patrols:
        assert (results[p.pk].stored, results[p.pk].point_count) == (800, 800)
        assert results[p.pk].distance_m == pytest.approx(7.99 * MILLI_LAT_M, rel=1e-6)
        p.refresh_from_db()
        assert (p.point_count, p.last_seq, p.duration_s) == (800, 799, 800)
        assert p.distance_m == pytest.approx(7.99 * MILLI_LAT_M, rel=1e-6)
    assert PatrolPoint.objects.filter(patrol__in=patrols).count() == 2400
    again = ingest(batch, now=NOW)
    assert all(r.duplicates == 800 and r.stored == 0 for r in again.values())
