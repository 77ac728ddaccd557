"""Tests for gridgov.regions.locate.GridIndex against brute-force shapely tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from fast_geocn.coord import wgs84_to_gcj02
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from gridgov.regions.geo import load_county_boundary
from gridgov.regions.locate import GridIndex
from gridgov.regions.tessellate import example_spec, tessellate

SHULAN = "220283"


def brute_force(geoms: list[BaseGeometry], x: np.ndarray, y: np.ndarray) -> npt.NDArray[np.intp]:
    """Lowest index of a geometry each point intersects, one geometry at a time."""
    result = np.full(len(x), -1, dtype=np.intp)
    for index in range(len(geoms) - 1, -1, -1):  # lowest index written last
        xmin, ymin, xmax, ymax = geoms[index].bounds
        near = np.flatnonzero((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))
        hit = near[shapely.intersects_xy(geoms[index], x[near], y[near])]
        result[hit] = index
    return result


@pytest.fixture(scope="module")
def shulan() -> tuple[list[str], list[BaseGeometry], BaseGeometry]:
    boundary = load_county_boundary(SHULAN)
    spec = example_spec(SHULAN)
    cells = tessellate(boundary, spec)
    codes = [grid.code for grid in spec.leaves()]
    return codes, [cells[code] for code in codes], boundary


@pytest.fixture(scope="module")
def shulan_index(shulan: tuple[list[str], list[BaseGeometry], BaseGeometry]) -> GridIndex:
    codes, geoms, _ = shulan
    return GridIndex(codes, geoms)


def _sample_points(
    geoms: list[BaseGeometry], bounds: tuple[float, float, float, float], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Representative points, random points near each grid, grid vertices, bbox points."""
    rng = np.random.default_rng(seed)
    inner = shapely.get_coordinates(shapely.point_on_surface(np.array(geoms, dtype=object)))
    near: list[np.ndarray] = []
    for geometry in geoms:
        xmin, ymin, xmax, ymax = geometry.bounds
        near.append(rng.uniform((xmin, ymin), (xmax, ymax), size=(4, 2)))
    vertices = shapely.get_coordinates(np.array(geoms, dtype=object))
    vertices = vertices[rng.choice(len(vertices), size=min(5000, len(vertices)), replace=False)]
    xmin, ymin, xmax, ymax = bounds
    uniform = rng.uniform((xmin, ymin), (xmax, ymax), size=(20000, 2))
    points = np.concatenate([inner, *near, vertices, uniform])
    return points[:, 0], points[:, 1]


def test_len_and_codes(
    shulan_index: GridIndex, shulan: tuple[list[str], list[BaseGeometry], BaseGeometry]
) -> None:
    codes, _, _ = shulan
    assert len(shulan_index) == 1483
    assert shulan_index.codes == tuple(codes)


def test_locate_many_matches_brute_force(
    shulan_index: GridIndex, shulan: tuple[list[str], list[BaseGeometry], BaseGeometry]
) -> None:
    _, geoms, boundary = shulan
    x, y = _sample_points(geoms, boundary.bounds, seed=1)
    expected = brute_force(geoms, x, y)
    got = shulan_index.locate_many(x, y)
    assert got.dtype == np.intp
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(shulan_index.locate_exact(x, y), expected)
    # Each grid's own inner point finds that grid.
    np.testing.assert_array_equal(got[: len(geoms)], np.arange(len(geoms)))
    assert (got == -1).any() and (got >= 0).any()


def test_points_on_shared_borders_get_lowest_index(
    shulan_index: GridIndex, shulan: tuple[list[str], list[BaseGeometry], BaseGeometry]
) -> None:
    _, geoms, _ = shulan
    vertices = shapely.get_coordinates(geoms[700])
    got = shulan_index.locate_many(vertices[:, 0], vertices[:, 1])
    for (x, y), index in zip(vertices, got, strict=True):
        touching = [i for i, g in enumerate(geoms) if shapely.intersects_xy(g, x, y)]
        assert index == min(touching)
    assert (got <= 700).all()


def test_locate_scalar_and_outside(
    shulan_index: GridIndex, shulan: tuple[list[str], list[BaseGeometry], BaseGeometry]
) -> None:
    codes, geoms, boundary = shulan
    point = geoms[42].representative_point()
    assert shulan_index.locate(point.x, point.y) == codes[42]
    assert shulan_index.locate(0.0, 0.0) is None
    assert shulan_index.locate(116.4, 39.9) is None  # Beijing
    xmin, ymin, xmax, ymax = boundary.bounds
    assert shulan_index.locate(xmin + 1e-4, ymin + 1e-4) is None  # bbox corner, outside county
    outside = shulan_index.locate_many(
        np.array([np.nan, 200.0, 127.0, xmax + 1.0]), np.array([44.3, 44.3, np.nan, ymax])
    )
    np.testing.assert_array_equal(outside, [-1, -1, -1, -1])


def test_locate_keeps_input_shape(shulan_index: GridIndex) -> None:
    x = np.full((2, 3), 127.1)
    y = np.full((2, 3), 44.3)
    assert shulan_index.locate_many(x, y).shape == (2, 3)
    assert shulan_index.locate_many(np.array([]), np.array([])).shape == (0,)


def test_gcj02_input_is_converted(
    shulan_index: GridIndex, shulan: tuple[list[str], list[BaseGeometry], BaseGeometry]
) -> None:
    codes, geoms, _ = shulan
    checked = 0
    for index in range(0, len(geoms), 37):
        point = geoms[index].representative_point()
        if geoms[index].boundary.distance(point) < 1e-5:
            continue  # too close to a border for the ~1e-7° round trip
        gcj_lng, gcj_lat = wgs84_to_gcj02(point.x, point.y)
        assert shulan_index.locate(gcj_lng, gcj_lat, crs="gcj02") == codes[index]
        many = shulan_index.locate_many(np.array([gcj_lng]), np.array([gcj_lat]), crs="GCJ-02")
        assert many[0] == index
        checked += 1
    assert checked > 30


def test_unknown_crs_is_rejected(shulan_index: GridIndex) -> None:
    with pytest.raises(ValueError, match="crs"):
        shulan_index.locate(127.0, 44.3, crs="bd09")


def test_mismatched_inputs_and_empty_index() -> None:
    with pytest.raises(ValueError):
        GridIndex(["a", "b"], [box(0, 0, 1, 1)])
    empty = GridIndex([], [])
    assert len(empty) == 0
    assert empty.locate(1.0, 1.0) is None


def test_overlaps_holes_and_multipolygons() -> None:
    ring = box(0, 0, 4, 4).difference(box(1, 1, 3, 3))  # square with a hole
    inner = box(1, 1, 3, 3)
    islands = MultiPolygon([box(5, 0, 6, 1), box(7, 0, 8, 1)])
    overlapping = box(2, 2, 6, 0.5 + 2)  # overlaps the hole filler and the ring
    geoms: list[BaseGeometry] = [ring, inner, islands, overlapping, Polygon()]
    index = GridIndex(["ring", "inner", "islands", "over", "empty"], geoms, raster_cells=400)
    rng = np.random.default_rng(3)
    x = np.concatenate((rng.uniform(-1, 9, 20000), np.arange(-1, 10, 0.5)))
    y = np.concatenate((rng.uniform(-1, 5, 20000), np.full(22, 1.0)))
    np.testing.assert_array_equal(index.locate_many(x, y), brute_force(geoms, x, y))
    assert index.locate(2.0, 2.0) == "inner"  # inside the hole, also in "over"
    assert index.locate(3.0, 3.0) == "ring"  # on the shared hole edge: lowest index
    assert index.locate(7.5, 0.5) == "islands"
    assert index.locate(6.5, 0.5) is None


@st.composite
def voronoi_squares(draw: st.DrawFn) -> tuple[list[BaseGeometry], np.ndarray, np.ndarray]:
    """A lon/lat square split into Voronoi cells, and query points on and off borders."""
    seed = draw(st.integers(0, 2**32 - 1))
    count = draw(st.integers(1, 25))
    size = draw(st.sampled_from([0.001, 0.05, 1.0]))
    rng = np.random.default_rng(seed)
    square = box(126.0, 44.0, 126.0 + size, 44.0 + size)
    seeds = rng.uniform((126.0, 44.0), (126.0 + size, 44.0 + size), size=(count, 2))
    if count == 1:
        cells: list[BaseGeometry] = [square]
    else:
        diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=square)
        cells = [c for c in shapely.intersection(shapely.get_parts(diagram), square) if c.area > 0]
    vertices = shapely.get_coordinates(np.array(cells, dtype=object))
    # Midpoints of edges and random points, some outside the square.
    mids = (vertices[:-1] + vertices[1:]) / 2
    random = rng.uniform(
        (126.0 - size / 4, 44.0 - size / 4),
        (126.0 + size * 1.25, 44.0 + size * 1.25),
        size=(500, 2),
    )
    points = np.concatenate((vertices, mids, random))
    return cells, points[:, 0], points[:, 1]


@settings(max_examples=100, deadline=None)
@given(case=voronoi_squares(), cells_wanted=st.sampled_from([None, 64, 5000]))
def test_property_locate_equals_brute_force(
    case: tuple[list[BaseGeometry], np.ndarray, np.ndarray], cells_wanted: int | None
) -> None:
    cells, x, y = case
    index = GridIndex([str(i) for i in range(len(cells))], cells, raster_cells=cells_wanted)
    np.testing.assert_array_equal(index.locate_many(x, y), brute_force(cells, x, y))
