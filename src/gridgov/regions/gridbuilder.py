"""Plausible grids for a county whose real grid boundaries are not at hand.

Splits the county's real outline into its townships, villages and grids (clipped Voronoi
cells, see :mod:`gridgov.regions.tessellate`) so that every point of the county falls in
exactly one grid. Used by the demo and by ``gridgov build-grids``; real grids replace them
through ``gridgov import-grids``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from gridgov.core import audit
from gridgov.regions import codes
from gridgov.regions.choices import Kind, Level
from gridgov.regions.models import Region
from gridgov.regions.services import save_geometries, set_geometry
from gridgov.regions.tessellate import build_spec, tessellate

# Some urban grids serve one institution (专属网格); names are made up but typical.
DEDICATED_URBAN = (
    (Kind.SCHOOL_GRID, "第一中学"),
    (Kind.SCHOOL_GRID, "第一实验小学"),
    (Kind.HOSPITAL_GRID, "人民医院"),
    (Kind.MARKET_GRID, "中心商贸市场"),
    (Kind.PARK_GRID, "滨河公园"),
)
DEDICATED_RURAL = (
    (Kind.ENTERPRISE_GRID, "经济开发区"),
    (Kind.ENTERPRISE_GRID, "粮食加工园区"),
)


class GridBuildError(ValueError):
    pass


@dataclass
class GridBuildResult:
    county: Region
    grids: list[Region]
    urban: int
    rural: int


def split_total(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers ≥ 1 proportional to ``weights`` (largest remainder)."""
    if total < len(weights):
        raise GridBuildError(f"{total} 个网格不够分给 {len(weights)} 个村（社区）")
    spare = total - len(weights)
    scale = spare / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: spare - sum(counts)]:
        counts[i] += 1
    return [c + 1 for c in counts]


@transaction.atomic
def build_grids(
    *,
    county_path: str,
    urban_grids: int,
    rural_grids: int,
    actor: object = None,
    buildings: bool = True,
) -> GridBuildResult:
    """Create ``urban_grids`` grids over the county's 社区 and ``rural_grids`` over its 村,
    with geometry, households and population, and (``buildings``) the buildings of urban grids
    and hamlets of rural ones as points. Refuses when the county already has grids."""
    county = Region.objects.filter(path=county_path, level=Level.COUNTY).first()
    if county is None:
        raise GridBuildError(f"没有县级区划 {county_path}，请先 gridgov import-divisions")
    if county.geometry is None:
        raise GridBuildError(f"{county.name} 没有边界，无法划分网格")
    if Region.objects.subtree(county.path).filter(level=Level.GRID).exists():
        raise GridBuildError(f"{county.name} 已有网格；如需重建请先删除")
    townships = list(Region.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("path"))
    villages = list(
        Region.objects.filter(parent__in=townships, level=Level.VILLAGE).order_by("path")
    )
    communities = [v for v in villages if v.kind == Kind.COMMUNITY]
    rural = [v for v in villages if v.kind != Kind.COMMUNITY]
    if (urban_grids and not communities) or (rural_grids and not rural):
        raise GridBuildError("社区或村的数量为零，网格数对不上")
    rng = random.Random(f"grids:{county.code}")  # noqa: S311 - plausible demo shapes
    counts: dict[str, int] = {}
    for group, total in ((communities, urban_grids), (rural, rural_grids)):
        if group:
            weights = [rng.uniform(0.6, 1.4) for _ in group]
            counts.update(zip((v.path for v in group), split_total(total, weights), strict=True))
    by_township: dict[str, list[tuple[str, bool]]] = {}
    for village in villages:
        by_township.setdefault(village.path[:9], []).append(
            (village.path, village.kind == Kind.COMMUNITY)
        )
    township_entries = [(t.path, t.kind == Kind.STREET) for t in townships if t.path in by_township]
    spec = build_spec(county.path, township_entries, by_township, counts)
    from shapely.geometry import shape

    cells = tessellate(shape(county.geometry), spec)
    save_geometries({path: geom for path, geom in cells.items() if len(path) < 15})

    names = {v.path: v.name for v in villages}
    kinds = {v.path: v.kind for v in villages}
    grids: list[Region] = []
    now = timezone.now()
    for path, geometry in sorted(cells.items()):
        if len(path) != codes.PATH_WIDTH["grid"]:
            continue
        village_path = path[:12]
        urban = kinds[village_path] == Kind.COMMUNITY
        households = rng.randint(180, 420) if urban else rng.randint(80, 210)
        grid = Region(
            code=path,
            path=path,
            name=f"{names[village_path]}第{int(path[-3:])}网格",
            level=Level.GRID,
            kind=Kind.URBAN_GRID if urban else Kind.RURAL_GRID,
            households=households,
            population=round(households * rng.uniform(2.3, 2.9)),
            created_at=now,
        )
        set_geometry(grid, geometry)
        grids.append(grid)
    _mark_dedicated(grids, county.name, rng)
    parents = {v.path: v.pk for v in villages}
    for grid in grids:
        grid.parent_id = parents[grid.path[:12]]
    Region.objects.bulk_create(grids, batch_size=500)
    if buildings:
        _add_buildings(grids, rng)
    _sum_upward(county)
    audit.record(
        actor=actor,
        action="build_grids",
        obj=county,
        changes={"urban": urban_grids, "rural": rural_grids},
    )
    return GridBuildResult(county=county, grids=grids, urban=urban_grids, rural=rural_grids)


def _mark_dedicated(grids: list[Region], county_name: str, rng: random.Random) -> None:
    urban = [g for g in grids if g.kind == Kind.URBAN_GRID]
    rural = [g for g in grids if g.kind == Kind.RURAL_GRID]
    short = county_name.removesuffix("市").removesuffix("县").removesuffix("区")
    for pool, dedicated in ((urban, DEDICATED_URBAN), (rural, DEDICATED_RURAL)):
        for grid, (kind, place) in zip(
            rng.sample(pool, min(len(pool), len(dedicated))), dedicated, strict=False
        ):
            grid.kind = kind
            grid.dedicated_to = f"{short}{place}" if not place.startswith(short) else place
            grid.name = f"{grid.dedicated_to}专属网格"


HAMLET_SURNAMES = "王李张刘赵孙周吴郑冯陈褚卫蒋沈韩杨朱秦许何吕施孔曹严华金魏陶姜"


def _add_buildings(grids: list[Region], rng: random.Random) -> None:
    """Buildings (楼栋) in urban grids, hamlets (屯) in rural ones, as labelled points with
    the grid's households shared out among them."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    nodes: list[Region] = []
    for grid in grids:
        urban = grid.kind != Kind.RURAL_GRID and grid.kind != Kind.ENTERPRISE_GRID
        count = rng.randint(4, 10) if urban else rng.randint(2, 4)
        polygon = shape(grid.geometry)
        minx, miny, maxx, maxy = polygon.bounds
        points: list[tuple[float, float]] = []
        np_rng = np.random.default_rng(int(grid.path[-9:]))
        while len(points) < count:
            xs = np_rng.uniform(minx, maxx, 64)
            ys = np_rng.uniform(miny, maxy, 64)
            inside = shapely.contains_xy(polygon, xs, ys)
            points += list(zip(xs[inside].tolist(), ys[inside].tolist(), strict=True))
        shares = split_total(max(grid.households, count), [rng.uniform(0.5, 1.5)] * count)
        surnames = rng.sample(HAMLET_SURNAMES, count)
        for serial, ((lng, lat), households) in enumerate(
            zip(points[:count], shares, strict=True), start=1
        ):
            path = codes.child_path(grid.path, serial)
            nodes.append(
                Region(
                    code=path,
                    path=path,
                    name=f"{serial}号楼" if urban else f"{surnames[serial - 1]}家屯",
                    level=Level.BUILDING,
                    kind=Kind.BUILDING if urban else Kind.HAMLET,
                    parent_id=grid.pk,
                    households=households,
                    population=round(households * grid.population / max(grid.households, 1)),
                    label_lng=lng,
                    label_lat=lat,
                )
            )
    Region.objects.bulk_create(nodes, batch_size=1000)


def _sum_upward(county: Region) -> None:
    """Villages, townships and the county carry the sums of their grids' households."""
    from django.db.models import Sum
    from django.db.models.functions import Substr

    updates: list[Region] = []
    for level in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY):
        width = codes.PATH_WIDTH[level]
        sums = {
            row["top"]: row
            for row in Region.objects.subtree(county.path)
            .filter(level=Level.GRID)
            .annotate(top=Substr("path", 1, width))
            .values("top")
            .annotate(h=Sum("households"), p=Sum("population"))
        }
        for region in Region.objects.subtree(county.path).filter(level=level):
            row = sums.get(region.path)
            if row:
                region.households, region.population = row["h"], row["p"]
                updates.append(region)
    Region.objects.bulk_update(updates, ["households", "population"], batch_size=500)
