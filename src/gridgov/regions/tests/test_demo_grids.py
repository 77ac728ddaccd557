"""The demo county's grids: counts of the article, exact cover, no overlaps, right locate."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from gridgov.accounts.models import Department, Post, User
from gridgov.accounts.roles import Role
from gridgov.demo import load_demo
from gridgov.regions import geo
from gridgov.regions.choices import Kind
from gridgov.regions.gridbuilder import GridBuildError, build_grids, split_total
from gridgov.regions.locator import forget_index, locate, locate_many
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
COUNTY = "220283"


@pytest.fixture(scope="module")
def grid_shapes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        rows = list(
            Region.objects.filter(level="grid", path__startswith=COUNTY)
            .order_by("path")
            .values_list("path", "geometry")
        )
        county = shape(Region.objects.get(path=COUNTY).geometry)
    return [p for p, _ in rows], np.array([shape(g) for _, g in rows], dtype=object), county


def test_counts_match_the_article():
    villages = dict(
        Region.objects.filter(level="village")
        .filter(path__startswith=COUNTY)
        .values_list("path", "kind")
    )
    grids = list(
        Region.objects.filter(level="grid", path__startswith=COUNTY).values_list("path", flat=True)
    )
    assert Region.objects.filter(level="township", parent__path=COUNTY).count() == 20
    assert len(villages) == 248
    assert sum(villages[g[:12]] == Kind.COMMUNITY for g in grids) == 167
    assert sum(villages[g[:12]] != Kind.COMMUNITY for g in grids) == 1316
    workers = Post.objects.current().filter(role=Role.GRID_WORKER, region__path__startswith=COUNTY)
    assert workers.count() == 1860
    assert workers.values("region").distinct().count() == 1483  # every grid is staffed
    assert Department.objects.filter(region__path=COUNTY).count() == 44
    assert (
        Region.objects.filter(level="grid")
        .exclude(kind__in=[Kind.URBAN_GRID, Kind.RURAL_GRID])
        .exclude(dedicated_to="")
        .exists()
    )


def test_every_grid_has_buildings_or_hamlets_inside_it():
    from shapely import contains_xy

    buildings: dict[str, list[tuple[float | None, float | None, str]]] = {}
    for path, lng, lat, kind in Region.objects.filter(
        level="building", path__startswith=COUNTY
    ).values_list("path", "label_lng", "label_lat", "kind"):
        buildings.setdefault(path[:15], []).append((lng, lat, kind))
    grids = dict(
        Region.objects.filter(level="grid", path__startswith=COUNTY).values_list("path", "geometry")
    )
    assert set(buildings) == set(grids)
    for path, points in list(buildings.items())[::25]:
        polygon = shape(grids[path])
        assert all(contains_xy(polygon, lng, lat) for lng, lat, _ in points)
    kinds = {kind for points in buildings.values() for *_, kind in points}
    assert kinds == {Kind.BUILDING, Kind.HAMLET}


def test_grid_areas_sum_to_the_county_area(grid_shapes):
    _, grids, county = grid_shapes
    total = float(geo.areas_km2(grids).sum())
    county_area = geo.area_km2(county)
    assert abs(total - county_area) / county_area < 0.001
    assert abs(total - county_area) / county_area < 1e-6  # in fact much closer


def test_no_two_grids_overlap(grid_shapes):
    _, grids, county = grid_shapes
    tree = shapely.STRtree(grids)
    left, right = tree.query(grids, predicate="intersects")
    pairs = left < right
    shared = shapely.intersection(grids[left[pairs]], grids[right[pairs]])
    overlap = float(geo.areas_km2(shared).sum()) if len(shared) else 0.0
    assert overlap < 1e-6 * geo.area_km2(county)


def test_each_grid_lies_in_its_village_and_township():
    for level in ("village", "township"):
        parents = {
            p: shape(g)
            for p, g in Region.objects.filter(level=level, path__startswith=COUNTY).values_list(
                "path", "geometry"
            )
        }
        width = 12 if level == "village" else 9
        for path, geometry in Region.objects.filter(
            level="grid", path__startswith=COUNTY
        ).values_list("path", "geometry")[:300]:
            grid = shape(geometry)
            outside = geo.area_km2(grid.difference(parents[path[:width]]))
            assert outside < 1e-9 * max(geo.area_km2(grid), 1e-9), path


def test_locate_is_right_on_sampled_points(grid_shapes):
    forget_index()
    paths, grids, _ = grid_shapes
    rng = np.random.default_rng(7)
    chosen = rng.choice(len(paths), size=200, replace=False)
    points = [grids[i].representative_point() for i in chosen]
    found = locate_many([p.x for p in points], [p.y for p in points])
    assert found == [paths[i] for i in chosen]
    location = locate(points[0].x, points[0].y)
    assert location.grid.path == paths[chosen[0]]
    assert [r.level for r in location.chain] == ["county", "township", "village", "grid"]


def test_load_demo_again_changes_nothing():
    before = (
        Region.objects.count(),
        User.objects.count(),
        Post.objects.count(),
        Department.objects.count(),
    )
    result = load_demo(log=lambda *_: None, cases=0, registry=False)
    after = (
        Region.objects.count(),
        User.objects.count(),
        Post.objects.count(),
        Department.objects.count(),
    )
    assert before == after
    assert result.counts["grid"] == 1483 and result.counts["grid_workers"] == 1860
    assert [a.username for a in result.accounts][:2] == ["admin", "county_op"]
    assert {a.role for a in result.accounts} == set(Role) - {Role.INTEGRATION}
    for account in result.accounts:
        assert User.objects.get(username=account.username).check_password(result.password)


def test_build_grids_refuses_a_county_that_has_grids():
    with pytest.raises(GridBuildError, match="已有网格"):
        build_grids(county_path=COUNTY, urban_grids=1, rural_grids=1)


def test_build_grids_for_another_county():
    from gridgov.regions.services import import_divisions

    import_divisions(code="511526")
    result = build_grids(county_path="511526", urban_grids=30, rural_grids=300)
    assert len(result.grids) == 330
    grids = [shape(g.geometry) for g in result.grids]
    county = shape(Region.objects.get(path="511526").geometry)
    total = float(geo.areas_km2(np.array(grids, dtype=object)).sum())
    assert abs(total - geo.area_km2(county)) / geo.area_km2(county) < 0.001


def test_split_total_is_exact_and_positive():
    for total, weights in ((167, [1.0] * 37), (1316, [0.6, 1.4, 1.0] * 70 + [1.0]), (5, [1, 9])):
        parts = split_total(total, weights)
        assert sum(parts) == total and min(parts) >= 1 and len(parts) == len(weights)
    with pytest.raises(GridBuildError):
        split_total(2, [1, 1, 1])
