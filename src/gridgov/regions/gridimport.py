"""``gridgov import-grids FILE.geojson``: real grid polygons, validated before anything is written.

Every feature needs ``properties.code`` (15 digits: its village's 12-digit code + a 3-digit
serial) and a Polygon or MultiPolygon in WGS-84. Optional properties: ``name``, ``kind``
(urban, rural, school, park, enterprise, hospital, market, dedicated), ``households``,
``population``, ``dedicated_to``. Features whose code exists replace that grid's attributes and
geometry; the others are created. Errors (bad features, unknown villages, invalid rings,
overlaps, enclosed gaps) abort the whole import; nothing is half-loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.db import transaction
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from gridgov.core import audit
from gridgov.regions import codes
from gridgov.regions.choices import KINDS_BY_LEVEL, Kind, Level
from gridgov.regions.models import Region
from gridgov.regions.partition_check import Problem, check_partition
from gridgov.regions.services import derive_geometry_upward, set_geometry

GRID_KINDS = KINDS_BY_LEVEL[Level.GRID]
BLOCKING = frozenset({"feature", "invalid", "empty", "overlap", "gap"})


@dataclass(frozen=True)
class GridFeature:
    code: str
    name: str
    kind: str
    households: int
    population: int
    dedicated_to: str
    geometry: BaseGeometry


@dataclass
class GridImportReport:
    created: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.kind in BLOCKING]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.kind not in BLOCKING]


class GridImportError(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("；".join(p.message_zh for p in self.problems[:5]))


def _feature_problem(message: str, *codes_: str) -> Problem:
    return Problem(kind="feature", codes=tuple(codes_), area_km2=0.0, message_zh=message)  # type: ignore[arg-type]


def _int(value: Any, label: str, where: str, problems: list[Problem]) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        problems.append(_feature_problem(f"{where}：{label}应为非负整数"))
        return 0
    try:
        number = int(value)
    except ValueError:
        problems.append(_feature_problem(f"{where}：{label}“{value}”不是整数"))
        return 0
    if number < 0:
        problems.append(_feature_problem(f"{where}：{label}不能为负数"))
    return max(number, 0)


def parse_features(data: Mapping[str, Any]) -> tuple[list[GridFeature], list[Problem]]:
    """Turn a GeoJSON FeatureCollection into grid features, collecting every problem."""
    problems: list[Problem] = []
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        return [], [_feature_problem("文件不是 GeoJSON FeatureCollection")]
    features: list[GridFeature] = []
    seen: set[str] = set()
    for number, raw in enumerate(data["features"], start=1):
        where = f"第 {number} 个要素"
        props = raw.get("properties") or {} if isinstance(raw, dict) else {}
        code = str(props.get("code", "")).strip()
        if not code:
            problems.append(_feature_problem(f"{where}：缺少 properties.code（15 位网格代码）"))
            continue
        where = f"{where}（{code}）"
        if not codes.is_digits(code) or len(code) != codes.PATH_WIDTH["grid"]:
            problems.append(
                _feature_problem(f"{where}：网格代码应为 15 位数字（村代码 + 3 位序号）", code)
            )
            continue
        if code in seen:
            problems.append(_feature_problem(f"{where}：网格代码在文件中重复", code))
            continue
        seen.add(code)
        kind = str(props.get("kind", "") or "")
        if kind and kind not in GRID_KINDS:
            problems.append(
                _feature_problem(
                    f"{where}：类型“{kind}”无效，应为 {', '.join(sorted(GRID_KINDS))} 之一", code
                )
            )
            continue
        try:
            geometry = shape(raw.get("geometry"))
        except Exception as exc:
            problems.append(_feature_problem(f"{where}：几何无法解析（{exc}）", code))
            continue
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                _feature_problem(
                    f"{where}：几何类型应为 Polygon 或 MultiPolygon，而不是 {geometry.geom_type}",
                    code,
                )
            )
            continue
        features.append(
            GridFeature(
                code=code,
                name=str(props.get("name", "") or "").strip()[:100],
                kind=kind,
                households=_int(props.get("households"), "户数", where, problems),
                population=_int(props.get("population"), "人口", where, problems),
                dedicated_to=str(props.get("dedicated_to", "") or "")[:100],
                geometry=geometry,
            )
        )
    return features, problems


def check_features(features: Sequence[GridFeature], *, tolerance_km2: float) -> list[Problem]:
    """Unknown villages, invalid rings, overlaps (with each other and with the grids already
    stored), enclosed gaps, and parts outside the county outline."""
    problems: list[Problem] = []
    village_paths = {f.code[:12] for f in features}
    villages = dict(
        Region.objects.filter(path__in=village_paths, level=Level.VILLAGE).values_list("path", "id")
    )
    for feature in features:
        if feature.code[:12] not in villages:
            problems.append(
                _feature_problem(
                    f"网格 {feature.code} 所属的村（社区）{feature.code[:12]} 不存在，请先导入区划",
                    feature.code,
                )
            )
    cells: dict[str, BaseGeometry] = {f.code: f.geometry for f in features}
    county_paths = {f.code[:6] for f in features}
    stored = (
        Region.objects.filter(level=Level.GRID)
        .filter(geometry__isnull=False)
        .exclude(path__in=list(cells))
    )
    for county_path in county_paths:
        for path, geometry in stored.filter(path__startswith=county_path).values_list(
            "path", "geometry"
        ):
            cells[path] = shape(geometry)
    problems += check_partition(cells, parent=None, tolerance=tolerance_km2)
    valid = [g for g in cells.values() if g.is_valid and not g.is_empty]
    if valid:
        union = shapely.union_all(valid)
        filled = shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(union)])
        problems += [
            p
            for p in check_partition(cells, parent=filled, tolerance=tolerance_km2)
            if p.kind == "gap"
        ]
        for county in Region.objects.filter(path__in=county_paths).filter(geometry__isnull=False):
            outline = shape(county.geometry)
            county_cells = {
                c: g for c, g in cells.items() if c.startswith(county.path) and g.is_valid
            }
            problems += [
                p
                for p in check_partition(
                    county_cells, parent=outline, tolerance=max(tolerance_km2, 0.01)
                )
                if p.kind == "outside"
            ]
    return problems


def read_file(path: Path) -> Mapping[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise GridImportError([_feature_problem(f"无法读取 {path}：{exc}")]) from exc


@transaction.atomic
def import_grids(
    *,
    data: Mapping[str, Any],
    actor: Any = None,
    tolerance_km2: float = 1e-4,
    allow_gaps: bool = False,
) -> GridImportReport:
    """Validate every feature, then write all of them or none."""
    features, problems = parse_features(data)
    if features:
        problems += check_features(features, tolerance_km2=tolerance_km2)
    report = GridImportReport(problems=problems)
    blocking = [p for p in report.errors if not (allow_gaps and p.kind == "gap")]
    if blocking or not features:
        raise GridImportError(blocking or [_feature_problem("文件中没有网格")])
    villages = {v.path: v for v in Region.objects.filter(path__in={f.code[:12] for f in features})}
    existing = {g.path: g for g in Region.objects.filter(path__in=[f.code for f in features])}
    to_create: list[Region] = []
    for feature in features:
        village = villages[feature.code[:12]]
        grid = existing.get(feature.code) or Region(
            code=feature.code, path=feature.code, level=Level.GRID, parent=village
        )
        grid.name = feature.name or grid.name or f"{village.name}第{int(feature.code[-3:])}网格"
        grid.kind = (
            feature.kind
            or grid.kind
            or (Kind.URBAN_GRID if village.kind == Kind.COMMUNITY else Kind.RURAL_GRID)
        )
        grid.households, grid.population = feature.households, feature.population
        grid.dedicated_to = feature.dedicated_to
        set_geometry(grid, feature.geometry)
        if grid.pk is None:
            to_create.append(grid)
        else:
            grid.save()
            report.updated += 1
    Region.objects.bulk_create(to_create, batch_size=500)
    report.created = len(to_create)
    derive_geometry_upward({f.code for f in features}, stop_level=Level.TOWNSHIP)
    audit.record(
        actor=actor,
        action="import_grids",
        obj=next(iter(villages.values())),
        changes={"created": report.created, "updated": report.updated},
    )
    return report
