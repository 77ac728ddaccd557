"""Fixtures of the Open311 tests: clients with API keys, points in grids, posting, and the
XML → data conversion (the Spark convention) that lets XML be compared with JSON."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from typing import Any
from unittest import mock

import jsonschema  # type: ignore[import-untyped]  # no stubs installed
import pytest
from django.core.cache import cache
from shapely.geometry import shape

from gridgov.accounts.models import User
from gridgov.accounts.tokens import create_integration_client
from gridgov.cases.models import Item
from gridgov.cases.services import submit_case
from gridgov.open311.render import ITEM_NAMES
from gridgov.regions.models import Region

BASE = "/open311/v2/"
COUNTY = "220283"
TOWNSHIP = "220283001"
OTHER_TOWNSHIP = "220283002"
VILLAGE = "220283001001"
GRID_A = "220283001001001"
GRID_OTHER = "220283002001001"
JURISDICTION = "220283000000"

BOOLEANS = {"metadata", "variable", "required"}
INTEGERS = {"order"}
FLOATS = {"lat", "long"}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache: every test starts and ends with none."""
    cache.clear()
    yield
    cache.clear()


def point_in(path: str) -> tuple[float, float]:
    """(lng, lat) of a point inside the region."""
    p = shape(Region.objects.get(path=path).geometry).representative_point()
    return p.x, p.y


@pytest.fixture
def hotline(db):
    """A county-wide client (the 12345 hotline); ``.api_key`` holds its key."""
    return create_integration_client(
        code="hotline", name="12345 热线", region=Region.objects.get(path=COUNTY)
    )


@pytest.fixture
def township_client(db):
    """A client of another township than GRID_A's."""
    return create_integration_client(
        code="town2", name="乡镇平台", region=Region.objects.get(path=OTHER_TOWNSHIP)
    )


@pytest.fixture
def village_item(db) -> Item:
    """垃圾清运不及时: handled at village level, so the village operator can close it."""
    return Item.objects.get(code="CG-004")


class People:
    def __getattr__(self, username: str) -> User:
        return User.objects.get(username=username)


@pytest.fixture
def people(db):
    return People()


@pytest.fixture
def make_case(hotline, village_item):
    """A case straight through ``submit_case`` (default: channel open311, in GRID_A)."""

    def _make(*, path: str = GRID_A, channel: str = "open311", user=None, **kwargs):
        lng, lat = point_in(path)
        fields: dict[str, Any] = {
            "channel": channel,
            "title": "垃圾清运不及时：滨河小区垃圾点满溢",
            "description": "滨河小区 3 号楼旁垃圾点满溢三天无人清运。",
            "item": village_item,
            "lng": lng,
            "lat": lat,
            "address": "滨河小区3号楼",
            "reporter_name": "张三",
            "reporter_phone": "13804321234",
        }
        fields.update(kwargs)
        return submit_case(user=user or hotline.client.user, **fields)

    return _make


def valid_form(api_key: str, **overrides: Any) -> dict[str, str]:
    lng, lat = point_in(GRID_A)
    form = {
        "api_key": api_key,
        "service_code": "CG-004",
        "lat": repr(lat),
        "long": repr(lng),
        "address_string": "滨河小区",
        "description": "滨河小区 3 号楼旁垃圾点满溢三天无人清运，气味很大。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13804321234",
        "email": "zhang@example.cn",
        "device_id": "device-1",
        "account_id": "acct-42",
        "attribute[urgency]": "urgent",
        "attribute[address_detail]": "3号楼2单元",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def xml_data(content: bytes) -> Any:
    """XML → Python data by the Spark convention, with the types the JSON carries."""
    assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return _convert(ET.fromstring(content), parent="")  # noqa: S314 - our own response


def _convert(element: ET.Element, parent: str) -> Any:
    tag = element.tag
    if tag in ITEM_NAMES:
        return [_convert(child, tag) for child in element]
    children = list(element)
    if children:
        return {child.tag: _convert(child, tag) for child in children}
    text = element.text
    if text is None:
        return None
    if tag in BOOLEANS:
        assert text in ("true", "false")
        return text == "true"
    if tag in INTEGERS or (tag == "code" and parent == "error"):
        return int(text)
    if tag in FLOATS:
        return float(text)
    return text


def get_both(client, path: str, schema: dict[str, Any], expect: int = 200, **params: Any):
    """GET ``path`` in JSON and XML; check statuses, content types, the schema, and that the
    XML says exactly what the JSON says. Returns the JSON data."""
    # Signed photo links carry the second they were signed: both answers are made in the same
    # second, or a request straddling a second boundary would differ in its media_url.
    with mock.patch("django.core.signing.time.time", return_value=time.time()):
        as_json = client.get(f"{BASE}{path}.json", params)
        as_xml = client.get(f"{BASE}{path}.xml", params)
    assert as_json.status_code == expect, as_json.content.decode()
    assert as_xml.status_code == expect, as_xml.content.decode()
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    assert as_xml["Content-Type"] == "text/xml; charset=utf-8"
    data = json.loads(as_json.content)
    jsonschema.validate(data, schema)
    assert xml_data(as_xml.content) == data
    return data
