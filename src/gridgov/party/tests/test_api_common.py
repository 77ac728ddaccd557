"""Party building over the JSON API — the shared pieces (a client speaking JSON as one demo
user, a small world of organisations and members) and the checks that span every endpoint:
the OpenAPI document, 401 without a token, a resident's token, and that no GET response
under /api/v1/party/ carries a clear ID number or phone."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache

from gridgov.accounts.models import Department, User
from gridgov.accounts.tokens import issue_token
from gridgov.party import choices as c
from gridgov.party.models import PartyMember, PartyOrganisation
from gridgov.party.tests.factories import GRID_A, GRID_B, Tree, make_member, make_tree
from gridgov.registry.tests.fixtures import make_id
from gridgov.testing import api_error, bearer, staff

pytestmark = pytest.mark.django_db
BASE = "/api/v1/party"
OTHER_VILLAGE_OP = "op220283001002"  # the operator of the next village: outside grid A
GRID_B_WORKER = f"gw{GRID_B}"


class Api:
    """The test client speaking JSON as one user (by username, or a User) or anonymously."""

    def __init__(self, client: Any, who: str | User | None) -> None:
        self.client = client
        if isinstance(who, User):
            secret = issue_token(name="test", user=who).secret
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        else:
            self.headers = bearer(who) if who else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params, **self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(
            BASE + path, data if data is not None else {}, "application/json", **self.headers
        )

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(BASE + path, data, "application/json", **self.headers)


def api_as(client: Any) -> Any:
    """``as_(who)`` → an ``Api`` speaking as ``who`` (each module's ``as_`` fixture)."""
    cache.clear()

    def _as(who: str | User | None) -> Api:
        return Api(client, who)

    return _as


@pytest.fixture
def as_(client):
    return api_as(client)


@dataclass
class World:
    tree: Tree
    secretary: PartyMember  # 第一网格党支部书记
    member: PartyMember  # a plain member of the grid A branch
    cadre: PartyMember  # an in-service member (城管局) with a staff account
    cadre_user: User
    unit: Department
    clear: list[str] = field(default_factory=list)


@pytest.fixture
def world(people) -> World:
    return build_world()


def build_world() -> World:
    """The factories' tree with three members of the grid A branch (its secretary, a plain
    member, an in-service cadre of 城管局 with a staff account), each with a clear ID number
    and phone to look for in responses."""
    tree = make_tree()
    unit = Department.objects.get(short_name="城管局")
    cadre_user = staff("department_handler", department=unit)
    values = []
    for i, birth in enumerate((dt.date(1975, 3, 1), dt.date(1990, 6, 1), dt.date(1985, 9, 9))):
        values.append({"id_number": make_id(birth, male=bool(i % 2)), "phone": f"1390432{i}771"})
    secretary = make_member(tree.branch_a, seat=c.SeatTitle.SECRETARY, name="张书记", **values[0])
    member = make_member(tree.branch_a, name="李党员", **values[1])
    cadre = make_member(
        tree.branch_a,
        user=cadre_user,
        name="王干部",
        member_fields={"in_service_unit": "城管局", "in_service_department": unit},
        **values[2],
    )
    clear = [v for row in values for v in row.values()]
    return World(tree, secretary, member, cadre, cadre_user, unit, clear)


def fields_of(response: Any) -> dict[str, list[str]]:
    return api_error(response)["fields"]


def has_chinese(messages: list[str]) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for message in messages for ch in message)


def assert_masked(response: Any, clear: list[str]) -> None:
    text = response.content.decode()
    squeezed = re.sub(r"[\s\-]", "", text)
    for value in clear:
        assert value not in text and value not in squeezed, value


def counts() -> tuple[int, int]:
    return PartyOrganisation.objects.count(), PartyMember.objects.count()


# -- the document, authentication ------------------------------------------------------------


_DOCUMENT: dict[str, Any] = {}


def openapi_document(client: Any) -> dict[str, Any]:
    """GET /api/v1/openapi.json (200), fetched once per run: building it takes seconds."""
    if not _DOCUMENT:
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        _DOCUMENT.update(response.json())
    return _DOCUMENT


def party_operations(client: Any) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, operations in openapi_document(client)["paths"].items()
        if path.startswith("/api/v1/party/")
        for method in operations
    ]


def test_every_endpoint_is_documented_and_refuses_the_unauthenticated(client):
    operations = party_operations(client)
    assert len(operations) >= 45, len(operations)
    for method, path in operations:
        url = re.sub(r"\{grid\}", GRID_A, path)
        url = re.sub(r"\{\w+\}", "1", url)
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert api_error(response)["code"] == "unauthenticated"


def test_no_schema_exposes_numbers_ciphertexts_or_hashes(client):
    spec = openapi_document(client)
    party = {
        name: schema
        for name, schema in spec["components"]["schemas"].items()
        if name.startswith(("Member", "Org", "Need", "Claim", "Registration"))
    }
    assert "MemberPersonBrief" in party
    assert set(party["MemberPersonBrief"]["properties"]) == {
        "id",
        "name",
        "gender",
        "gender_label",
        "birth_year",
        "phone_masked",
    }
    for name, schema in party.items():
        for key in schema.get("properties", {}):
            assert not key.endswith(("_cipher", "_hash", "id_number")), (name, key)
            assert key not in ("phone_number", "id_masked"), (name, key)


def test_a_resident_token_is_refused_on_staff_endpoints(client, world):
    from gridgov.accounts.models import Resident

    who = Resident.objects.create(phone_hash="x" * 64, phone_masked="138****0000")
    token = issue_token(name="t", resident=who).secret
    response = client.get(f"{BASE}/members", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403 and api_error(response)["code"] == "forbidden"


# -- privacy: every GET operation, as the crawl in tests/privacy does for the registers -------


@pytest.mark.parametrize("username", ["leader", "grid_worker", "county_op"])
def test_get_responses_show_masked_values_only(client, world, username, caplog):
    tree = world.tree
    from gridgov.party import services

    registration = services.register_service(
        actor=world.cadre_user,
        kind="member",
        community=tree.community.region_path,
        member_id=world.cadre.pk,
    )
    ids = {
        "organisation_id": tree.branch_a.pk,
        "member_id": world.secretary.pk,
        "registration_id": registration.pk,
        "grid": GRID_A,
    }
    headers = bearer(username)
    checked = 0
    with caplog.at_level(logging.DEBUG):
        for method, path in party_operations(client):
            if method != "get":
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
            response = client.get(url, **headers)
            checked += response.status_code == 200
            assert_masked(response, world.clear)
    assert checked >= 15, checked
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in world.clear:
        assert value not in logged
