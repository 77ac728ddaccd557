"""``locate(lng, lat)``: the grid of a point, and every ancestor, from the stored grids.

Each process keeps one :class:`~gridgov.regions.locate.GridIndex` in memory and rebuilds it
when the grids change (checked against the database at most every ``RECHECK_SECONDS``), so
several processes and servers stay correct without shared state.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from shapely.geometry import shape

from gridgov.regions import codes
from gridgov.regions.choices import Level
from gridgov.regions.locate import SUPPORTED_CRS, GridIndex
from gridgov.regions.models import Region

RECHECK_SECONDS = 10.0


class LocateError(ValueError):
    """Bad coordinates (out of range, unknown coordinate system)."""


class OutsideJurisdiction(LookupError):
    """The point lies in no grid of this deployment."""

    def __init__(self, lng: float, lat: float) -> None:
        self.lng, self.lat = lng, lat
        super().__init__(
            _("坐标（%(lng).6f，%(lat).6f）不在本平台管辖范围内的任何网格中")
            % {"lng": lng, "lat": lat}
        )


@dataclass(frozen=True)
class Location:
    grid: Region
    chain: tuple[Region, ...]  # from the deployment's root down to the grid

    def by_level(self, level: str) -> Region | None:
        return next((region for region in self.chain if region.level == level), None)


class _IndexCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: GridIndex | None = None
        self._stamp: tuple[int, object] | None = None
        self._checked = 0.0

    def get(self) -> GridIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked < RECHECK_SECONDS:
            return self._index
        with self._lock:
            stamp = _grid_stamp()
            if self._index is None or stamp != self._stamp:
                self._index = _build_index()
                self._stamp = stamp
            self._checked = time.monotonic()
            return self._index

    def clear(self) -> None:
        with self._lock:
            self._index, self._stamp, self._checked = None, None, 0.0


_cache = _IndexCache()


def _grid_stamp() -> tuple[int, object]:
    row = Region.objects.filter(level=Level.GRID, is_active=True).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    return row["n"], row["last"]


def _build_index() -> GridIndex:
    rows = (
        Region.objects.filter(level=Level.GRID, is_active=True)
        .filter(geometry__isnull=False)
        .order_by("path")
        .values_list("path", "geometry")
    )
    paths, geometries = [], []
    for path, geometry in rows:
        paths.append(path)
        geometries.append(shape(geometry))
    return GridIndex(paths, geometries)


def grid_index() -> GridIndex:
    return _cache.get()


def forget_index() -> None:
    """Drop this process's index (tests; other processes notice the change by themselves)."""
    _cache.clear()


def check_coordinates(lng: float, lat: float, crs: str) -> None:
    errors = []
    if crs not in SUPPORTED_CRS:
        errors.append(_("坐标系只能是 wgs84 或 gcj02"))
    if not (-180.0 <= lng <= 180.0) or lng != lng:
        errors.append(_("经度应在 -180 到 180 之间"))
    if not (-90.0 <= lat <= 90.0) or lat != lat:
        errors.append(_("纬度应在 -90 到 90 之间"))
    if errors:
        raise LocateError("；".join(errors))


def locate_path(lng: float, lat: float, *, crs: str = "wgs84") -> str | None:
    check_coordinates(lng, lat, crs)
    return grid_index().locate(lng, lat, crs=crs)


def locate(lng: float, lat: float, *, crs: str = "wgs84") -> Location:
    """The grid holding the point and its ancestors; raises :class:`OutsideJurisdiction`."""
    path = locate_path(lng, lat, crs=crs)
    if path is None:
        raise OutsideJurisdiction(lng, lat)
    chain = list(Region.objects.filter(path__in=[*codes.ancestor_paths(path), path]))
    chain.sort(key=lambda region: len(region.path))
    return Location(grid=chain[-1], chain=tuple(chain))


def locate_many(lng: npt.ArrayLike, lat: npt.ArrayLike, *, crs: str = "wgs84") -> list[str | None]:
    """Grid paths for many points at once (None where a point is outside every grid)."""
    if crs not in SUPPORTED_CRS:
        raise LocateError(_("坐标系只能是 wgs84 或 gcj02"))
    index = grid_index()
    found = index.locate_many(np.asarray(lng, dtype=float), np.asarray(lat, dtype=float), crs=crs)
    return [index.codes[i] if i >= 0 else None for i in found.tolist()]
