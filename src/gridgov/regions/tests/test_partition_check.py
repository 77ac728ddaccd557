"""Tests for gridgov.regions.partition_check (no Django)."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from gridgov.regions.geo import area_km2
from gridgov.regions.partition_check import Problem, check_partition, format_area

# A 0.1° × 0.1° block near 舒兰 split into four 0.05° squares (~22 km² each).
X0, Y0, STEP = 126.9, 44.3, 0.05
PARENT = box(X0, Y0, X0 + 2 * STEP, Y0 + 2 * STEP)


def square(col: int, row: int, grow: float = 0.0) -> Polygon:
    return box(
        X0 + col * STEP - grow,
        Y0 + row * STEP - grow,
        X0 + (col + 1) * STEP + grow,
        Y0 + (row + 1) * STEP + grow,
    )


def four_squares() -> dict[str, Polygon]:
    return {"A": square(0, 0), "B": square(1, 0), "C": square(0, 1), "D": square(1, 1)}


def kinds(problems: list[Problem]) -> list[str]:
    return [problem.kind for problem in problems]


def test_clean_partition_has_no_problems() -> None:
    assert check_partition(four_squares(), parent=PARENT, tolerance=1e-6) == []
    assert check_partition(four_squares(), parent=None, tolerance=0.0) == []


def test_overlap_is_reported_with_area_and_message() -> None:
    cells = four_squares()
    cells["A"] = box(X0, Y0, X0 + STEP + 0.01, Y0 + STEP)  # pushes 0.01° into B
    problems = check_partition(cells, parent=PARENT, tolerance=1e-6)
    assert kinds(problems) == ["overlap"]
    overlap = problems[0]
    assert overlap.codes == ("A", "B")
    assert overlap.area_km2 == pytest.approx(
        area_km2(box(X0 + STEP, Y0, X0 + STEP + 0.01, Y0 + STEP))
    )
    assert overlap.message_zh == f"网格 A 与 B 重叠 {overlap.area_km2:.3f} 平方公里"
    assert overlap.point is not None


def test_contained_cell_counts_as_overlap() -> None:
    cells = four_squares()
    cells["E"] = box(X0 + 0.01, Y0 + 0.01, X0 + 0.02, Y0 + 0.02)  # inside A
    problems = check_partition(cells, parent=PARENT, tolerance=1e-6)
    assert kinds(problems) == ["overlap"]
    assert problems[0].codes == ("A", "E")


def test_gap_is_reported_with_neighbours() -> None:
    cells = four_squares()
    del cells["D"]
    problems = check_partition(cells, parent=PARENT, tolerance=1e-6)
    assert kinds(problems) == ["gap"]
    gap = problems[0]
    assert gap.codes == ("A", "B", "C")  # A touches D's corner
    assert gap.area_km2 == pytest.approx(area_km2(square(1, 1)))
    assert "未被任何网格覆盖" in gap.message_zh
    assert "网格 A、B、C之间" in gap.message_zh


def test_gaps_ignored_without_parent() -> None:
    cells = four_squares()
    del cells["D"]
    assert check_partition(cells, parent=None, tolerance=1e-6) == []


def test_outside_parent_is_reported() -> None:
    cells = four_squares()
    cells["D"] = square(1, 1, grow=0.002)  # spills out and into B, C
    problems = check_partition(cells, parent=PARENT, tolerance=1e-6)
    outside = [p for p in problems if p.kind == "outside"]
    assert len(outside) == 1
    assert outside[0].codes == ("D",)
    assert "超出上级区域边界" in outside[0].message_zh
    assert {p.codes for p in problems if p.kind == "overlap"} == {
        ("A", "D"),
        ("B", "D"),
        ("C", "D"),
    }


def test_invalid_geometry_is_reported_with_reason() -> None:
    cells = four_squares()
    # A bow-tie over square A: self-intersecting ring.
    cells["A"] = Polygon([(X0, Y0), (X0 + STEP, Y0 + STEP), (X0 + STEP, Y0), (X0, Y0 + STEP)])
    problems = check_partition(cells, parent=PARENT, tolerance=1e-6)
    assert problems[0].kind == "invalid"
    assert problems[0].codes == ("A",)
    assert problems[0].message_zh.startswith("网格 A 的边界无效：Self-intersection[")
    assert problems[0].point == pytest.approx((X0 + STEP / 2, Y0 + STEP / 2))
    # The repaired bow-tie leaves two triangles of A uncovered.
    assert "gap" in kinds(problems)


def test_empty_and_non_areal_cells() -> None:
    cells: dict[str, Polygon | LineString] = {
        **four_squares(),
        "E": Polygon(),
        "F": LineString([(X0, Y0), (X0 + 0.01, Y0 + 0.01)]),
    }
    problems = check_partition(cells, parent=PARENT, tolerance=1e-6)
    assert kinds(problems) == ["empty", "empty"]
    assert [p.codes for p in problems] == [("E",), ("F",)]
    assert all(p.area_km2 == 0 for p in problems)


def test_tolerance_ignores_small_pieces() -> None:
    cells = four_squares()
    cells["A"] = box(X0, Y0, X0 + STEP + 1e-5, Y0 + STEP)  # ~0.004 km² overlap
    assert kinds(check_partition(cells, parent=PARENT, tolerance=1e-6)) == ["overlap"]
    assert check_partition(cells, parent=PARENT, tolerance=0.01) == []


def test_multipolygon_cells_are_fine() -> None:
    cells = {
        "AD": MultiPolygon([square(0, 0), square(1, 1)]),
        "BC": MultiPolygon([square(1, 0), square(0, 1)]),
    }
    assert check_partition(cells, parent=PARENT, tolerance=1e-6) == []


def test_format_area() -> None:
    assert format_area(0.0123) == "0.012 平方公里"
    assert format_area(0.0005) == "500 平方米"
    assert format_area(1e-9) == "不足 1 平方米"
