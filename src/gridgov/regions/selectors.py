"""Reads of the region tree, always through the jurisdiction function."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.http import Http404

from gridgov.core.jurisdiction import restrict, scope_for
from gridgov.regions import codes
from gridgov.regions.choices import Level
from gridgov.regions.models import Region, RegionQuerySet, subtree_q


def visible_regions(user: Any) -> RegionQuerySet:
    return restrict(Region.objects.all(), user)  # type: ignore[return-value]


def root_regions(user: Any) -> list[Region]:
    """The tops of the user's territory (for a superuser: the deployment's roots)."""
    scope = scope_for(user)
    if scope.everything:
        return list(Region.objects.filter(parent__isnull=True))
    return list(Region.objects.filter(path__in=scope.territory_paths))


def get_region(user: Any, path: str) -> Region:
    """One region the user may see; 404 (not 403) outside the territory, so as not to leak."""
    region = visible_regions(user).filter(path=path).select_related("parent").first()
    if region is None:
        raise Http404("区划不存在或不在您的辖区内")
    return region


def breadcrumbs(user: Any, region: Region) -> list[Region]:
    """The region's ancestors that the user may see, top down, and the region itself."""
    paths = list(codes.ancestor_paths(region.path))
    visible = {r.path: r for r in visible_regions(user).filter(path__in=paths)}
    return [visible[p] for p in paths if p in visible] + [region]


def children_summary(user: Any, region: Region) -> list[dict[str, Any]]:
    """Each visible child with its number of grids and the households and population served."""
    children = list(visible_regions(user).filter(parent=region).order_by("path"))
    if not children:
        return []
    totals: dict[str, dict[str, Any]] = {}
    for width in {len(child.path) for child in children}:
        sums = (
            Region.objects.filter(level=Level.GRID)
            .filter(subtree_q(region.path, "path"))
            .annotate(top=Substr("path", 1, width))
            .values("top")
            .annotate(grids=Count("id"), households=Sum("households"), population=Sum("population"))
        )
        totals.update({row.pop("top"): row for row in sums})
    empty = {"grids": 0, "households": 0, "population": 0}
    rows: list[dict[str, Any]] = []
    for child in children:
        if child.level in (Level.GRID, Level.BUILDING):
            # A grid or building carries its own figures (buildings share out their grid's).
            grids = 1 if child.level == Level.GRID else None
            rows.append(
                {
                    "region": child,
                    "grids": grids,
                    "households": child.households,
                    "population": child.population,
                }
            )
        else:
            rows.append({"region": child, **totals.get(child.path, empty)})
    return rows


def territory_counts(user: Any) -> dict[str, int]:
    """How many nodes of each level the user's territory holds."""
    rows = visible_regions(user).values("level").annotate(n=Count("id"))
    counts = {row["level"]: row["n"] for row in rows}
    return {level: counts.get(level, 0) for level in codes.LEVELS if counts.get(level)}


def children_geojson(user: Any, region: Region) -> dict[str, Any]:
    """A FeatureCollection of the region's visible children: outlines, or points for buildings
    and hamlets that have only a location. A node without either child shows its own outline."""
    fields = ("path", "code", "name", "level", "kind", "households", "population")
    features: list[dict[str, Any]] = []
    for node in (
        visible_regions(user)
        .filter(parent=region)
        .filter(Q(geometry__isnull=False) | Q(label_lng__isnull=False))
        .values(*fields, "geometry", "label_lng", "label_lat")
    ):
        geometry = node["geometry"] or {
            "type": "Point",
            "coordinates": [node["label_lng"], node["label_lat"]],
        }
        features.append(
            {"type": "Feature", "geometry": geometry, "properties": {f: node[f] for f in fields}}
        )
    if region.geometry and not any(f["geometry"]["type"] != "Point" for f in features):
        own = {f: getattr(region, f) for f in fields}
        features.insert(
            0, {"type": "Feature", "geometry": region.geometry, "properties": {**own, "self": True}}
        )
    return {"type": "FeatureCollection", "features": features}
