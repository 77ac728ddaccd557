"""The pure geometry of field work, free of Django: converting a phone's position to WGS-84,
whether it lies in a grid (with a margin in metres), how far it is, the length of a track, and
dropping GPS jumps. Grids are GeoJSON (WGS-84) as ``Region.geometry`` stores them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from gridgov.regions.geo import gcj02_to_wgs84_arrays, to_metric

EARTH_RADIUS_M = 6_371_008.8
FloatArray = npt.NDArray[np.float64]


def to_wgs84(lng: float, lat: float, crs: str) -> tuple[float, float]:
    """The position in WGS-84: a GCJ-02 position (from a Chinese map SDK) is converted; a
    WGS-84 one (the phone's GPS, the browser) is returned as it is."""
    if crs == "gcj02":
        x, y = gcj02_to_wgs84_arrays([lng], [lat])
        return float(x[0]), float(y[0])
    if crs != "wgs84":
        raise ValueError(f"unknown coordinate system {crs!r}")
    return float(lng), float(lat)


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS-84 positions."""
    return float(segment_lengths_m(np.array([lng1, lng2]), np.array([lat1, lat2]))[0])


def segment_lengths_m(lng: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
    """The lengths in metres of the segments between consecutive positions (n − 1 values)."""
    x = np.radians(np.asarray(lng, dtype=np.float64))
    y = np.radians(np.asarray(lat, dtype=np.float64))
    if x.size < 2:
        return np.zeros(0, dtype=np.float64)
    dlat = y[1:] - y[:-1]
    dlng = x[1:] - x[:-1]
    a = np.sin(dlat / 2) ** 2 + np.cos(y[:-1]) * np.cos(y[1:]) * np.sin(dlng / 2) ** 2
    result: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


def track_length_m(lng: npt.ArrayLike, lat: npt.ArrayLike) -> float:
    """The length in metres of a track (the sum of its geodesic segments)."""
    return float(segment_lengths_m(lng, lat).sum())


@dataclass(frozen=True)
class TrackPoint:
    seq: int
    at: float  # seconds (any epoch, the same for the whole track)
    lng: float
    lat: float


def drop_jumps(
    points: Sequence[TrackPoint], max_speed_kmh: float, previous: TrackPoint | None = None
) -> tuple[list[TrackPoint], list[TrackPoint]]:
    """Split a track, in time order, into the kept points and the GPS jumps: a point that
    could only be reached from the last kept point faster than ``max_speed_kmh`` is dropped
    (a later point is then compared with the last kept one, so one wild fix does not drop the
    rest of the track). ``previous`` is the last kept point of an earlier batch."""
    limit = max_speed_kmh / 3.6  # m/s
    kept: list[TrackPoint] = []
    dropped: list[TrackPoint] = []
    last = previous
    for point in points:
        if last is not None:
            metres = haversine_m(last.lng, last.lat, point.lng, point.lat)
            seconds = point.at - last.at
            if seconds <= 0 or metres / seconds > limit:
                if seconds <= 0 and metres < 1:
                    kept.append(point)  # the same fix sent twice in the same second
                    last = point
                    continue
                dropped.append(point)
                continue
        kept.append(point)
        last = point
    return kept, dropped


class GridShape:
    """One grid's outline, prepared for repeated point tests; distances are measured in a
    local metric projection centred on the grid (metres)."""

    def __init__(self, geometry: Mapping[str, Any]) -> None:
        self.geometry: BaseGeometry = shape(geometry)
        centre = self.geometry.representative_point()
        self.lat0 = float(centre.y)
        self.lon0 = float(centre.x)
        self.metric: BaseGeometry = to_metric(self.geometry, self.lat0, self.lon0)
        shapely.prepare(self.geometry)
        shapely.prepare(self.metric)

    def distance_m(self, lng: float, lat: float) -> float:
        """0 inside (or on the edge), else the distance in metres to the outline."""
        if self.geometry.covers(Point(lng, lat)):
            return 0.0
        point = to_metric(Point(lng, lat), self.lat0, self.lon0)
        return float(self.metric.distance(point)) * 1000.0  # to_metric works in km

    def contains(self, lng: float, lat: float, margin_m: float = 0.0) -> bool:
        return self.distance_m(lng, lat) <= margin_m


def valid_position(lng: float, lat: float) -> bool:
    """Finite and on the globe (the service adds the field-level message)."""
    return (
        math.isfinite(lng)
        and math.isfinite(lat)
        and -180.0 <= lng <= 180.0
        and -90.0 <= lat <= 90.0
    )
