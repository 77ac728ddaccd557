"""Masked values never appear unmasked — in any page, API response, export or log line — for a
role without the reveal permission (and for a revealing role until it reveals).

The test does not list the pages: it crawls every link it can reach from the registers' home
pages (workbench and phone) and every GET operation of the OpenAPI document under
/api/v1/registry/, /api/v1/party/ (the fixture people are also party members), /api/v1/ops/
(the grid worker is on the roster with a phone) and /api/v1/mediation/ (a dispute, a petition,
a lawyer and a consultation with clear phones and ID numbers), filling
path parameters with the fixture records, and scans each body
(HTML, JSON, CSV and the cells of xlsx files) for the clear ID numbers and phones.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from gridgov.registry import services
from gridgov.registry.tests.fixtures import (
    GRID_A,
    building_of,
    make_credit_code,
    make_id,
    person_values,
)
from gridgov.testing import bearer

pytestmark = pytest.mark.django_db

ROOTS = (
    "/work/registry/",
    "/m/registry/",
    "/work/ops/",
    "/m/ops/",
    "/work/mediation/",
    "/m/screening/",
)
HREF = re.compile(r"""(?:href|hx-get|action)=["']([^"'#]+)""")
MAX_PAGES_PER_ROOT = 150  # each part gets its own budget: one cannot crowd out another


@pytest.fixture
def world(people, report):
    """Two households, a rented room, an organisation, tags, a contract and a visit, each
    with a clear value to look for."""
    worker = people.grid_worker
    building = building_of(GRID_A)
    room = services.create_room(
        actor=worker, values={"building": building.path, "unit": "1", "number": "301"}
    )
    clear: list[str] = []
    made = []
    for i, (name, phone) in enumerate([("张桂兰", "13504321001"), ("刘洋", "18643219002")]):
        # born on a day of their own: the import template's example row is a 1980-05-17 number
        # that make_id's shared serial could otherwise produce (depending on test order)
        number = make_id(dt.date(1976, 8, 23), male=bool(i % 2))
        person = services.create_person(
            actor=worker,
            values=person_values(
                name=name,
                id_number=number,
                phone=phone,
                room=room.pk,
                household_no="H-1",
                relation="head" if i == 0 else "spouse",
            ),
        )
        clear += [number, phone]
        made.append(person)
    services.set_tag(actor=worker, person_id=made[0].pk, tag="elderly_alone", reason="独居")
    services.set_tag(actor=worker, person_id=made[1].pk, tag="community_correction", reason="矫正")
    services.start_tenancy(
        actor=worker, room_id=room.pk, tenant_id=made[1].pk, starts_on="2026-01-01"
    )
    contract = services.create_care_contract(
        actor=worker,
        person_id=made[0].pk,
        carer_id=worker.pk,
        services="每周探视",
        visit_every_days=7,
        starts_on="2026-01-01",
        tag="elderly_alone",
    )
    services.record_visit(
        actor=worker, contract_id=contract.pk, kind="care", result="normal", findings="正常"
    )
    org_phone = "13904328888"
    org = services.create_organisation(
        actor=worker,
        values={
            "credit_code": make_credit_code(),
            "name": "舒兰市测试超市",
            "kind": "enterprise",
            "legal_rep": "赵明",
            "phone": org_phone,
            "region": GRID_A,
        },
    )
    services.update_person(actor=worker, person_id=made[0].pk, values={"phone": "13504321111"})
    clear += [org_phone, "13504321111"]
    # Both are party members of grid A's branch: the party API shows them too.
    from gridgov.party import services as party_services
    from gridgov.party.tests.factories import make_tree

    branch = make_tree().branch_a
    members = [
        party_services.add_member(
            actor=people.village_op,
            values={"person": p.pk, "organisation": branch.pk, "joined_on": "2010-07-01"},
        )
        for p in made
    ]
    # The grid worker is on the field-work roster with a phone of their own.
    from gridgov.ops import services as ops_services
    from gridgov.regions.models import Region

    ops_phone = "13904327777"
    ops_worker = ops_services.create_worker(
        actor=people.village_op,
        region=Region.objects.get(path=GRID_A[:12]),
        name="测试网格员",
        gender="female",
        kind="full_time",
        hired_on=dt.date(2025, 1, 1),
        phone=ops_phone,
        user=people.grid_worker,
    )
    ops_services.assign(
        actor=people.village_op,
        worker=ops_worker,
        grid=Region.objects.get(path=GRID_A),
        starts_on=dt.date(2025, 1, 1),
    )
    clear.append(ops_phone)
    mediation = _mediation_world(people, report, made[0])
    clear += mediation.pop("clear")
    return {
        **mediation,
        "ops_worker": ops_worker,
        "people": made,
        "room": room,
        "org": org,
        "contract": contract,
        "clear": clear,
        "party_org": branch,
        "members": members,
    }


def _mediation_world(people, report, person) -> dict:
    """A dispute (a register person and a new party with an ID number and a phone), its
    mediators and mediation, a petition with a petitioner, a lawyer and a consultation: each
    with clear values to look for."""
    from gridgov.cases.models import Item
    from gridgov.mediation import services as mediation
    from gridgov.regions.models import Region

    village = Region.objects.get(path=GRID_A[:12])
    clear = ["13904326001", "13904326002", "13904326003", "13904326004", "13904326005"]
    party_id = make_id(dt.date(1971, 4, 9))
    petitioner_id = make_id(dt.date(1966, 1, 30))
    clear += [party_id, petitioner_id]
    committee = mediation.create_committee(
        actor=people.village_op, region=village, name="育才社区人民调解委员会"
    )
    mediator = mediation.add_mediator(
        actor=people.village_op,
        committee=committee,
        name="王调解",
        phone=clear[0],
        user=people.grid_worker,  # the case is dispatched to the mediator's account
    )
    dispute = mediation.register_dispute(
        actor=people.village_op,
        case=report(item_=Item.objects.get(code="JF-002"), title="继承纠纷"),
        parties=[
            {"role": "applicant", "person": person},
            {"role": "respondent", "name": "张建国", "id_number": party_id, "phone": clear[1]},
        ],
    )
    started = mediation.start_mediation(
        actor=people.village_op,
        dispute=dispute,
        committee=committee,
        mediator=mediator,
        accepted_on=dt.date(2026, 11, 2),
    )
    petition = mediation.register_petition(
        actor=people.village_op,
        case=report(item_=Item.objects.get(code="XF-004"), title="讨要工程款"),
        form="visit",
        petitioners=[{"name": "刘长福", "id_number": petitioner_id, "phone": clear[2]}],
    )
    lawyer = mediation.add_lawyer(
        actor=people.county_op,
        region=village,
        name="李律师",
        firm="吉林某某律师事务所",
        licence_no="12202201810123456",
        phone=clear[3],
    )
    consultation = mediation.register_consultation(
        actor=people.village_op,
        region=village,
        channel="walk_in",
        topic="inheritance",
        question="父母的房子怎么分？",
        requester_name="张桂兰",
        phone=clear[4],
    )
    return {
        "dispute": dispute,
        "mediation": started,
        "petition": petition,
        "lawyer": lawyer,
        "consultation": consultation,
        "committee": committee,
        "mediator": mediator,
        "clear": clear,
    }


def _texts(response) -> Iterator[str]:
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind or body[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                yield " ".join("" if v is None else str(v) for v in row)
        yield from (str(value) for value in response.headers.values())
        return
    yield body.decode("utf-8", errors="replace")
    yield from (str(value) for value in response.headers.values())


def _assert_clean(response, clear: list[str], where: str) -> str:
    text = "\n".join(_texts(response))
    squeezed = re.sub(r"[\s\-]", "", text)
    for value in clear:
        assert value not in text and value not in squeezed, f"{value} appears in {where}"
    return text


def _crawl(client: Client, clear: list[str], extra: list[str]) -> set[str]:
    seen: set[str] = set()
    queue = [*ROOTS, *extra]
    budget = dict.fromkeys(ROOTS, MAX_PAGES_PER_ROOT)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        root = next((r for r in ROOTS if url.startswith(r)), None)
        if root is not None:
            if budget[root] == 0:
                continue
            budget[root] -= 1
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if response.status_code != 200:
            continue
        text = _assert_clean(response, clear, url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(text):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith(ROOTS):
                continue
            if any(word in parts.path for word in ("/logout", "/reveal")):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def _detail_urls(world) -> list[str]:
    person, room, org = world["people"][0], world["room"], world["org"]
    return [
        f"/work/registry/people/{person.pk}/",
        f"/work/registry/people/{person.pk}/history/",
        f"/work/registry/rooms/{room.pk}/",
        f"/work/registry/orgs/{org.pk}/",
        f"/m/registry/people/{person.pk}/",
        f"/m/registry/rooms/{room.pk}/",
        f"/work/ops/workers/{world['ops_worker'].pk}/",
        f"/work/ops/workers/{world['ops_worker'].pk}/edit/",
        f"/work/mediation/disputes/{world['dispute'].pk}/",
        f"/work/mediation/petitions/{world['petition'].pk}/",
        f"/work/mediation/legal/{world['consultation'].pk}/",
        f"/work/mediation/committees/{world['committee'].pk}/",
        f"/work/mediation/mediators/{world['mediator'].pk}/",
    ]


@pytest.mark.parametrize("username", ["leader", "supervisor", "grid_worker", "village_op"])
def test_pages_and_exports_show_masked_values_only(people, world, username, caplog):
    client = Client()
    client.force_login(getattr(people, username))
    with caplog.at_level(logging.DEBUG):
        seen = _crawl(client, world["clear"], _detail_urls(world))
    assert len(seen) > 5, seen
    for root in ROOTS:
        assert any(url.startswith(root) for url in seen), (username, root)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in world["clear"]:
        assert value not in logged


API_PREFIXES = ("/api/v1/registry/", "/api/v1/party/", "/api/v1/ops/", "/api/v1/mediation/")


def _api_paths(client: Client) -> list[str]:
    document = client.get("/api/v1/openapi.json").json()
    return [
        path
        for path, operations in document["paths"].items()
        if path.startswith(API_PREFIXES) and "get" in operations
    ]


@pytest.mark.parametrize("username", ["leader", "grid_worker", "county_op"])
def test_api_responses_show_masked_values_only(people, world, username, caplog):
    client = Client()
    headers = bearer(username)
    registry_ids = {
        "person_id": world["people"][0].pk,
        "room_id": world["room"].pk,
        "organisation_id": world["org"].pk,
        "contract_id": world["contract"].pk,
        "id": world["people"][0].pk,
    }
    party_ids = {
        "organisation_id": world["party_org"].pk,
        "member_id": world["members"][0].pk,
        "grid": GRID_A,
    }
    ops_ids = {"worker_id": world["ops_worker"].pk, "id": world["ops_worker"].pk}
    mediation_ids = {
        "dispute_id": world["dispute"].pk,
        "mediation_id": world["mediation"].pk,
        "petition_id": world["petition"].pk,
    }
    paths = _api_paths(client)
    assert any(p.startswith("/api/v1/registry/") for p in paths), "no registry API paths found"
    assert any(p.startswith("/api/v1/party/") for p in paths), "no party API paths found"
    assert any(p.startswith("/api/v1/ops/") for p in paths), "no ops API paths found"
    assert any(p.startswith("/api/v1/mediation/") for p in paths), "no mediation API paths"
    checked = 0
    with caplog.at_level(logging.DEBUG):
        for path in paths:
            if path.startswith("/api/v1/party/"):
                ids = party_ids
            elif path.startswith("/api/v1/ops/"):
                ids = ops_ids
            elif path.startswith("/api/v1/mediation/"):
                ids = mediation_ids
            else:
                ids = registry_ids
            url = re.sub(r"\{(\w+)\}", lambda m, ids=ids: str(ids.get(m.group(1), 1)), path)
            response = client.get(url, **headers)
            if response.status_code == 200:
                checked += 1
            _assert_clean(response, world["clear"], url)
    assert checked >= 20, checked
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in world["clear"]:
        assert value not in logged


def test_revealing_is_what_shows_a_value_and_it_is_recorded(people, world, caplog):
    """The control: the same crawl finds the value once it is revealed (so the scan works),
    and the reveal leaves no clear value in the logs."""
    from gridgov.registry.models import Person, RevealRecord

    person = Person.objects.get(pk=world["people"][0].pk)
    with caplog.at_level(logging.DEBUG):
        value = services.reveal(
            actor=people.grid_worker, obj=person, field="phone", reason="电话回访"
        )
    assert value == "13504321111"
    assert RevealRecord.objects.filter(object_id=person.pk, field="phone").count() == 1
    assert value not in "\n".join(record.getMessage() for record in caplog.records)


def test_the_scanner_finds_a_clear_value():
    from django.http import HttpResponse

    with pytest.raises(AssertionError):
        _assert_clean(HttpResponse("电话 135-0432-1001"), ["13504321001"], "sample")
    _assert_clean(HttpResponse("电话 135****1001"), ["13504321001"], "sample")
