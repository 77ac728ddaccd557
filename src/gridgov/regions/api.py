"""API: the region tree, grids as GeoJSON, locate."""

from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from gridgov.core.apiutil import staff
from gridgov.regions import selectors
from gridgov.regions.choices import Level
from gridgov.regions.locator import LocateError, OutsideJurisdiction, locate
from gridgov.regions.models import Region, subtree_q

router = Router(tags=["区划与网格"])


class RegionOut(Schema):
    path: str
    code: str
    name: str
    level: str
    level_label: str
    kind: str
    parent: str | None
    households: int
    population: int
    area_km2: float | None
    label_lng: float | None
    label_lat: float | None


class RegionDetailOut(RegionOut):
    ancestors: list[RegionOut]
    children: int


class LocateOut(Schema):
    grid: RegionOut
    chain: list[RegionOut] = Field(..., description="自上而下：县（市）… 网格")


def region_out(region: Region) -> dict[str, Any]:
    return {
        "path": region.path,
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": str(Level(region.level).label),
        "kind": region.kind,
        "parent": region.parent.path if region.parent_id and region.parent else None,
        "households": region.households,
        "population": region.population,
        "area_km2": region.area_km2,
        "label_lng": region.label_lng,
        "label_lat": region.label_lat,
    }


@router.get("/regions", response=list[RegionOut], summary="我的辖区（顶层）")
def roots(request: HttpRequest) -> list[dict[str, Any]]:
    user = staff(request)
    return [region_out(r) for r in selectors.root_regions(user)]  # roots have no parent


@router.get("/regions/{path}", response=RegionDetailOut, summary="区划详情")
def detail(request: HttpRequest, path: str) -> dict[str, Any]:
    user = staff(request)
    region = selectors.get_region(user, path)
    crumbs = selectors.breadcrumbs(user, region)[:-1]
    children = selectors.visible_regions(user).filter(parent=region).count()
    return {
        **region_out(region),
        "ancestors": [region_out(r) for r in crumbs],
        "children": children,
    }


@router.get("/regions/{path}/children", response=list[RegionOut], summary="下级区划")
def children(request: HttpRequest, path: str) -> list[dict[str, Any]]:
    user = staff(request)
    region = selectors.get_region(user, path)
    rows = selectors.visible_regions(user).filter(parent=region).select_related("parent")
    return [region_out(r) for r in rows.order_by("path")]


@router.get("/regions/{path}/grids.geojson", summary="辖区内网格边界（GeoJSON）")
def grids(request: HttpRequest, path: str) -> dict[str, Any]:
    user = staff(request)
    region = selectors.get_region(user, path)
    rows = (
        selectors.visible_regions(user)
        .filter(subtree_q(region.path, "path"), level=Level.GRID, geometry__isnull=False)
        .order_by("path")
        .values("path", "code", "name", "kind", "households", "population", "geometry")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": row["geometry"],
                "properties": {k: v for k, v in row.items() if k != "geometry"},
            }
            for row in rows
        ],
    }


class LocateQuery(Schema):
    lng: float = Field(..., ge=-180, le=180, description="经度")
    lat: float = Field(..., ge=-90, le=90, description="纬度")
    crs: Literal["wgs84", "gcj02"] = "wgs84"


@router.get("/locate", response=LocateOut, summary="坐标定位到网格")
def locate_point(request: HttpRequest, point: Query[LocateQuery]) -> dict[str, Any]:
    user = staff(request)
    lng, lat, crs = point.lng, point.lat, point.crs
    try:
        location = locate(lng, lat, crs=crs)
    except LocateError as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError({"lng": [str(exc)]}) from exc
    except OutsideJurisdiction as exc:
        raise Http404(str(exc)) from exc
    visible = set(
        selectors.visible_regions(user)
        .filter(path__in=[r.path for r in location.chain])
        .values_list("path", flat=True)
    )
    if location.grid.path not in visible:
        raise Http404(_("该坐标不在您的辖区内"))
    return {
        "grid": region_out(location.grid),
        "chain": [region_out(r) for r in location.chain if r.path in visible],
    }
