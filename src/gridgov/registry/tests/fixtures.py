"""Register fixtures shared by every test package (registered by the root conftest)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from gridgov.regions.models import Region
from gridgov.registry.models import Person
from gridgov.registry.validators import credit_check_char, id_check_char

GRID_A = "220283001001001"
GRID_B = "220283001001002"
_serial = itertools.count(1)


def make_id(
    birth: dt.date = dt.date(1980, 5, 17), *, area: str = "220283", male: bool = True, seq: int = 0
) -> str:
    """A valid 18-character ID number (a fresh sequence each call unless ``seq`` is given)."""
    number = seq or next(_serial)
    serial = (number * 2 + (1 if male else 0)) % 1000
    first17 = f"{area}{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_char(first17)


def make_credit_code(serial: int | None = None, *, area: str = "220283") -> str:
    body = f"91{area}{(serial or next(_serial)):09d}"
    body = body[:17]
    return body + credit_check_char(body)


def building_of(grid_path: str) -> Region:
    return Region.objects.filter(parent__path=grid_path, level="building").order_by("path")[0]


def person_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "王建国",
        "id_number": make_id(),
        "phone": "13904321234",
        "kind": "registered",
        "residence_status": "together",
        "region": building_of(GRID_A).path,
    }
    values.update(overrides)
    return values


@pytest.fixture
def registered(people: Any) -> Person:
    """One person in grid A's first building, registered by the grid's worker."""
    from gridgov.registry.services import create_person

    return create_person(actor=people.grid_worker, values=person_values())
