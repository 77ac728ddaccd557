"""Test factories for field work: roster entries with an account and a grid, positions inside
and outside a grid. They write the rows directly (not through the services) so that every
test module can use them whatever it tests."""

from __future__ import annotations

import datetime as dt
import math
from itertools import count

from shapely.geometry import shape

from gridgov.accounts.models import User
from gridgov.accounts.roles import Role
from gridgov.cases.tests.fixtures import GRID_A, GRID_B
from gridgov.ops import choices as c
from gridgov.ops.models import Assignment, Worker
from gridgov.regions.models import Region
from gridgov.testing import staff

__all__ = ["GRID_A", "GRID_B", "make_worker", "point_in", "point_outside", "region"]

_serial = count(1)
HIRED = dt.date(2025, 1, 1)


def region(path: str) -> Region:
    return Region.objects.get(path=path)


def make_worker(
    *,
    grid_path: str = GRID_A,
    kind: str = c.WorkerKind.FULL_TIME,
    user: User | None = None,
    with_user: bool = True,
    manager_path: str | None = None,
    name: str | None = None,
    hired_on: dt.date = HIRED,
    assign: bool = True,
) -> Worker:
    """An active worker managed by the grid's village, with a staff account holding a grid
    worker post on the grid (unless ``with_user`` is false) and a main assignment to it."""
    grid = region(grid_path)
    manager = region(manager_path or grid_path[:12])
    if user is None and with_user:
        user = staff(Role.GRID_WORKER, region=grid, username=f"ops-worker-{next(_serial)}")
    worker = Worker.objects.create(
        user=user,
        name=name or f"网格员{next(_serial)}",
        gender=c.Gender.FEMALE,
        birth_date=dt.date(1990, 5, 1),
        kind=kind,
        education=c.Education.COLLEGE,
        political_status=c.PoliticalStatus.PARTY_MEMBER,
        background_checked=True,
        region=manager,
        region_path=manager.path,
        hired_on=hired_on,
    )
    if assign:
        Assignment.objects.create(
            worker=worker, grid=grid, region_path=grid.path, is_main=True, starts_on=hired_on
        )
    return worker


def point_in(path: str = GRID_A) -> tuple[float, float]:
    """A WGS-84 position inside the region's outline."""
    p = shape(region(path).geometry).representative_point()
    return float(p.x), float(p.y)


def point_outside(path: str = GRID_A, metres: float = 1000.0) -> tuple[float, float]:
    """A WGS-84 position about ``metres`` east of the region's easternmost point."""
    geometry = shape(region(path).geometry)
    _minx, miny, maxx, maxy = geometry.bounds
    lat = (miny + maxy) / 2
    # the outline's east edge at this latitude may be west of maxx: measure from maxx
    degrees = metres / (111_320.0 * math.cos(math.radians(lat)))
    return maxx + degrees, lat
