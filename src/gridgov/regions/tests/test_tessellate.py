"""Tests for gridgov.regions.tessellate on 舒兰市 and small synthetic shapes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from gridgov.regions.geo import area_km2, areas_km2, load_county_boundary
from gridgov.regions.partition_check import check_partition
from gridgov.regions.tessellate import (
    Cell,
    CellSpec,
    build_spec,
    default_grid_code,
    example_spec,
    is_urban_township_code,
    is_urban_village_code,
    tessellate,
)

SHULAN = "220283"


@pytest.fixture(scope="module")
def shulan_boundary() -> Polygon | MultiPolygon:
    return load_county_boundary(SHULAN)


@pytest.fixture(scope="module")
def shulan_spec() -> CellSpec:
    return example_spec(SHULAN)


@pytest.fixture(scope="module")
def shulan_cells(shulan_boundary: Cell, shulan_spec: CellSpec) -> dict[str, Cell]:
    started = time.perf_counter()
    cells = tessellate(shulan_boundary, shulan_spec)
    elapsed = time.perf_counter() - started
    assert elapsed < 15, f"tessellation took {elapsed:.1f} s"
    return cells


def _parents(spec: CellSpec) -> Iterator[CellSpec]:
    for node in spec.walk():
        if node.children:
            yield node


# ---------------------------------------------------------------- the spec


def test_example_spec_has_shulan_counts(shulan_spec: CellSpec) -> None:
    townships = shulan_spec.children
    villages = [village for township in townships for village in township.children]
    grids = shulan_spec.leaves()
    assert len(townships) == 20
    assert [t.code for t in townships if t.urban] == [f"22028300{n}" for n in range(1, 6)]
    assert len(villages) == 248
    assert sum(v.urban for v in villages) == 37
    assert len(grids) == 1483
    assert sum(g.urban for g in grids) == 167
    assert all(len(g.code) == 15 and g.code.startswith(SHULAN) for g in grids)
    codes = [node.code for node in shulan_spec.walk()]
    assert len(codes) == len(set(codes))


def test_build_spec_derives_urban_flags_and_grid_codes() -> None:
    spec = build_spec(
        "220283",
        ["220283001", ("220283102", False)],
        {
            "220283001": ["220283001001", "220283001201"],
            "220283102": [("220283102201", False)],
        },
        {"220283001001": 2, "220283001201": ["G1", "G2", "G3"], "220283102201": 1},
    )
    street, town = spec.children
    assert street.urban and not town.urban
    community, village = street.children
    assert community.urban and not village.urban
    assert [g.code for g in community.children] == ["220283001001001", "220283001001002"]
    assert all(g.urban for g in community.children)
    assert [g.code for g in village.children] == ["G1", "G2", "G3"]
    assert default_grid_code("220283001001", 7) == "220283001001007"
    assert is_urban_township_code("220283005") and not is_urban_township_code("220283105")
    assert is_urban_village_code("220283001199") and not is_urban_village_code("220283001201")


@pytest.mark.parametrize(
    ("townships", "villages", "grids", "message"),
    [
        ([], {}, {}, "no townships"),
        (["220283101"], {"220283101": []}, {}, "no villages"),
        (["220283101"], {"220283101": ["220283101201"]}, {}, "no grid count"),
        (["220283101"], {"220283101": ["220283101201"]}, {"220283101201": 0}, "at least one"),
        (
            ["220283101"],
            {"220283101": ["220283101201"]},
            {"220283101201": ["X", "X"]},
            "duplicate",
        ),
    ],
)
def test_build_spec_rejects_bad_input(
    townships: list[str],
    villages: dict[str, list[str]],
    grids: dict[str, int | list[str]],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        build_spec("220283", townships, villages, grids)


# ------------------------------------------------------- 舒兰 tessellation


def test_every_node_gets_a_valid_polygonal_geometry(
    shulan_spec: CellSpec, shulan_cells: dict[str, Cell]
) -> None:
    below_county = [node.code for node in shulan_spec.walk()[1:]]
    assert set(shulan_cells) == set(below_county)
    for code, cell in shulan_cells.items():
        assert isinstance(cell, Polygon | MultiPolygon), code
        assert cell.is_valid, code
        assert not cell.is_empty, code


def test_children_cover_each_parent_exactly(
    shulan_boundary: Cell, shulan_spec: CellSpec, shulan_cells: dict[str, Cell]
) -> None:
    for parent in _parents(shulan_spec):
        parent_geometry = shulan_boundary if parent is shulan_spec else shulan_cells[parent.code]
        children = np.array([shulan_cells[c.code] for c in parent.children], dtype=object)
        parent_area = area_km2(parent_geometry)
        child_area = float(areas_km2(children).sum())
        assert child_area == pytest.approx(parent_area, rel=1e-6), parent.code
        # Nothing of the children lies outside the parent, nothing is left out.
        union = shapely.union_all(children)
        assert area_km2(shapely.difference(union, parent_geometry)) < 1e-9 * parent_area
        assert area_km2(shapely.difference(parent_geometry, union)) < 1e-9 * parent_area


def test_no_overlaps_between_siblings(shulan_spec: CellSpec, shulan_cells: dict[str, Cell]) -> None:
    for parent in _parents(shulan_spec):
        if len(parent.children) < 2:
            continue
        children = np.array([shulan_cells[c.code] for c in parent.children], dtype=object)
        parent_area = float(areas_km2(children).sum())
        left, right = shapely.STRtree(children).query(children, predicate="intersects")
        keep = left < right
        overlap = areas_km2(shapely.intersection(children[left[keep]], children[right[keep]]))
        assert overlap.max(initial=0.0) < 1e-9 * parent_area, parent.code


def test_grids_cover_the_county(
    shulan_boundary: Cell, shulan_spec: CellSpec, shulan_cells: dict[str, Cell]
) -> None:
    grids = np.array([shulan_cells[g.code] for g in shulan_spec.leaves()], dtype=object)
    county_area = area_km2(shulan_boundary)
    assert float(areas_km2(grids).sum()) == pytest.approx(county_area, rel=1e-6)
    problems = check_partition(
        {g.code: shulan_cells[g.code] for g in shulan_spec.leaves()},
        parent=shulan_boundary,
        tolerance=1e-6,
    )
    assert problems == []


def test_each_grid_lies_in_its_village(
    shulan_spec: CellSpec, shulan_cells: dict[str, Cell]
) -> None:
    for township in shulan_spec.children:
        for village in township.children:
            village_geometry = shulan_cells[village.code]
            grids = np.array([shulan_cells[g.code] for g in village.children], dtype=object)
            spill = areas_km2(shapely.difference(grids, village_geometry))
            assert spill.max() < 1e-9 * area_km2(village_geometry), village.code
            if len(village.children) == 1:
                assert shulan_cells[village.children[0].code] is village_geometry


def test_urban_cells_are_small_and_clustered(
    shulan_spec: CellSpec, shulan_cells: dict[str, Cell]
) -> None:
    townships = shulan_spec.children
    areas = areas_km2(np.array([shulan_cells[t.code] for t in townships], dtype=object))
    urban = np.array([t.urban for t in townships])
    assert areas[urban].max() < areas[~urban].min()
    # The 街道 together form one town: their union is a single piece.
    streets = shapely.union_all([shulan_cells[t.code] for t in townships if t.urban])
    assert isinstance(streets, Polygon)
    grids = shulan_spec.leaves()
    grid_areas = areas_km2(np.array([shulan_cells[g.code] for g in grids], dtype=object))
    grid_urban = np.array([g.urban for g in grids])
    assert np.median(grid_areas[grid_urban]) * 3 < np.median(grid_areas[~grid_urban])
    # Rural grids are even-ish thanks to Lloyd relaxation.
    rural = grid_areas[~grid_urban]
    assert np.percentile(rural, 90) / np.percentile(rural, 10) < 8


def test_tessellation_is_deterministic(
    shulan_boundary: Cell, shulan_cells: dict[str, Cell]
) -> None:
    spec = example_spec(SHULAN)
    again = tessellate(shulan_boundary, spec)
    assert again.keys() == shulan_cells.keys()
    for code, cell in again.items():
        assert shapely.equals_exact(cell, shulan_cells[code], tolerance=0.0), code


# ----------------------------------------------------------- small shapes


def test_square_with_mixed_children() -> None:
    square = box(126.0, 44.0, 126.2, 44.1)
    spec = build_spec(
        "999999",
        [("999999001", True), ("999999101", False), ("999999102", False)],
        {
            "999999001": [("999999001001", True), ("999999001201", False)],
            "999999101": [("999999101201", False)],
            "999999102": [("999999102001", True), ("999999102201", False), ("999999102202", False)],
        },
        {
            "999999001001": 3,
            "999999001201": 2,
            "999999101201": 4,
            "999999102001": 1,
            "999999102201": 1,
            "999999102202": 5,
        },
    )
    cells = tessellate(square, spec)
    grids = {g.code: cells[g.code] for g in spec.leaves()}
    assert check_partition(grids, parent=square, tolerance=1e-9) == []
    assert cells["999999101201"] is cells["999999101"]  # single village passes through
    assert cells["999999102001001"] is cells["999999102001"]


def test_multipart_parent_is_fully_covered() -> None:
    islands = MultiPolygon([box(0.0, 0.0, 1.0, 1.0), box(2.0, 0.0, 2.5, 0.5)])
    spec = CellSpec("X", children=tuple(CellSpec(f"X{n}") for n in range(6)))
    cells = tessellate(islands, spec)
    assert check_partition(cells, parent=islands, tolerance=1e-9) == []
