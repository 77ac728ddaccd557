"""Point-in-grid lookup: which grid holds a given coordinate.

:class:`GridIndex` answers with the same result as the exact test "lowest
index among the geometries the point intersects", but fast: a raster over the
grids' bounding box answers directly for cells that no boundary crosses (such
a cell lies wholly inside one grid, or outside all of them), and only points
in cells that a boundary crosses fall back to the exact shapely STRtree test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LinearRing, LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gridgov.regions.geo import FloatArray, gcj02_to_wgs84_arrays

__all__ = ["SUPPORTED_CRS", "GridIndex"]

#: Coordinate systems accepted by :meth:`GridIndex.locate`.
SUPPORTED_CRS = ("wgs84", "gcj02")

IndexArray = npt.NDArray[np.intp]

_OUTSIDE = -1  # raster cell wholly outside every grid
_CHECK = -2  # raster cell crossed by a boundary: use the exact test
_NO_LABEL = np.iinfo(np.int32).max
_MAX_RASTER_CELLS = 1 << 22  # 4 Mi cells = 16 MiB of int32
_CELLS_PER_GRID = 2048


class GridIndex:
    """Spatial index of grid polygons (WGS-84) for point lookups.

    ``raster_cells`` sets the size of the lookup raster; by default about
    2,048 cells per grid, between 4,096 and 4 Mi cells.
    """

    def __init__(
        self,
        codes: Sequence[str],
        geoms: Sequence[BaseGeometry],
        *,
        raster_cells: int | None = None,
    ) -> None:
        if len(codes) != len(geoms):
            raise ValueError(f"{len(codes)} codes but {len(geoms)} geometries")
        self._codes: tuple[str, ...] = tuple(str(code) for code in codes)
        geometry_array = np.empty(len(geoms), dtype=object)
        geometry_array[:] = list(geoms)
        self._geoms: npt.NDArray[np.object_] = geometry_array
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)
        self._build_raster(raster_cells)

    # ------------------------------------------------------------------ API

    @property
    def codes(self) -> tuple[str, ...]:
        """Grid codes, in index order."""
        return self._codes

    @property
    def geoms(self) -> npt.NDArray[np.object_]:
        """Grid geometries, in index order."""
        return self._geoms

    def __len__(self) -> int:
        return len(self._codes)

    def locate(self, lng: float, lat: float, *, crs: str = "wgs84") -> str | None:
        """Code of the grid holding (lng, lat), or None when outside every grid."""
        index = int(self.locate_many(np.array([lng]), np.array([lat]), crs=crs)[0])
        return None if index < 0 else self._codes[index]

    def locate_many(
        self, lng: npt.ArrayLike, lat: npt.ArrayLike, *, crs: str = "wgs84"
    ) -> IndexArray:
        """Index into :attr:`codes` for each point (-1 when outside every grid).

        A point on a border shared by several grids gets the lowest index.
        ``crs`` is "wgs84" or "gcj02" (GCJ-02 input is converted first).
        """
        x, y = _coordinates(lng, lat, crs)
        shape = x.shape
        x = x.ravel()
        y = y.ravel()
        result = np.full(x.shape, _OUTSIDE, dtype=np.intp)
        if self._table is None or x.size == 0:
            return result.reshape(shape)
        col = np.floor((x - self._x0) * self._inv_dx)
        row = np.floor((y - self._y0) * self._inv_dy)
        ny, nx = self._table.shape
        inside = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)  # False for NaN
        where = np.flatnonzero(inside)
        flat = row[where].astype(np.intp) * nx + col[where].astype(np.intp)
        labels = self._table.ravel()[flat]
        result[where] = labels
        check = where[labels == _CHECK]
        if check.size:
            result[check] = self._exact(x[check], y[check])
        return result.reshape(shape)

    def locate_exact(
        self, lng: npt.ArrayLike, lat: npt.ArrayLike, *, crs: str = "wgs84"
    ) -> IndexArray:
        """Like :meth:`locate_many` but always with the exact STRtree test."""
        x, y = _coordinates(lng, lat, crs)
        return self._exact(x.ravel(), y.ravel()).reshape(x.shape)

    # ------------------------------------------------------------ internals

    def _exact(self, x: FloatArray, y: FloatArray) -> IndexArray:
        """Lowest index of the geometries each point intersects, else -1."""
        result = np.full(x.shape, len(self._codes), dtype=np.intp)
        points = shapely.points(x, y)
        point_at, geom_at = self._tree.query(points, predicate="intersects")
        np.minimum.at(result, point_at, geom_at)
        result[result == len(self._codes)] = _OUTSIDE
        return result

    def _build_raster(self, raster_cells: int | None) -> None:
        """Build the lookup raster: a label per cell, or _CHECK near boundaries."""
        self._table: npt.NDArray[np.int32] | None = None
        self._x0 = self._y0 = 0.0
        self._dx = self._dy = self._inv_dx = self._inv_dy = 1.0
        present = ~shapely.is_empty(self._geoms) & ~shapely.is_missing(self._geoms)
        if not present.any():
            return
        xmin, ymin, xmax, ymax = shapely.total_bounds(self._geoms[present])
        target = raster_cells or min(
            max(_CELLS_PER_GRID * int(present.sum()), 4096), _MAX_RASTER_CELLS
        )
        width = max(xmax - xmin, 1e-9)
        height = max(ymax - ymin, 1e-9)
        # Cells roughly square on the ground: dx = dy / cos(latitude).
        mid_lat = (ymin + ymax) / 2.0
        squash = max(math.cos(math.radians(mid_lat)), 0.1) if abs(mid_lat) <= 90 else 1.0
        dy = math.sqrt(width * height * squash / max(target, 1))
        dx = dy / squash
        # Neither side longer than the box nor thinner than box/target.
        dx = min(max(dx, width / target), width)
        dy = min(max(dy, height / target), height)
        nx = math.ceil(width / dx) + 2
        ny = math.ceil(height / dy) + 2
        self._x0, self._y0 = xmin - dx, ymin - dy
        self._dx, self._dy = dx, dy
        self._inv_dx, self._inv_dy = 1.0 / dx, 1.0 / dy

        labels = np.full(ny * nx, _NO_LABEL, dtype=np.int32)
        self._fill_polygons(labels, nx, ny)
        table = np.where(labels == _NO_LABEL, _OUTSIDE, labels).astype(np.int32)
        table[self._boundary_mask(nx, ny)] = _CHECK
        self._table = table.reshape(ny, nx)

    def _linework(
        self,
    ) -> tuple[FloatArray, IndexArray, IndexArray, npt.NDArray[np.bool_]]:
        """Every ring/line/point of every geometry.

        Returns coordinates, the line number of each coordinate, and per line
        the owning geometry index and whether it is a polygon ring.
        """
        parts, part_owner = shapely.get_parts(self._geoms, return_index=True)
        lines: list[BaseGeometry] = []
        owners: list[int] = []
        is_ring: list[bool] = []
        pending = list(zip(parts, part_owner, strict=True))
        while pending:
            part, owner = pending.pop()
            if part is None or part.is_empty:
                continue
            if isinstance(part, Polygon):
                rings = [part.exterior, *part.interiors]
                lines.extend(rings)
                owners.extend([int(owner)] * len(rings))
                is_ring.extend([True] * len(rings))
            elif isinstance(part, LineString | LinearRing | Point):
                lines.append(part)
                owners.append(int(owner))
                is_ring.append(False)
            else:  # nested collections
                pending.extend((sub, owner) for sub in shapely.get_parts(part))
        if not lines:
            empty = np.empty(0, dtype=np.intp)
            return np.empty((0, 2)), empty, empty, np.empty(0, dtype=bool)
        coords, line_at = shapely.get_coordinates(np.array(lines, dtype=object), return_index=True)
        return (
            coords,
            line_at.astype(np.intp),
            np.asarray(owners, dtype=np.intp),
            np.asarray(is_ring, dtype=bool),
        )

    def _fill_polygons(self, labels: npt.NDArray[np.int32], nx: int, ny: int) -> None:
        """Label each raster cell with the lowest index of a polygon holding its centre.

        Scanline fill with the even-odd rule over all rings of each geometry;
        centres near an edge may come out either way, which is harmless since
        those cells are marked _CHECK afterwards.
        """
        coords, line_at, owners, is_ring = self._linework()
        keep = is_ring[line_at]
        coords, line_at = coords[keep], line_at[keep]
        if len(coords) < 2:
            return
        same_line = line_at[1:] == line_at[:-1]
        start = coords[:-1][same_line]
        end = coords[1:][same_line]
        owner = owners[line_at[:-1][same_line]]
        y_low = np.minimum(start[:, 1], end[:, 1])
        y_high = np.maximum(start[:, 1], end[:, 1])
        # Rows whose centre y satisfies y_low <= y < y_high (one monotone formula
        # for both ends keeps the crossing count of each ring even).
        row_from = self._first_centre(y_low, self._y0, self._dy)
        row_to = self._first_centre(y_high, self._y0, self._dy)
        row_from = np.clip(row_from, 0, ny)
        row_to = np.clip(row_to, 0, ny)
        counts = np.maximum(row_to - row_from, 0)
        total = int(counts.sum())
        if total == 0:
            return
        edge = np.repeat(np.arange(len(counts)), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        row = row_from[edge] + offsets
        y_centre = self._y0 + (row + 0.5) * self._dy
        x1, y1 = start[edge, 0], start[edge, 1]
        x2, y2 = end[edge, 0], end[edge, 1]
        x_cross = x1 + (y_centre - y1) * (x2 - x1) / (y2 - y1)
        geom = owner[edge]
        order = np.lexsort((x_cross, row, geom))
        x_cross, row, geom = x_cross[order], row[order], geom[order]
        # Consecutive crossings of one (geometry, row) pair bound an inside span.
        x_in, x_out = x_cross[0::2], x_cross[1::2]
        span_row, span_geom = row[0::2], geom[0::2]
        col_from = np.clip(self._first_centre(x_in, self._x0, self._dx), 0, nx)
        col_to = np.clip(self._first_centre(x_out, self._x0, self._dx), 0, nx)
        widths = np.maximum(col_to - col_from, 0)
        filled = int(widths.sum())
        if filled == 0:
            return
        span = np.repeat(np.arange(len(widths)), widths)
        col = col_from[span] + np.arange(filled) - np.repeat(np.cumsum(widths) - widths, widths)
        cell = span_row[span] * nx + col
        np.minimum.at(labels, cell, span_geom[span].astype(np.int32))

    @staticmethod
    def _first_centre(value: FloatArray, origin: float, step: float) -> IndexArray:
        """Index of the first cell whose centre is >= value."""
        return np.ceil((value - origin) / step - 0.5).astype(np.intp)

    def _boundary_mask(self, nx: int, ny: int) -> npt.NDArray[np.bool_]:
        """Cells that any boundary line or point touches, with a small margin."""
        mask = np.zeros(ny * nx, dtype=bool)
        coords, line_at, _, _ = self._linework()
        if len(coords) == 0:
            return mask
        step = np.array([self._dx, self._dy])
        origin = np.array([self._x0, self._y0])
        # Split every edge into pieces no longer than half a cell along each
        # axis, so that each piece's box spans at most two cells each way.
        same_line = line_at[1:] == line_at[:-1]
        start = coords[:-1][same_line]
        end = coords[1:][same_line]
        pieces = np.ceil(np.max(np.abs(end - start) / (0.5 * step), axis=1)).astype(np.intp)
        pieces = np.maximum(pieces, 1)
        edge = np.repeat(np.arange(len(pieces)), pieces)
        serial = np.arange(len(edge)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        delta = end - start
        t0 = (serial / pieces[edge])[:, None]
        t1 = ((serial + 1) / pieces[edge])[:, None]
        piece_start = start[edge] + t0 * delta[edge]
        piece_end = np.where(t1 >= 1.0, end[edge], start[edge] + t1 * delta[edge])
        # Lone vertices (points) are zero-length pieces.
        piece_start = np.concatenate((piece_start, coords))
        piece_end = np.concatenate((piece_end, coords))
        scale = float(np.max(np.abs(coords)))
        margin = max(1e-9 * max(self._dx, self._dy), 64 * float(np.spacing(scale)))
        lo = np.minimum(piece_start, piece_end) - margin
        hi = np.maximum(piece_start, piece_end) + margin
        first = np.floor((lo - origin) / step).astype(np.intp)
        last = np.floor((hi - origin) / step).astype(np.intp)
        if (last - first).max(initial=0) > 1:
            raise RuntimeError("boundary piece spans more than two raster cells")
        for col in (first[:, 0], last[:, 0]):
            for row in (first[:, 1], last[:, 1]):
                ok = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
                mask[row[ok] * nx + col[ok]] = True
        return mask


def _coordinates(lng: npt.ArrayLike, lat: npt.ArrayLike, crs: str) -> tuple[FloatArray, FloatArray]:
    """Float WGS-84 arrays from user input in ``crs``."""
    name = crs.lower().replace("-", "").replace("_", "")
    if name not in SUPPORTED_CRS:
        raise ValueError(f"unsupported crs {crs!r}; use one of {SUPPORTED_CRS}")
    x, y = np.broadcast_arrays(np.asarray(lng, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    if name == "gcj02":
        return gcj02_to_wgs84_arrays(x, y)
    return x, y
