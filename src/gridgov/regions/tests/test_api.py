from __future__ import annotations

import pytest
from shapely.geometry import shape

from gridgov.regions.models import Region
from gridgov.testing import api_error, bearer

pytestmark = pytest.mark.django_db


def point(path):
    p = shape(Region.objects.get(path=path).geometry).representative_point()
    return p.x, p.y


def test_roots_detail_and_children(client):
    headers = bearer("township_op")
    assert [r["path"] for r in client.get("/api/v1/regions", **headers).json()] == ["220283001"]
    detail = client.get("/api/v1/regions/220283001001", **headers).json()
    assert detail["name"] == "育才社区" and detail["children"] == 5
    assert [a["path"] for a in detail["ancestors"]] == ["220283001"]  # no county: outside
    children = client.get("/api/v1/regions/220283001/children", **headers).json()
    assert [c["path"] for c in children] == [f"220283001{n:03d}" for n in range(1, 6)]


def test_outside_jurisdiction_is_404(client):
    headers = bearer("grid_worker")
    for url in (
        "/api/v1/regions/220283001001002",
        "/api/v1/regions/220283/children",
        "/api/v1/regions/220283001001/grids.geojson",
        "/api/v1/regions/9999",
    ):
        response = client.get(url, **headers)
        assert response.status_code == 404, url
        assert api_error(response)["code"] == "not_found"


def test_grids_geojson(client):
    body = client.get("/api/v1/regions/220283001001/grids.geojson", **bearer("village_op")).json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 5
    assert body["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_locate(client):
    lng, lat = point("220283001001001")
    body = client.get(f"/api/v1/locate?lng={lng}&lat={lat}", **bearer("county_op")).json()
    assert body["grid"]["path"] == "220283001001001"
    assert [r["level"] for r in body["chain"]] == ["county", "township", "village", "grid"]
    # Outside the territory, and outside the caller's jurisdiction: 404 alike.
    assert client.get("/api/v1/locate?lng=116.4&lat=39.9", **bearer("county_op")).status_code == 404
    lng_b, lat_b = point("220283001001002")
    assert (
        client.get(f"/api/v1/locate?lng={lng_b}&lat={lat_b}", **bearer("grid_worker")).status_code
        == 404
    )
    # Bad input.
    response = client.get("/api/v1/locate?lng=200&lat=44", **bearer("county_op"))
    assert response.status_code == 422 and "lng" in api_error(response)["fields"]
    response = client.get("/api/v1/locate?lng=127&lat=44&crs=bd09", **bearer("county_op"))
    assert response.status_code == 422 and "crs" in api_error(response)["fields"]


def test_regions_need_a_staff_caller(client):
    assert client.get("/api/v1/regions").status_code == 401
