"""The pure geometry of field work, on hand-built shapes and hand-computed distances."""

from __future__ import annotations

import math

import pytest

from gridgov.ops import geometry
from gridgov.ops.geometry import GridShape, TrackPoint, drop_jumps, haversine_m
from gridgov.regions.geo import wgs84_to_gcj02_arrays
from gridgov.testing import square

R = 6_371_008.8
M_PER_DEG = R * math.pi / 180  # 111,195.08 m per degree of latitude


def test_haversine_known_values() -> None:
    # one degree of latitude along a meridian: R·π/180
    assert haversine_m(126.0, 44.0, 126.0, 45.0) == pytest.approx(111_195.08, abs=0.01)
    # one degree of longitude on the equator is the same length
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(M_PER_DEG, abs=1e-6)
    # a quarter of the equator
    assert haversine_m(0.0, 0.0, 90.0, 0.0) == pytest.approx(R * math.pi / 2, rel=1e-12)
    assert haversine_m(126.5, 44.2, 126.5, 44.2) == 0.0
    # 0.001° of longitude at 60° N is half as long as on the equator
    assert haversine_m(10.0, 60.0, 10.001, 60.0) == pytest.approx(0.001 * M_PER_DEG / 2, abs=0.01)


def test_track_length_sums_segments() -> None:
    lng = [126.0, 126.0, 126.0, 126.0]
    lat = [44.0, 44.001, 44.002, 44.004]
    assert geometry.segment_lengths_m(lng, lat) == pytest.approx(
        [0.001 * M_PER_DEG, 0.001 * M_PER_DEG, 0.002 * M_PER_DEG], abs=1e-6
    )
    assert geometry.track_length_m(lng, lat) == pytest.approx(0.004 * M_PER_DEG, abs=1e-6)
    assert geometry.track_length_m([126.0], [44.0]) == 0.0


def test_grid_shape_distance_on_a_square() -> None:
    shape = GridShape(square(126.0, 44.0, 0.01))  # 126.00–126.01 E, 44.00–44.01 N
    assert shape.distance_m(126.005, 44.005) == 0.0
    assert shape.distance_m(126.01, 44.005) == 0.0  # on the edge
    lat0 = shape.lat0
    east = 0.002 * M_PER_DEG * math.cos(math.radians(lat0))  # 0.002° east of the east edge
    assert shape.distance_m(126.012, lat0) == pytest.approx(east, abs=0.01)
    assert 159.0 < east < 160.5
    north = 0.003 * M_PER_DEG  # 0.003° north of the north edge: 333.6 m
    assert shape.distance_m(126.005, 44.013) == pytest.approx(north, abs=0.01)
    assert shape.contains(126.012, lat0, margin_m=200)
    assert not shape.contains(126.012, lat0, margin_m=100)
    assert not shape.contains(126.012, lat0)


def test_to_wgs84_undoes_gcj02() -> None:
    gx, gy = wgs84_to_gcj02_arrays([126.3], [44.4])
    shift = haversine_m(126.3, 44.4, float(gx[0]), float(gy[0]))
    assert 100 < shift < 1000  # GCJ-02 moves a position by a few hundred metres
    x, y = geometry.to_wgs84(float(gx[0]), float(gy[0]), "gcj02")
    assert haversine_m(x, y, 126.3, 44.4) < 0.5
    assert geometry.to_wgs84(126.3, 44.4, "wgs84") == (126.3, 44.4)
    with pytest.raises(ValueError, match="unknown"):
        geometry.to_wgs84(126.3, 44.4, "bd09")


def test_drop_jumps_keeps_walking_and_drops_a_wild_fix() -> None:
    step = 0.0001  # 11.1 m of latitude every 10 s: 4 km/h
    walk = [TrackPoint(seq=i, at=10.0 * i, lng=126.0, lat=44.0 + step * i) for i in range(5)]
    jump = TrackPoint(seq=5, at=50.0, lng=126.05, lat=44.0)  # 4 km away in 10 s
    after = TrackPoint(seq=6, at=60.0, lng=126.0, lat=44.0 + step * 6)
    kept, dropped = drop_jumps([*walk, jump, after], 150.0)
    assert [p.seq for p in kept] == [0, 1, 2, 3, 4, 6]
    assert dropped == [jump]
    # continuing from an earlier batch: the first point is compared with ``previous``
    far = TrackPoint(seq=7, at=70.0, lng=126.1, lat=44.0)
    kept, dropped = drop_jumps([far], 150.0, previous=after)
    assert kept == [] and dropped == [far]
    # the same fix twice in one second is kept, a move in no time is not
    same = TrackPoint(seq=8, at=60.0, lng=126.0, lat=44.0 + step * 6)
    moved = TrackPoint(seq=9, at=60.0, lng=126.0, lat=44.01)
    kept, dropped = drop_jumps([same, moved], 150.0, previous=after)
    assert kept == [same] and dropped == [moved]


def test_valid_position() -> None:
    assert geometry.valid_position(126.0, 44.0)
    assert not geometry.valid_position(181.0, 44.0)
    assert not geometry.valid_position(126.0, -91.0)
    assert not geometry.valid_position(float("nan"), 44.0)
    assert not geometry.valid_position(126.0, float("inf"))
