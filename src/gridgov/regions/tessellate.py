"""Deterministic partition of a county outline into townships, villages and grids.

The real boundaries of townships (乡镇/街道), villages (村/社区) and grids are
not public, so demo and test data are made by splitting the real county
outline with clipped Voronoi cells:

* seed points are sampled inside the parent with a numpy RNG seeded from the
  parent's code, so the same spec always gives the same geometry;
* when a parent has both urban (街道/社区) and rural children, the urban ones
  share a small, roughly round "town core" around the parent's seat and the
  rural ones share the rest, so urban cells come out small and clustered;
* a few Lloyd iterations even out the cell sizes;
* the Voronoi work is done in a local metric plane, then the cells are mapped
  back to lon/lat and clipped with the parent's own lon/lat geometry, so the
  children of a parent cover it exactly (up to floating-point dust).

Output coordinates are not rounded: rounding the vertices of independently
clipped cells would open gaps and overlaps between neighbours.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gridgov.regions.geo import (
    EARTH_RADIUS_KM,
    FloatArray,
    from_metric,
    polygonal_part,
    to_metric,
)

__all__ = [
    "CellSpec",
    "build_spec",
    "default_grid_code",
    "example_spec",
    "is_urban_township_code",
    "is_urban_village_code",
    "tessellate",
]

Cell: TypeAlias = Polygon | MultiPolygon

#: Area of an urban cell relative to a rural sibling's.
URBAN_AREA_RATIO = 0.12
#: Lloyd relaxation steps per partition.
LLOYD_ITERATIONS = 4


@dataclass(frozen=True)
class CellSpec:
    """One node of the region tree: its code, urban flag and children."""

    code: str
    urban: bool = False
    children: tuple[CellSpec, ...] = ()

    def walk(self) -> list[CellSpec]:
        """This node and all its descendants, parents first."""
        nodes: list[CellSpec] = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes

    def leaves(self) -> list[CellSpec]:
        """The leaf nodes (grids) below this node, in tree order."""
        return [node for node in self.walk() if not node.children]


# --------------------------------------------------------------------------
# Building specs
# --------------------------------------------------------------------------


def is_urban_township_code(code: str) -> bool:
    """True for 街道 codes: the 3 township digits are 001–099 (统计用区划代码)."""
    return 1 <= int(code[-3:]) <= 99


def is_urban_village_code(code: str) -> bool:
    """True for 社区/居委会 codes: the 3 village digits are 001–199."""
    return 1 <= int(code[-3:]) <= 199


def default_grid_code(village_code: str, number: int) -> str:
    """Grid code = village code + 3-digit serial, e.g. 220283001001 + 007."""
    return f"{village_code}{number:03d}"


def _code_and_flag(
    entry: str | tuple[str, bool], default: Callable[[str], bool]
) -> tuple[str, bool]:
    if isinstance(entry, str):
        return entry, default(entry)
    code, urban = entry
    return str(code), bool(urban)


def build_spec(
    county_code: str,
    townships: Sequence[str | tuple[str, bool]],
    villages: Mapping[str, Sequence[str | tuple[str, bool]]],
    grids: Mapping[str, int | Sequence[str]],
    *,
    grid_code: Callable[[str, int], str] = default_grid_code,
) -> CellSpec:
    """Build the county → township → village → grid tree for :func:`tessellate`.

    ``townships`` lists township codes, optionally with an explicit urban flag
    (otherwise 001–099 means 街道); ``villages`` maps each township code to its
    village codes (flag optional, 001–199 means 社区); ``grids`` maps each
    village code to either a grid count (codes made by ``grid_code``) or the
    grid codes themselves. Grids inherit their village's urban flag.
    Raises ValueError for empty levels, missing entries or duplicate codes.
    """
    township_specs: list[CellSpec] = []
    for township_entry in townships:
        township_code, township_urban = _code_and_flag(township_entry, is_urban_township_code)
        village_entries = villages.get(township_code)
        if not village_entries:
            raise ValueError(f"township {township_code} has no villages")
        village_specs: list[CellSpec] = []
        for village_entry in village_entries:
            village_code, village_urban = _code_and_flag(village_entry, is_urban_village_code)
            if village_code not in grids:
                raise ValueError(f"village {village_code} has no grid count")
            grid_entry = grids[village_code]
            if isinstance(grid_entry, int | np.integer):
                grid_codes = [grid_code(village_code, n) for n in range(1, int(grid_entry) + 1)]
            elif isinstance(grid_entry, str):
                raise ValueError(f"village {village_code}: give grid codes as a list, not a str")
            else:
                grid_codes = [str(code) for code in grid_entry]
            if not grid_codes:
                raise ValueError(f"village {village_code} must have at least one grid")
            village_specs.append(
                CellSpec(
                    village_code,
                    village_urban,
                    tuple(CellSpec(code, village_urban) for code in grid_codes),
                )
            )
        township_specs.append(CellSpec(township_code, township_urban, tuple(village_specs)))
    if not township_specs:
        raise ValueError(f"county {county_code} has no townships")
    spec = CellSpec(county_code, False, tuple(township_specs))
    seen: set[str] = set()
    for node in spec.walk():
        if node.code in seen:
            raise ValueError(f"duplicate code {node.code}")
        seen.add(node.code)
    return spec


def _spread(total: int, buckets: int, rng: np.random.Generator) -> list[int]:
    """Split ``total`` into ``buckets`` positive counts, roughly evenly."""
    if buckets <= 0:
        return []
    if total < buckets:
        raise ValueError(f"cannot spread {total} items over {buckets} buckets, one each at least")
    extra = rng.multinomial(total - buckets, np.full(buckets, 1.0 / buckets))
    return [1 + int(n) for n in extra]


def example_spec(
    county_code: str,
    *,
    townships: int = 20,
    urban_townships: int = 5,
    villages: int = 248,
    urban_villages: int = 37,
    urban_grids: int = 167,
    rural_grids: int = 1316,
) -> CellSpec:
    """A realistic made-up spec (defaults match 舒兰市's counts).

    街道 get codes 001…, 镇 101…, 乡 201… (the last quarter of rural
    townships); 社区 get village codes 001…, 村 201…. Most 社区 go to the
    街道, the rest one each to the first 镇; each 街道 also gets two 村.
    """
    rng = _rng_for(f"example:{county_code}")
    rural_townships = townships - urban_townships
    if townships < 1 or not 0 <= urban_townships <= townships or villages < urban_villages:
        raise ValueError("inconsistent township/village counts")
    town_count = rural_townships - rural_townships // 4
    township_codes = [f"{county_code}{n:03d}" for n in range(1, urban_townships + 1)]
    township_codes += [f"{county_code}{100 + n:03d}" for n in range(1, town_count + 1)]
    township_codes += [
        f"{county_code}{200 + n:03d}" for n in range(1, rural_townships - town_count + 1)
    ]
    urban_codes = township_codes[:urban_townships]
    rural_codes = township_codes[urban_townships:]

    # Who gets the 社区: a quarter of them go one each to the first rural
    # townships (the 镇 seats), the rest round-robin to the 街道.
    to_towns = min(len(rural_codes), urban_villages // 4) if urban_codes else urban_villages
    community_owner = [rural_codes[i % len(rural_codes)] for i in range(to_towns)]
    community_owner += [urban_codes[i % len(urban_codes)] for i in range(urban_villages - to_towns)]
    # Who gets the 村: two per 街道, the rest spread over the rural townships.
    rural_village_count = villages - urban_villages
    per_street = min(2, rural_village_count // max(len(urban_codes), 1)) if rural_codes else 0
    village_owner = [code for code in urban_codes for _ in range(per_street)]
    remaining = rural_village_count - len(village_owner)
    owners = rural_codes or urban_codes
    for code, count in zip(owners, _spread(remaining, len(owners), rng), strict=True):
        village_owner += [code] * count

    village_map: dict[str, list[tuple[str, bool]]] = {code: [] for code in township_codes}
    for owner in community_owner:
        entries = village_map[owner]
        entries.append((f"{owner}{sum(u for _, u in entries) + 1:03d}", True))
    for owner in village_owner:
        entries = village_map[owner]
        entries.append((f"{owner}{200 + sum(not u for _, u in entries) + 1:03d}", False))

    grid_counts: dict[str, int] = {}
    urban_list = [c for v in village_map.values() for c, u in v if u]
    rural_list = [c for v in village_map.values() for c, u in v if not u]
    for codes, total in ((urban_list, urban_grids), (rural_list, rural_grids)):
        grid_counts.update(zip(codes, _spread(total, len(codes), rng), strict=True))
    township_entries = [(code, code in urban_codes) for code in township_codes]
    village_entries = {code: entries for code, entries in village_map.items() if entries}
    township_entries = [entry for entry in township_entries if entry[0] in village_entries]
    return build_spec(county_code, township_entries, village_entries, grid_counts)


# --------------------------------------------------------------------------
# Tessellation
# --------------------------------------------------------------------------


def _rng_for(code: str) -> np.random.Generator:
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@dataclass(frozen=True)
class _Frame:
    """The local metric plane (km) used for the Voronoi work."""

    lat0: float
    lon0: float

    @property
    def scale(self) -> FloatArray:
        per_degree = EARTH_RADIUS_KM * math.pi / 180.0
        return np.array([per_degree * math.cos(math.radians(self.lat0)), per_degree])

    @property
    def origin(self) -> FloatArray:
        return np.array([self.lon0, self.lat0])

    def to_metric(self, geom: Cell) -> Cell:
        return to_metric(geom, self.lat0, self.lon0)

    def from_metric(self, geom: Cell) -> Cell:
        return from_metric(geom, self.lat0, self.lon0)

    def cells_from_metric(self, geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
        scale, origin = self.scale, self.origin

        def backward(coords: FloatArray) -> FloatArray:
            return coords / scale + origin

        result: npt.NDArray[np.object_] = shapely.transform(geoms, backward)
        return result

    def points_to_metric(self, lonlat: FloatArray) -> FloatArray:
        return (lonlat - self.origin) * self.scale

    def points_to_lonlat(self, xy: FloatArray) -> FloatArray:
        return xy / self.scale + self.origin


def _sample_inside(region_m: BaseGeometry, count: int, rng: np.random.Generator) -> FloatArray:
    """``count`` uniform random points strictly inside ``region_m``."""
    shapely.prepare(region_m)
    xmin, ymin, xmax, ymax = region_m.bounds
    fill = max(region_m.area / max((xmax - xmin) * (ymax - ymin), 1e-300), 0.01)
    found: list[FloatArray] = []
    have = 0
    for _ in range(200):
        batch = int(2 * (count - have) / fill) + 16
        xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(batch, 2))
        xy = xy[shapely.contains_xy(region_m, xy[:, 0], xy[:, 1])]
        found.append(xy)
        have += len(xy)
        if have >= count:
            break
    else:
        raise RuntimeError("could not sample seed points inside a region")
    return np.concatenate(found)[:count]


def _voronoi_cells(
    seeds: FloatArray, extent: tuple[float, float, float, float]
) -> npt.NDArray[np.object_]:
    """Voronoi cells of ``seeds`` (in seed order) covering ``extent``."""
    xmin, ymin, xmax, ymax = extent
    pad = max(xmax - xmin, ymax - ymin) + 1.0
    box = shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box, ordered=True)
    cells: npt.NDArray[np.object_] = shapely.get_parts(diagram)
    if len(cells) != len(seeds):
        raise RuntimeError("Voronoi diagram lost seed points (duplicates?)")
    return cells


def _relaxed_seeds(
    region_m: BaseGeometry, count: int, rng: np.random.Generator, iterations: int
) -> FloatArray:
    """Seeds inside ``region_m`` after a few Lloyd relaxation steps."""
    seeds = _sample_inside(region_m, count, rng)
    if count == 1:
        return seeds
    shapely.prepare(region_m)
    extent = region_m.bounds
    for _ in range(iterations):
        clipped = shapely.intersection(_voronoi_cells(seeds, extent), region_m)
        centres = shapely.get_coordinates(shapely.centroid(clipped))
        if len(centres) != count:
            break  # an empty cell: keep the previous seeds
        inside = shapely.contains_xy(region_m, centres[:, 0], centres[:, 1])
        if not inside.all():
            fallback = shapely.get_coordinates(shapely.point_on_surface(clipped[~inside]))
            centres[~inside] = fallback
        if len(np.unique(centres, axis=0)) != count:
            break
        seeds = centres
    return seeds


def _partition(
    region_ll: BaseGeometry,
    count: int,
    rng: np.random.Generator,
    frame: _Frame,
    iterations: int,
) -> tuple[list[Cell], FloatArray]:
    """Split ``region_ll`` into ``count`` Voronoi cells; return cells and metric seeds."""
    region_m = frame.to_metric(polygonal_part(region_ll))
    seeds = _relaxed_seeds(region_m, count, rng, iterations)
    if count == 1:
        return [polygonal_part(region_ll)], seeds
    cells_m = _voronoi_cells(seeds, region_m.bounds)
    cells_ll = frame.cells_from_metric(cells_m)
    clipped = shapely.intersection(cells_ll, region_ll)
    return [_clean(cell) for cell in clipped], seeds


def _town_core(
    parent_m: BaseGeometry, seat: FloatArray, area: float, rng: np.random.Generator
) -> Polygon:
    """A roundish blob centred on ``seat`` covering about ``area`` km² of the parent."""
    angles = np.linspace(0.0, 2.0 * math.pi, 72, endpoint=False)
    shape = np.ones_like(angles)
    for harmonic in (2, 3, 5):
        phase = rng.uniform(0.0, 2.0 * math.pi)
        shape += rng.uniform(0.03, 0.10) * np.cos(harmonic * angles + phase)
    unit = np.column_stack((shape * np.cos(angles), shape * np.sin(angles)))
    unit_area = Polygon(unit).area
    radius = math.sqrt(area / unit_area)
    shapely.prepare(parent_m)
    blob = Polygon(seat + radius * unit)
    for _ in range(8):  # grow until the part inside the parent has the wanted area
        covered = shapely.area(shapely.intersection(parent_m, blob))
        if covered <= 0 or abs(covered - area) < 0.02 * area:
            break
        radius *= math.sqrt(area / covered)
        blob = Polygon(seat + radius * unit)
    return blob


def _urban_seat(child_m: BaseGeometry, parent_seat: FloatArray) -> FloatArray:
    """The point of an urban child nearest to its parent's seat (the town centre)."""
    seat_point = shapely.points(parent_seat)
    if shapely.intersects(child_m, seat_point):
        return parent_seat
    nearest = shapely.shortest_line(child_m, seat_point)
    return np.asarray(shapely.get_coordinates(nearest)[0], dtype=np.float64)


def _merge_fragments(cells: list[Cell], seeds_ll: FloatArray) -> list[Cell]:
    """Give detached pieces of a cell to the sibling sharing the longest border."""
    cells = list(cells)
    for index, cell in enumerate(cells):
        if not isinstance(cell, MultiPolygon):
            continue
        parts = list(cell.geoms)
        holds_seed = shapely.intersects_xy(parts, seeds_ll[index, 0], seeds_ll[index, 1])
        main = (
            int(np.argmax(holds_seed)) if holds_seed.any() else int(np.argmax(shapely.area(parts)))
        )
        kept: list[Polygon] = [parts[main]]
        for number, part in enumerate(parts):
            if number == main:
                continue
            best, best_length = -1, 0.0
            for other, sibling in enumerate(cells):
                if other == index or not shapely.intersects(part, sibling):
                    continue
                shared = shapely.length(shapely.intersection(part.boundary, sibling.boundary))
                if shared > best_length:
                    best, best_length = other, float(shared)
            if best < 0:
                kept.append(part)  # an island of the parent: nobody else borders it
                continue
            merged = shapely.union(cells[best], part)
            cells[best] = _clean(merged)
        cells[index] = _clean(MultiPolygon(kept) if len(kept) > 1 else kept[0])
    return cells


def _clean(geometry: BaseGeometry) -> Cell:
    """A valid Polygon/MultiPolygon with zero-area parts removed."""
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    result = polygonal_part(geometry)
    if isinstance(result, MultiPolygon):
        parts = [part for part in result.geoms if part.area > 0]
        if len(parts) != len(result.geoms):
            result = MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else Polygon())
    return result


def _split(
    parent_ll: Cell,
    seat_m: FloatArray,
    children: Sequence[CellSpec],
    rng: np.random.Generator,
    frame: _Frame,
    iterations: int,
    urban_ratio: float,
) -> tuple[list[Cell], FloatArray]:
    """Split a parent among its children; urban children cluster at ``seat_m``."""
    count = len(children)
    if count == 1:
        return [parent_ll], seat_m.reshape(1, 2)
    urban = np.array([child.urban for child in children])
    n_urban = int(urban.sum())
    if 0 < n_urban < count:
        parent_m = frame.to_metric(parent_ll)
        share = n_urban * urban_ratio / (n_urban * urban_ratio + (count - n_urban))
        core_m = _town_core(parent_m, seat_m, share * parent_m.area, rng)
        core_ll = frame.from_metric(core_m)
        core_region = polygonal_part(shapely.intersection(parent_ll, core_ll))
        rest_region = polygonal_part(shapely.difference(parent_ll, core_ll))
        if core_region.area > 0 and rest_region.area > 0:
            urban_cells, urban_seeds = _partition(core_region, n_urban, rng, frame, iterations)
            rural_cells, rural_seeds = _partition(
                rest_region, count - n_urban, rng, frame, iterations
            )
            cells: list[Cell] = [Polygon()] * count
            seeds = np.empty((count, 2))
            urban_at = np.flatnonzero(urban)
            rural_at = np.flatnonzero(~urban)
            for slot, cell in zip(urban_at, urban_cells, strict=True):
                cells[slot] = cell
            for slot, cell in zip(rural_at, rural_cells, strict=True):
                cells[slot] = cell
            seeds[urban_at] = urban_seeds
            seeds[rural_at] = rural_seeds
            return cells, seeds
    return _partition(parent_ll, count, rng, frame, iterations)


def tessellate(
    boundary: BaseGeometry,
    spec: CellSpec,
    *,
    iterations: int = LLOYD_ITERATIONS,
    urban_ratio: float = URBAN_AREA_RATIO,
) -> dict[str, Cell]:
    """Partition ``boundary`` (WGS-84) following ``spec``; return code → geometry.

    Every node below the root gets a valid Polygon/MultiPolygon; the children
    of each node cover it exactly with no overlaps beyond floating-point dust.
    A node with one child passes its geometry on unchanged.
    """
    root_ll = _clean(boundary)
    if root_ll.is_empty:
        raise ValueError("boundary has no area")
    centre = root_ll.centroid
    frame = _Frame(lat0=centre.y, lon0=centre.x)
    seat = frame.points_to_metric(shapely.get_coordinates(root_ll.representative_point()))[0]
    result: dict[str, Cell] = {}
    stack: list[tuple[CellSpec, Cell, FloatArray]] = [(spec, root_ll, seat)]
    while stack:
        node, geometry, node_seat = stack.pop()
        if not node.children:
            continue
        cells, seeds = _split(
            geometry, node_seat, node.children, _rng_for(node.code), frame, iterations, urban_ratio
        )
        if len(node.children) > 1:
            cells = _merge_fragments(cells, frame.points_to_lonlat(seeds))
        for child, cell, child_seed in zip(node.children, cells, seeds, strict=True):
            if cell.is_empty:
                raise RuntimeError(f"cell {child.code} came out empty")
            if child.code in result:
                raise ValueError(f"duplicate code {child.code}")
            result[child.code] = cell
            if child.urban:
                child_seed = _urban_seat(frame.to_metric(cell), node_seat)
            stack.append((child, cell, child_seed))
    return result
