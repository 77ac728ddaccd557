"""Validation of imported grid polygons: validity, overlaps, gaps, spill-over.

Used when a 街道/乡镇 uploads its grid boundaries: the grids of one parent
(village, township or county) should cover it without overlaps or gaps.
Areas are in km² (see :func:`gridgov.regions.geo.areas_km2`); pieces smaller
than ``tolerance`` km² are ignored as digitising noise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gridgov.regions.geo import area_km2, areas_km2, polygonal_part

__all__ = ["DEFAULT_TOLERANCE_KM2", "Problem", "ProblemKind", "check_partition", "format_area"]

ProblemKind = Literal["invalid", "empty", "overlap", "gap", "outside"]

#: Default noise threshold: 1 m².
DEFAULT_TOLERANCE_KM2 = 1e-6

_KIND_ORDER: dict[str, int] = {"invalid": 0, "empty": 1, "overlap": 2, "outside": 3, "gap": 4}
_MAX_NAMED_NEIGHBOURS = 4


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`check_partition`.

    ``point`` is a (lng, lat) inside the problem area, for showing it on a map
    (None for invalid/empty cells without area).
    """

    kind: ProblemKind
    codes: tuple[str, ...]
    area_km2: float
    message_zh: str
    point: tuple[float, float] | None = None


def format_area(area: float) -> str:
    """Chinese area text: "0.012 平方公里"; square metres below 0.001 km²."""
    if area >= 0.001:
        return f"{area:.3f} 平方公里"
    if area >= 1e-6:
        return f"{area * 1e6:.0f} 平方米"
    return "不足 1 平方米"


def _inner_point(geometry: BaseGeometry) -> tuple[float, float] | None:
    if geometry.is_empty:
        return None
    point = geometry.representative_point()
    return (round(point.x, 6), round(point.y, 6))


def _join(codes: tuple[str, ...]) -> str:
    return "、".join(codes)


def check_partition(
    cells: Mapping[str, BaseGeometry],
    *,
    parent: BaseGeometry | None = None,
    tolerance: float = DEFAULT_TOLERANCE_KM2,
) -> list[Problem]:
    """Check that ``cells`` (code → WGS-84 geometry) partition ``parent``.

    Reports invalid geometries (with GEOS's reason), cells without area,
    overlapping pairs (found with an STRtree, not all pairs), and — when a
    parent is given — gaps (parent not covered by any cell) and cell parts
    outside the parent. Later checks use ``make_valid`` repairs of invalid
    cells. Pieces under ``tolerance`` km² are ignored. Problems come sorted
    by kind (invalid, empty, overlap, outside, gap), then by codes.
    """
    problems: list[Problem] = []
    codes = [str(code) for code in cells]
    repaired: list[BaseGeometry] = []
    for code, geometry in zip(codes, cells.values(), strict=True):
        if geometry is None or geometry.is_empty:
            problems.append(Problem("empty", (code,), 0.0, f"网格 {code} 没有边界（空几何）"))
            repaired.append(Polygon())
            continue
        if not geometry.is_valid:
            reason = shapely.is_valid_reason(geometry)
            problems.append(
                Problem(
                    "invalid",
                    (code,),
                    area_km2(polygonal_part(shapely.make_valid(geometry))),
                    f"网格 {code} 的边界无效：{reason}",
                    _first_point(reason),
                )
            )
            geometry = shapely.make_valid(geometry)
        polygons = polygonal_part(geometry)
        if polygons.is_empty or polygons.area == 0:
            problems.append(Problem("empty", (code,), 0.0, f"网格 {code} 没有面积（不是面状几何）"))
            polygons = Polygon()
        repaired.append(polygons)

    geoms: npt.NDArray[np.object_] = np.empty(len(repaired), dtype=object)
    geoms[:] = repaired
    problems.extend(_overlaps(codes, geoms, tolerance))
    if parent is not None:
        parent_area = polygonal_part(parent if parent.is_valid else shapely.make_valid(parent))
        problems.extend(_outside(codes, geoms, parent_area, tolerance))
        problems.extend(_gaps(codes, geoms, parent_area, tolerance))
    problems.sort(key=lambda problem: (_KIND_ORDER[problem.kind], problem.codes))
    return problems


def _first_point(reason: str) -> tuple[float, float] | None:
    """The "[x y]" location in a GEOS validity reason, if any."""
    if "[" not in reason or not reason.endswith("]"):
        return None
    try:
        x_text, y_text = reason[reason.rindex("[") + 1 : -1].split()[:2]
        return (float(x_text), float(y_text))
    except ValueError:
        return None


def _overlaps(codes: list[str], geoms: npt.NDArray[np.object_], tolerance: float) -> list[Problem]:
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if left.size == 0:
        return []
    # Interiors meet in 2D (touching along a border does not count).
    interiors_meet = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    left, right = left[interiors_meet], right[interiors_meet]
    shared = shapely.intersection(geoms[left], geoms[right])
    areas = areas_km2(shared)
    problems: list[Problem] = []
    for a, b, piece, area in zip(left, right, shared, areas, strict=True):
        if area <= 0 or area < tolerance:
            continue
        pair = (codes[a], codes[b])
        problems.append(
            Problem(
                "overlap",
                pair,
                float(area),
                f"网格 {pair[0]} 与 {pair[1]} 重叠 {format_area(float(area))}",
                _inner_point(polygonal_part(piece)),
            )
        )
    return problems


def _outside(
    codes: list[str],
    geoms: npt.NDArray[np.object_],
    parent: BaseGeometry,
    tolerance: float,
) -> list[Problem]:
    shapely.prepare(parent)
    inside = shapely.covers(parent, geoms)
    check = np.flatnonzero(~inside & ~shapely.is_empty(geoms))
    if check.size == 0:
        return []
    spill = shapely.difference(geoms[check], parent)
    areas = areas_km2(spill)
    problems: list[Problem] = []
    for index, piece, area in zip(check, spill, areas, strict=True):
        if area <= 0 or area < tolerance:
            continue
        code = codes[index]
        problems.append(
            Problem(
                "outside",
                (code,),
                float(area),
                f"网格 {code} 有 {format_area(float(area))}超出上级区域边界",
                _inner_point(polygonal_part(piece)),
            )
        )
    return problems


def _gaps(
    codes: list[str],
    geoms: npt.NDArray[np.object_],
    parent: BaseGeometry,
    tolerance: float,
) -> list[Problem]:
    covered = shapely.union_all(geoms[~shapely.is_empty(geoms)])
    uncovered = polygonal_part(shapely.difference(parent, covered))
    if uncovered.is_empty:
        return []
    pieces = shapely.get_parts(uncovered)
    areas = areas_km2(pieces)
    tree = shapely.STRtree(geoms)
    problems: list[Problem] = []
    for piece, area in zip(pieces, areas, strict=True):
        if area <= 0 or area < tolerance:
            continue
        near = sorted(codes[i] for i in tree.query(piece, predicate="intersects"))
        point = _inner_point(piece)
        where = f"（约东经 {point[0]:.4f}°、北纬 {point[1]:.4f}°）" if point else ""
        size = format_area(float(area))
        if near:
            shown = _join(tuple(near[:_MAX_NAMED_NEIGHBOURS]))
            more = "等" if len(near) > _MAX_NAMED_NEIGHBOURS else ""
            message = f"网格 {shown}{more}之间有 {size}未被任何网格覆盖{where}"
        else:
            message = f"有 {size}的区域未被任何网格覆盖{where}"
        problems.append(Problem("gap", tuple(near), float(area), message, point))
    return problems
