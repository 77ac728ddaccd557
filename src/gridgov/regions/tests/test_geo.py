"""Tests for gridgov.regions.geo (no Django)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from fast_geocn.coord import gcj02_to_wgs84, wgs84_to_gcj02
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from gridgov.regions.geo import (
    EARTH_RADIUS_KM,
    area_km2,
    areas_km2,
    county_name,
    from_metric,
    gcj02_to_wgs84_arrays,
    load_county_boundary,
    polygonal_part,
    to_metric,
    wgs84_to_gcj02_arrays,
)


def _exact_box_area(lng0: float, lat0: float, lng1: float, lat1: float) -> float:
    """Area of a lon/lat box on the sphere: R²·Δλ·(sin φ1 − sin φ0)."""
    dlam = math.radians(lng1 - lng0)
    return EARTH_RADIUS_KM**2 * dlam * (math.sin(math.radians(lat1)) - math.sin(math.radians(lat0)))


# --------------------------------------------------------------- boundaries


def test_load_shulan_boundary() -> None:
    shulan = load_county_boundary("220283")
    assert isinstance(shulan, Polygon | MultiPolygon)
    assert shulan.is_valid
    xmin, ymin, xmax, ymax = shulan.bounds
    assert 126.3 < xmin < xmax < 127.9
    assert 43.9 < ymin < ymax < 44.7
    # Official area is about 4,557 km².
    assert area_km2(shulan) == pytest.approx(4557, rel=0.03)
    assert county_name("220283") == "舒兰市"


def test_load_boundary_is_cached() -> None:
    assert load_county_boundary("220283") is load_county_boundary("220283")


def test_missing_county_raises_key_error() -> None:
    with pytest.raises(KeyError, match="999999"):
        load_county_boundary("999999")
    with pytest.raises(KeyError):
        county_name("999999")


def test_bad_code_raises_value_error() -> None:
    with pytest.raises(ValueError):
        load_county_boundary("22028")
    with pytest.raises(ValueError):
        load_county_boundary("156220283")


def test_invalid_source_outline_is_repaired() -> None:
    # 铁门关市 has a self-intersecting ring in the source data.
    outline = load_county_boundary("659006")
    assert outline.is_valid
    assert area_km2(outline) > 0


def test_polygonal_part_keeps_only_polygons() -> None:
    collection = shapely.GeometryCollection(
        [box(0, 0, 1, 1), shapely.LineString([(2, 2), (3, 3)]), shapely.Point(5, 5)]
    )
    assert polygonal_part(collection).equals(box(0, 0, 1, 1))
    assert polygonal_part(shapely.LineString([(0, 0), (1, 1)])).is_empty
    two = polygonal_part(shapely.GeometryCollection([box(0, 0, 1, 1), box(2, 2, 3, 3)]))
    assert isinstance(two, MultiPolygon)


# -------------------------------------------------------- coordinate systems


def _scalar(function: object, lng: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pairs = [function(float(x), float(y)) for x, y in zip(lng, lat, strict=True)]  # type: ignore[operator]
    out = np.array(pairs, dtype=np.float64).reshape(-1, 2)
    return out[:, 0], out[:, 1]


def test_arrays_match_fast_geocn_on_random_points() -> None:
    rng = np.random.default_rng(20240601)
    lng = np.concatenate((rng.uniform(72, 137, 3000), rng.uniform(-180, 180, 1000)))
    lat = np.concatenate((rng.uniform(0, 55, 3000), rng.uniform(-90, 90, 1000)))
    for array_version, scalar_version in (
        (wgs84_to_gcj02_arrays, wgs84_to_gcj02),
        (gcj02_to_wgs84_arrays, gcj02_to_wgs84),
    ):
        got_lng, got_lat = array_version(lng, lat)
        want_lng, want_lat = _scalar(scalar_version, lng, lat)
        np.testing.assert_allclose(got_lng, want_lng, rtol=0, atol=1e-9)
        np.testing.assert_allclose(got_lat, want_lat, rtol=0, atol=1e-9)


def test_outside_china_and_nan_pass_through() -> None:
    lng = np.array([0.0, 140.0, 100.0, np.nan])
    lat = np.array([0.0, 35.0, 60.0, 30.0])
    for function in (wgs84_to_gcj02_arrays, gcj02_to_wgs84_arrays):
        out_lng, out_lat = function(lng, lat)
        np.testing.assert_array_equal(out_lng, lng)
        np.testing.assert_array_equal(out_lat, lat)


def test_conversion_keeps_shape_and_broadcasts() -> None:
    lng = np.full((3, 4), 127.0)
    out_lng, out_lat = wgs84_to_gcj02_arrays(lng, 44.0)
    assert out_lng.shape == out_lat.shape == (3, 4)
    scalar_lng, scalar_lat = wgs84_to_gcj02(127.0, 44.0)
    assert out_lng[2, 3] == pytest.approx(scalar_lng, abs=1e-12)
    assert out_lat[0, 0] == pytest.approx(scalar_lat, abs=1e-12)


def test_gcj_offset_is_a_few_hundred_metres() -> None:
    gcj_lng, gcj_lat = wgs84_to_gcj02_arrays(np.array([126.95]), np.array([44.41]))
    shift_m = math.hypot(
        (gcj_lng[0] - 126.95) * 111_195 * math.cos(math.radians(44.41)),
        (gcj_lat[0] - 44.41) * 111_195,
    )
    assert 100 < shift_m < 1000


china_lng = st.floats(min_value=73.0, max_value=136.0, allow_nan=False)
china_lat = st.floats(min_value=1.0, max_value=54.0, allow_nan=False)
any_lng = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
any_lat = st.floats(min_value=-90.0, max_value=90.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(lng=any_lng, lat=any_lat)
def test_property_arrays_equal_scalar(lng: float, lat: float) -> None:
    forward = wgs84_to_gcj02_arrays(np.array([lng]), np.array([lat]))
    backward = gcj02_to_wgs84_arrays(np.array([lng]), np.array([lat]))
    want_forward = wgs84_to_gcj02(lng, lat)
    want_backward = gcj02_to_wgs84(lng, lat)
    assert abs(forward[0][0] - want_forward[0]) < 1e-9
    assert abs(forward[1][0] - want_forward[1]) < 1e-9
    assert abs(backward[0][0] - want_backward[0]) < 1e-9
    assert abs(backward[1][0] - want_backward[1]) < 1e-9


@settings(max_examples=300, deadline=None)
@given(lng=china_lng, lat=china_lat)
def test_property_round_trip_within_a_centimetre(lng: float, lat: float) -> None:
    gcj_lng, gcj_lat = wgs84_to_gcj02_arrays(np.array([lng]), np.array([lat]))
    back_lng, back_lat = gcj02_to_wgs84_arrays(gcj_lng, gcj_lat)
    assert abs(back_lng[0] - lng) < 1e-7
    assert abs(back_lat[0] - lat) < 1e-7


# --------------------------------------------------------------------- areas


@pytest.mark.parametrize(("lat0", "lat1"), [(0.0, 1.0), (44.0, 44.5), (60.0, 60.1)])
def test_area_of_lonlat_box_matches_sphere_formula(lat0: float, lat1: float) -> None:
    square = box(126.0, lat0, 127.0, lat1)
    assert area_km2(square) == pytest.approx(_exact_box_area(126.0, lat0, 127.0, lat1), rel=1e-6)


def test_area_is_additive_over_pieces() -> None:
    shulan = load_county_boundary("220283")
    xmin, ymin, xmax, ymax = shulan.bounds
    cut_x, cut_y = 127.05, 44.31
    quarters = [
        shulan.intersection(box(xmin, ymin, cut_x, cut_y)),
        shulan.intersection(box(cut_x, ymin, xmax, cut_y)),
        shulan.intersection(box(xmin, cut_y, cut_x, ymax)),
        shulan.intersection(box(cut_x, cut_y, xmax, ymax)),
    ]
    total = float(areas_km2(np.array(quarters, dtype=object)).sum())
    assert total == pytest.approx(area_km2(shulan), rel=1e-8)


def test_area_of_empty_and_missing() -> None:
    assert area_km2(Polygon()) == 0.0
    np.testing.assert_array_equal(areas_km2(np.array([None, Polygon()], dtype=object)), [0, 0])


def test_metric_round_trip_and_scale() -> None:
    square = box(126.9, 44.2, 127.0, 44.3)
    metric = to_metric(square, 44.25, 126.95)
    xmin, ymin, xmax, ymax = metric.bounds
    assert ymax - ymin == pytest.approx(0.1 * EARTH_RADIUS_KM * math.pi / 180, rel=1e-12)
    assert (xmax - xmin) / (ymax - ymin) == pytest.approx(math.cos(math.radians(44.25)))
    assert abs(xmin + xmax) < 1e-9  # centred on lon0
    back = from_metric(metric, 44.25, 126.95)
    np.testing.assert_allclose(
        shapely.get_coordinates(back), shapely.get_coordinates(square), atol=1e-12
    )
