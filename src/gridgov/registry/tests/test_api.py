"""The registers over the JSON API: every endpoint's happy path, wrong role, outside the
jurisdiction, bad input and no authentication; revealing; and that no list, detail or history
response carries a clear ID number or phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from gridgov.accounts.tokens import issue_token
from gridgov.registry import services
from gridgov.registry.models import (
    CareContract,
    Organisation,
    Person,
    PersonTag,
    PersonTagEvent,
    RegistryChange,
    RevealRecord,
    Room,
    Tenancy,
    Visit,
)
from gridgov.registry.tests.fixtures import (
    GRID_A,
    GRID_B,
    building_of,
    make_credit_code,
    make_id,
    person_values,
)
from gridgov.testing import api_error, bearer

pytestmark = pytest.mark.django_db
BASE = "/api/v1/registry"
PHONE_A, PHONE_B, ORG_PHONE = "13904321234", "13604325678", "04326822123"


@pytest.fixture(autouse=True)
def _no_limits_left():
    cache.clear()
    yield
    cache.clear()


class Api:
    """The test client speaking JSON as one demo user (or anonymously)."""

    def __init__(self, client: Any, username: str | None) -> None:
        self.client = client
        self.headers = bearer(username) if username else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params, **self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(
            BASE + path, data if data is not None else {}, "application/json", **self.headers
        )

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(BASE + path, data, "application/json", **self.headers)


@pytest.fixture
def as_(client):
    def _as(username: str | None) -> Api:
        return Api(client, username)

    return _as


def grid_b_worker() -> str:
    from gridgov.accounts.models import User

    user = User.objects.filter(posts__region__path=GRID_B, posts__role="grid_worker").first()
    assert user is not None
    return user.username


@pytest.fixture
def world(people):
    """Person A (grid A, with a room, a tenancy, a tag, a contract and a visit), person B
    (grid B) and an organisation in grid A; returns their clear values too."""
    worker, county = people.grid_worker, people.county_op
    id_a, id_b = make_id(dt.date(1950, 3, 8)), make_id(dt.date(1990, 7, 1), male=False)
    room = services.create_room(
        actor=worker, values={"building": building_of(GRID_A).path, "unit": "2", "number": "301"}
    )
    a = services.create_person(
        actor=worker,
        values=person_values(
            name="王建国", id_number=id_a, phone=PHONE_A, room=room.pk, household_no="H-1"
        ),
    )
    b = services.create_person(
        actor=county,
        values=person_values(
            name="李秀兰",
            id_number=id_b,
            phone=PHONE_B,
            region=building_of(GRID_B).path,
        ),
    )
    tenant = services.create_person(
        actor=worker, values=person_values(name="赵租客", id_number=make_id(), phone="")
    )
    tenancy = services.start_tenancy(
        actor=worker, room_id=room.pk, tenant_id=tenant.pk, starts_on=dt.date(2026, 1, 1)
    )
    services.set_tag(actor=worker, person_id=a.pk, tag="elderly_alone", reason="独居")
    services.set_tag(actor=worker, person_id=a.pk, tag="released_prisoner", reason="刑满释放")
    contract = services.create_care_contract(
        actor=worker,
        person_id=a.pk,
        carer_id=worker.pk,
        services="每周上门看望",
        visit_every_days=7,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        tag="elderly_alone",
    )
    visit = services.record_visit(
        actor=worker, kind="care", result="normal", person_id=a.pk, contract_id=contract.pk
    )
    org = services.create_organisation(
        actor=worker,
        values={
            "credit_code": make_credit_code(),
            "name": "舒兰市好运来超市",
            "kind": "enterprise",
            "legal_rep": "刘德明",
            "phone": ORG_PHONE,
            "region": building_of(GRID_A).path,
        },
    )
    return {
        "a": a,
        "b": b,
        "tenant": tenant,
        "room": room,
        "tenancy": tenancy,
        "contract": contract,
        "visit": visit,
        "org": org,
        "clear": [id_a, id_b, PHONE_A, PHONE_B, ORG_PHONE],
    }


def fields_of(response: Any) -> dict[str, list[str]]:
    return api_error(response)["fields"]


def has_chinese(messages: list[str]) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for message in messages for ch in message)


# -- the document and authentication ---------------------------------------------------------


def registry_operations(client: Any) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").json()
    return [
        (method, path)
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1/registry/")
        for method in operations
    ]


def test_every_endpoint_is_documented_and_refuses_the_unauthenticated(client, world):
    operations = registry_operations(client)
    assert len(operations) >= 28
    for method, path in operations:
        url = path.replace("{code}", "elderly_alone")
        url = url.replace("{person_id}", str(world["a"].pk)).replace("{room_id}", "1")
        url = url.replace("{tenancy_id}", "1").replace("{organisation_id}", "1")
        url = url.replace("{contract_id}", "1")
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert api_error(response)["code"] == "unauthenticated"


def test_no_schema_exposes_ciphertexts_or_hashes(client):
    spec = client.get("/api/v1/openapi.json").json()
    for name, schema in spec["components"]["schemas"].items():
        for field in schema.get("properties", {}):
            assert not field.endswith(("_cipher", "_hash")), (name, field)


def test_a_resident_token_is_refused(client, world):
    from gridgov.accounts.models import Resident

    who = Resident.objects.create(phone_hash="x" * 64, phone_masked="138****0000")
    token = issue_token(name="t", resident=who).secret
    response = client.get(f"{BASE}/people", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


# -- people ----------------------------------------------------------------------------------


def test_people_list_is_scoped_masked_and_paged(as_, world):
    a, b = world["a"], world["b"]
    ids = {p["id"] for p in as_("county_op").get("/people", limit=200).json()["items"]}
    assert {a.pk, b.pk} <= ids
    mine = as_("grid_worker").get("/people").json()
    assert {p["id"] for p in mine["items"]} == {a.pk, world["tenant"].pk}
    row = next(p for p in mine["items"] if p["id"] == a.pk)
    assert row["id_masked"].startswith("220283********") and row["phone_masked"] == "139****1234"
    assert row["kind_label"] == "户籍人口" and row["gender_label"] == "男"
    assert row["room"]["label"] == "2单元301" and row["may_reveal"] is True
    assert not any(k.endswith(("_cipher", "_hash")) for k in row)
    assert as_("dept_handler").get("/people").json() == {"items": [], "next": None}
    leader = as_("leader").get("/people", q="王建国").json()["items"]
    assert [p["id"] for p in leader] == [a.pk] and leader[0]["may_reveal"] is False
    # Filters: a whole ID number (by its keyed hash), a tag, party, a room.
    api = as_("county_op")
    clear_a = world["clear"][0]
    assert [p["id"] for p in api.get("/people", q=clear_a).json()["items"]] == [a.pk]
    found = api.post("/people/search", {"q": clear_a}).json()["items"]
    assert [p["id"] for p in found] == [a.pk]
    assert [p["id"] for p in api.get("/people", tag="elderly_alone").json()["items"]] == [a.pk]
    in_room = api.get("/people", room=world["room"].pk).json()["items"]
    assert {p["id"] for p in in_room} == {a.pk, world["tenant"].pk}
    # The leader cannot filter by a sensitive tag: no one matches.
    assert as_("leader").get("/people", tag="released_prisoner").json()["items"] == []
    # Keyset pages: one at a time through grid A.
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, "region": GRID_A}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/people", **params).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted({a.pk, world["tenant"].pk}) and len(seen) == 2


def test_people_list_refuses_bad_parameters(as_, world):
    api = as_("county_op")
    response = api.get("/people", cursor="not-a-cursor")
    assert response.status_code == 400 and "cursor" in fields_of(response)
    assert has_chinese(fields_of(response)["cursor"])
    assert api.get("/people", limit=201).status_code == 422
    assert api.get("/people", kind="martian").status_code == 422
    assert api.get("/people", region="22x").status_code == 422


def test_create_person(as_, people, world):
    api = as_("grid_worker")
    number = make_id(dt.date(1985, 10, 1), male=False)
    response = api.post(
        "/people",
        {
            "name": "孙丽",
            "id_number": number,
            "phone": "13800001111",
            "region": building_of(GRID_A).path,
            "kind": "流动人口",
            "reason": "入户登记",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["gender"] == "female" and body["birth_date"] == "1985-10-01"
    assert body["kind"] == "floating" and body["kind_label"] == "流动人口"
    assert body["id_masked"] == f"220283********{number[-4:]}"
    assert number.encode() not in response.content and b"13800001111" not in response.content
    assert RegistryChange.objects.filter(model="person", object_id=body["id"]).count() == 1


def test_create_person_refusals_write_nothing(as_, people, world):
    before = (Person.objects.count(), RegistryChange.objects.count())
    values = {"name": "孙丽", "id_number": make_id(), "region": building_of(GRID_A).path}
    bad_id = values["id_number"][:-1] + ("0" if values["id_number"][-1] != "0" else "1")
    response = as_("grid_worker").post("/people", {**values, "id_number": bad_id})
    assert response.status_code == 400
    assert "校验位" in fields_of(response)["id_number"][0]
    response = as_("grid_worker").post("/people", {**values, "phone": "12345"})
    assert response.status_code == 400 and has_chinese(fields_of(response)["phone"])
    # Another grid's building: a field error naming it.
    response = as_("grid_worker").post("/people", {**values, "region": building_of(GRID_B).path})
    assert response.status_code == 400 and "region" in fields_of(response)
    # Missing required fields: 422 with each field named.
    response = as_("grid_worker").post("/people", {"region": building_of(GRID_A).path})
    assert response.status_code == 422
    assert {"name", "id_number"} <= set(fields_of(response))
    for role in ("leader", "dept_handler"):
        assert as_(role).post("/people", values).status_code == 403, role
    assert (Person.objects.count(), RegistryChange.objects.count()) == before


def test_person_detail(as_, world):
    a, b = world["a"], world["b"]
    body = as_("grid_worker").get(f"/people/{a.pk}").json()
    assert {t["code"] for t in body["tags"]} == {"elderly_alone", "released_prisoner"}
    assert body["household"] == [] and body["region"]["path"] == building_of(GRID_A).path
    leader = as_("leader").get(f"/people/{a.pk}").json()
    assert {t["code"] for t in leader["tags"]} == {"elderly_alone"}  # sensitive hidden
    assert as_("grid_worker").get(f"/people/{b.pk}").status_code == 404  # another grid
    assert as_(grid_b_worker()).get(f"/people/{a.pk}").status_code == 404
    assert as_("dept_handler").get(f"/people/{a.pk}").status_code == 404
    assert as_("county_op").get("/people/999999999").status_code == 404
    assert as_("county_op").get("/people/0").status_code == 422
    assert as_("county_op").get("/people/abc").status_code in (404, 422)


def test_update_person(as_, world):
    a = world["a"]
    api = as_("grid_worker")
    response = api.patch(
        f"/people/{a.pk}", {"phone": "13512345678", "note": "电话已更新", "expected_version": 1}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone_masked"] == "135****5678" and body["version"] == 2
    assert body["name"] == "王建国"  # untouched
    assert b"13512345678" not in response.content
    # Stale version → 409; bad value → 400; both change nothing.
    response = api.patch(f"/people/{a.pk}", {"name": "王二", "expected_version": 1})
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    response = api.patch(f"/people/{a.pk}", {"phone": "999"})
    assert response.status_code == 400 and has_chinese(fields_of(response)["phone"])
    response = api.patch(f"/people/{a.pk}", {"gender": "female"})
    assert response.status_code == 400 and "id_number" in fields_of(response)
    assert as_("leader").patch(f"/people/{a.pk}", {"note": "x"}).status_code == 403
    assert as_("grid_worker").patch(f"/people/{world['b'].pk}", {"note": "x"}).status_code == 404
    assert as_("dept_handler").patch(f"/people/{a.pk}", {"note": "x"}).status_code == 404
    a.refresh_from_db()
    assert a.version == 2 and a.name == "王建国" and a.note == "电话已更新"


def test_remove_person(as_, world):
    tenant = world["tenant"]
    path = f"/people/{tenant.pk}/remove"
    response = as_("grid_worker").post(path, {"state": "alive", "reason": "x"})
    assert response.status_code == 400 and has_chinese(fields_of(response)["state"])
    assert as_("grid_worker").post(path, {"state": "moved_out"}).status_code == 422
    assert as_("leader").post(path, {"state": "moved_out", "reason": "迁出"}).status_code == 403
    assert (
        as_(grid_b_worker()).post(path, {"state": "moved_out", "reason": "迁出"}).status_code == 404
    )
    tenant.refresh_from_db()
    assert tenant.state == "active"
    response = as_("grid_worker").post(path, {"state": "moved_out", "reason": "迁往长春"})
    assert response.status_code == 200 and response.json()["state_label"] == "已迁出"
    assert Tenancy.objects.get(pk=world["tenancy"].pk).ended_on is not None
    # Off the active list, on the list of every state.
    api = as_("grid_worker")
    assert tenant.pk not in {p["id"] for p in api.get("/people").json()["items"]}
    assert tenant.pk in {p["id"] for p in api.get("/people", state="").json()["items"]}


def test_reveal(as_, world):
    a = world["a"]
    clear_id = world["clear"][0]
    path = f"/people/{a.pk}/reveal"
    response = as_("grid_worker").post(path, {"field": "id_number", "reason": "办理低保核对"})
    assert response.status_code == 200, response.content
    assert response.json()["value"] == clear_id and response["Cache-Control"] == "no-store"
    record = RevealRecord.objects.get(object_id=a.pk, model="person")
    assert record.field == "id_number" and record.reason == "办理低保核对"
    assert record.actor.username == "grid_worker" and record.ip == "127.0.0.1"
    response = as_("county_op").post(path, {"field": "phone", "reason": "联系本人"})
    assert response.json()["value"] == PHONE_A
    assert RevealRecord.objects.filter(object_id=a.pk).count() == 2
    # Roles that may not reveal: 403 where they see the person, 404 where they do not.
    for role in ("leader", "supervisor", "admin"):
        response = as_(role).post(path, {"field": "id_number", "reason": "查看"})
        assert response.status_code == 403, role
        assert clear_id.encode() not in response.content
    assert as_("dept_handler").post(path, {"field": "phone", "reason": "x"}).status_code == 404
    response = as_(grid_b_worker()).post(path, {"field": "phone", "reason": "x"})
    assert response.status_code == 404
    # No reason → 400 (blank) or 422 (missing); an unknown field → 422.
    response = as_("grid_worker").post(path, {"field": "phone", "reason": "  "})
    assert response.status_code == 400 and has_chinese(fields_of(response)["reason"])
    assert as_("grid_worker").post(path, {"field": "phone"}).status_code == 422
    assert as_("grid_worker").post(path, {"field": "name", "reason": "x"}).status_code == 422
    assert RevealRecord.objects.filter(object_id=a.pk).count() == 2


def test_history(as_, world):
    a = world["a"]
    as_("grid_worker").post(f"/people/{a.pk}/reveal", {"field": "phone", "reason": "回访"})
    as_("grid_worker").patch(f"/people/{a.pk}", {"phone": "13512345678"})
    body = as_("grid_worker").get(f"/people/{a.pk}/history").json()
    assert [ch["action"] for ch in body["changes"]][-1] == "create"
    update = next(ch for ch in body["changes"] if ch["action"] == "update")
    assert update["after"]["phone_masked"] == "135****5678"
    assert {e["tag"]["code"] for e in body["tag_events"]} == {"elderly_alone", "released_prisoner"}
    assert [v["id"] for v in body["visits"]] == [world["visit"].pk]
    assert [r["field"] for r in body["reveals"]] == ["phone"]
    leader = as_("leader").get(f"/people/{a.pk}/history").json()
    assert leader["reveals"] is None
    assert {e["tag"]["code"] for e in leader["tag_events"]} == {"elderly_alone"}
    assert as_(grid_b_worker()).get(f"/people/{a.pk}/history").status_code == 404
    assert as_("dept_handler").get(f"/people/{a.pk}/history").status_code == 404


def test_tags_of_a_person(as_, world):
    a, api = world["a"], as_("grid_worker")
    path = f"/people/{a.pk}/tags"
    assert {t["code"] for t in api.get(path).json()} == {"elderly_alone", "released_prisoner"}
    assert {t["code"] for t in as_("leader").get(path).json()} == {"elderly_alone"}
    response = api.post(path, {"tag": "low_income", "reason": "民政认定"})
    assert response.status_code == 201
    assert "low_income" in {t["code"] for t in response.json()}
    response = api.post(path, {"tag": "low_income", "reason": "再次"})
    assert response.status_code == 409
    response = api.post(path, {"tag": "no_such_tag", "reason": "x"})
    assert response.status_code == 400 and has_chinese(fields_of(response)["tag"])
    response = api.post(path, {"tag": "low_income", "reason": ""})
    assert response.status_code in (400, 409)
    assert as_("leader").post(path, {"tag": "disabled", "reason": "x"}).status_code == 403
    assert as_(grid_b_worker()).post(path, {"tag": "disabled", "reason": "x"}).status_code == 404
    events = PersonTagEvent.objects.filter(person=a).count()
    response = api.post(f"{path}/low_income/remove", {"reason": "不再符合"})
    assert response.status_code == 200
    assert "low_income" not in {t["code"] for t in response.json()}
    assert api.post(f"{path}/low_income/remove", {"reason": "x"}).status_code == 409
    assert as_("leader").post(f"{path}/elderly_alone/remove", {"reason": "x"}).status_code == 403
    assert PersonTagEvent.objects.filter(person=a).count() == events + 1
    assert PersonTag.objects.filter(person=a, tag__code="elderly_alone").exists()


# -- rooms and tenancies ---------------------------------------------------------------------


def test_rooms(as_, world):
    room, api = world["room"], as_("grid_worker")
    rows = api.get("/rooms").json()["items"]
    assert [r["id"] for r in rows] == [room.pk]
    assert rows[0]["residents_count"] == 2 and rows[0]["occupancy"] == "rented"
    assert as_("dept_handler").get("/rooms").json()["items"] == []
    assert as_(grid_b_worker()).get("/rooms").json()["items"] == []
    detail = api.get(f"/rooms/{room.pk}").json()
    assert {p["id"] for p in detail["residents"]} == {world["a"].pk, world["tenant"].pk}
    assert [t["tenant"]["id"] for t in detail["tenancies"]] == [world["tenant"].pk]
    assert detail["residents"][0]["id_masked"].count("*") == 8
    assert as_(grid_b_worker()).get(f"/rooms/{room.pk}").status_code == 404
    assert as_("leader").get(f"/rooms/{room.pk}").status_code == 200


def test_create_and_update_room(as_, world):
    api = as_("grid_worker")
    building = building_of(GRID_A).path
    response = api.post(
        "/rooms", {"building": building, "unit": "1", "number": "101", "area_m2": 88.5}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["area_m2"] == "88.50" and body["use_label"] == "住宅" and body["residents"] == []
    count = Room.objects.count()
    response = api.post("/rooms", {"building": building, "unit": "1", "number": "101"})
    assert response.status_code == 400 and "number" in fields_of(response)
    response = api.post("/rooms", {"building": building, "number": "102", "area_m2": -3})
    assert response.status_code == 400 and has_chinese(fields_of(response)["area_m2"])
    response = api.post("/rooms", {"building": GRID_A, "number": "103"})
    assert response.status_code == 400 and "building" in fields_of(response)
    assert as_("leader").post("/rooms", {"building": building, "number": "9"}).status_code == 403
    assert Room.objects.count() == count
    path = f"/rooms/{body['id']}"
    response = api.patch(path, {"occupancy": "vacant", "expected_version": 1})
    assert response.status_code == 200 and response.json()["occupancy_label"] == "空置"
    assert api.patch(path, {"note": "x", "expected_version": 1}).status_code == 409
    assert api.patch(path, {"use": "castle"}).status_code == 400
    assert as_("leader").patch(path, {"note": "x"}).status_code == 403
    assert as_(grid_b_worker()).patch(path, {"note": "x"}).status_code == 404


def test_tenancies(as_, people, world):
    api, room = as_("grid_worker"), world["room"]
    newcomer = services.create_person(
        actor=people.grid_worker, values=person_values(name="钱新", id_number=make_id())
    )
    path = f"/rooms/{room.pk}/tenancies"
    response = api.post(path, {"tenant_id": newcomer.pk, "starts_on": "2026-06-01"})
    assert response.status_code == 201, response.content
    tenancy = response.json()
    assert tenancy["tenant"]["id"] == newcomer.pk and tenancy["current"] is True
    newcomer.refresh_from_db()
    assert newcomer.room_id == room.pk
    count = Tenancy.objects.count()
    response = api.post(
        path, {"tenant_id": world["b"].pk, "starts_on": "2026-06-01", "ends_on": "2026-01-01"}
    )
    assert response.status_code == 400
    assert {"tenant", "ends_on"} <= set(fields_of(response))
    assert api.post(path, {"tenant_id": newcomer.pk}).status_code == 422
    assert (
        as_("leader").post(path, {"tenant_id": newcomer.pk, "starts_on": "2026-06-01"}).status_code
        == 403
    )
    assert Tenancy.objects.count() == count
    end = f"/tenancies/{tenancy['id']}/end"
    assert as_("leader").post(end, {}).status_code == 403
    assert as_(grid_b_worker()).post(end, {}).status_code == 404
    response = api.post(end, {"ended_on": "2020-01-01"})
    assert response.status_code == 400 and has_chinese(fields_of(response)["ended_on"])
    response = api.post(end, {"ended_on": "2026-09-30"})
    assert response.status_code == 200 and response.json()["ended_on"] == "2026-09-30"
    assert api.post(end, {}).status_code == 409


# -- organisations ---------------------------------------------------------------------------


def test_organisations(as_, world):
    org, api = world["org"], as_("grid_worker")
    rows = api.get("/organisations").json()["items"]
    assert [o["id"] for o in rows] == [org.pk]
    assert rows[0]["phone_masked"] == "043****2123" and rows[0]["legal_rep"] == "刘德明"
    assert rows[0]["kind_label"] == "企业"
    leader = as_("leader").get(f"/organisations/{org.pk}").json()
    assert leader["legal_rep"] == "刘**" and leader["may_reveal"] is False
    assert as_("dept_handler").get("/organisations").json()["items"] == []
    assert as_(grid_b_worker()).get(f"/organisations/{org.pk}").status_code == 404
    found = as_("county_op").get("/organisations", q=org.credit_code).json()["items"]
    assert [o["id"] for o in found] == [org.pk]


def test_create_update_and_reveal_organisation(as_, world):
    api = as_("grid_worker")
    values = {
        "credit_code": make_credit_code(),
        "name": "舒兰市阳光幼儿园",
        "kind": "school",
        "region": GRID_A,
        "dedicated_grid": GRID_A,
        "employees": 12,
    }
    response = api.post("/organisations", values)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["dedicated_grid"]["path"] == GRID_A and body["kind_label"] == "学校"
    count = Organisation.objects.count()
    response = api.post("/organisations", values)  # the same code again
    assert response.status_code == 400 and "credit_code" in fields_of(response)
    code = make_credit_code()
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")
    response = api.post("/organisations", {**values, "credit_code": wrong})
    assert response.status_code == 400 and has_chinese(fields_of(response)["credit_code"])
    response = api.post(
        "/organisations", {**values, "credit_code": make_credit_code(), "kind": "?"}
    )
    assert response.status_code == 400 and "kind" in fields_of(response)
    assert as_("leader").post("/organisations", values).status_code == 403
    assert Organisation.objects.count() == count
    path = f"/organisations/{body['id']}"
    response = api.patch(path, {"phone": "13712345678", "expected_version": 1})
    assert response.status_code == 200 and response.json()["phone_masked"] == "137****5678"
    assert api.patch(path, {"employees": -1}).status_code == 400
    assert api.patch(path, {"name": "x", "expected_version": 1}).status_code == 409
    assert as_("leader").patch(path, {"name": "x"}).status_code == 403
    assert as_(grid_b_worker()).patch(path, {"name": "x"}).status_code == 404
    response = api.post(f"{path}/reveal", {"reason": "联系负责人"})
    assert response.status_code == 200 and response.json()["value"] == "13712345678"
    assert RevealRecord.objects.filter(model="organisation", object_id=body["id"]).count() == 1
    assert as_("leader").post(f"{path}/reveal", {"reason": "x"}).status_code == 403
    assert as_("dept_handler").post(f"{path}/reveal", {"reason": "x"}).status_code == 404
    assert api.post(f"{path}/reveal", {"field": "id_number", "reason": "x"}).status_code == 422
    assert RevealRecord.objects.filter(model="organisation", object_id=body["id"]).count() == 1


# -- tags and key groups ---------------------------------------------------------------------


def test_tag_catalogue(as_, world):
    groups = as_("grid_worker").get("/tags").json()
    codes = {g["code"] for g in groups}
    assert {"special", "key_youth", "elderly"} <= codes
    special = next(g for g in groups if g["code"] == "special")
    assert special["sensitive"] is True and special["kind_label"] == "特殊人群"
    assert "community_correction" in {t["code"] for t in special["tags"]}
    leader = {g["code"] for g in as_("leader").get("/tags").json()}
    assert "special" not in leader and "key_youth" not in leader and "elderly" in leader
    assert "special" not in {g["code"] for g in as_("dept_handler").get("/tags").json()}


def test_key_groups(as_, world):
    counts = {r["tag"]["code"]: r["count"] for r in as_("grid_worker").get("/key-groups").json()}
    assert counts["elderly_alone"] == 1 and counts["released_prisoner"] == 1
    leader = {r["tag"]["code"]: r["count"] for r in as_("leader").get("/key-groups").json()}
    assert leader["elderly_alone"] == 1 and "released_prisoner" not in leader
    other = as_("county_op").get("/key-groups", region=GRID_B).json()
    assert {r["tag"]["code"]: r["count"] for r in other}["elderly_alone"] == 0
    dept = as_("dept_handler").get("/key-groups").json()
    assert all(r["count"] == 0 for r in dept)
    assert as_("county_op").get("/key-groups", region="abc").status_code == 422


# -- care contracts and visits ---------------------------------------------------------------


def test_care_contracts(as_, people, world):
    api, a = as_("grid_worker"), world["a"]
    rows = api.get("/care-contracts").json()["items"]
    assert [k["id"] for k in rows] == [world["contract"].pk]
    row = rows[0]
    assert row["tag"]["code"] == "elderly_alone" and row["state_label"] == "履约中"
    assert row["next_visit_due"] == (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert row["overdue"] is False
    assert as_("dept_handler").get("/care-contracts").json()["items"] == []
    assert as_(grid_b_worker()).get("/care-contracts").json()["items"] == []
    response = api.post(
        "/care-contracts",
        {
            "person_id": a.pk,
            "carer_id": people.grid_worker.pk,
            "services": "每月一次心理疏导",
            "visit_every_days": 30,
            "starts_on": (timezone.localdate() - dt.timedelta(days=60)).isoformat(),
            "tag": "released_prisoner",
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["overdue"] is True and created["tag"]["code"] == "released_prisoner"
    leader_rows = as_("leader").get("/care-contracts").json()["items"]
    hidden = next(k for k in leader_rows if k["id"] == created["id"])
    assert hidden["tag"] is None  # a sensitive category stays hidden from the leader
    count = CareContract.objects.count()
    bad = {
        "person_id": a.pk,
        "carer_id": people.grid_worker.pk,
        "services": "",
        "visit_every_days": 0,
        "starts_on": "2026-01-01",
    }
    response = api.post("/care-contracts", bad)
    assert response.status_code == 400
    assert {"services", "visit_every_days"} <= set(fields_of(response))
    assert (
        as_("leader")
        .post("/care-contracts", {**bad, "services": "x", "visit_every_days": 7})
        .status_code
        == 403
    )
    response = as_(grid_b_worker()).post(
        "/care-contracts", {**bad, "services": "x", "visit_every_days": 7}
    )
    assert response.status_code == 404
    assert CareContract.objects.count() == count
    path = f"/care-contracts/{created['id']}/end"
    assert api.post(path, {"reason": " "}).status_code == 400
    assert as_("leader").post(path, {"reason": "x"}).status_code == 403
    response = api.post(path, {"reason": "服务期满"})
    assert response.status_code == 200 and response.json()["state"] == "ended"
    assert response.json()["overdue"] is False
    assert api.post(path, {"reason": "again"}).status_code == 409
    assert len(api.get("/care-contracts", state="").json()["items"]) == 2
    assert len(api.get("/care-contracts", person=a.pk, state="ended").json()["items"]) == 1


def test_visits(as_, people, world, report):
    api, a = as_("grid_worker"), world["a"]
    rows = api.get("/visits", person=a.pk).json()["items"]
    assert [v["id"] for v in rows] == [world["visit"].pk]
    assert rows[0]["kind_label"] == "关爱走访" and rows[0]["room"]["label"] == "2单元301"
    case = report()
    response = api.post(
        "/visits",
        {
            "kind": "routine",
            "result": "problem",
            "findings": "楼道堆放杂物，联系电话13912345678",
            "person_id": a.pk,
            "follow_up_case": case.number,
            "visited_at": "2026-12-01T10:00:00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["follow_up_case"] == case.number
    assert body["visited_at"] == "2026-12-01T02:00:00Z"  # read as Beijing time
    assert "139****5678" in body["findings"]  # free text leaves redacted
    assert body["visitor"]["id"] == people.grid_worker.pk
    rows = api.get("/visits", limit=1).json()
    assert len(rows["items"]) == 1 and rows["next"]
    rest = api.get("/visits", limit=1, cursor=rows["next"]).json()
    assert rest["items"][0]["id"] != rows["items"][0]["id"]
    assert len(api.get("/visits", room=world["room"].pk).json()["items"]) == 2
    assert len(api.get("/visits", visitor=people.grid_worker.pk).json()["items"]) == 2
    assert as_("dept_handler").get("/visits").json()["items"] == []
    assert as_(grid_b_worker()).get("/visits", person=a.pk).status_code == 404
    count = Visit.objects.count()
    response = api.post("/visits", {"kind": "party", "result": "problem", "person_id": a.pk})
    assert response.status_code == 400
    assert {"kind", "findings"} <= set(fields_of(response))
    response = api.post("/visits", {"kind": "routine", "result": "normal"})
    assert response.status_code == 400 and "person" in fields_of(response)
    response = api.post(
        "/visits",
        {"kind": "routine", "result": "normal", "person_id": a.pk, "follow_up_case": "1"},
    )
    assert response.status_code == 400 and "follow_up_case" in fields_of(response)
    response = api.post(
        "/visits",
        {
            "kind": "routine",
            "result": "normal",
            "person_id": a.pk,
            "visited_at": "1000-01-01T00:00:00",
        },
    )
    assert response.status_code == 400 and "visited_at" in fields_of(response)
    response = as_("leader").post(
        "/visits", {"kind": "routine", "result": "normal", "person_id": a.pk}
    )
    assert response.status_code == 403
    response = as_(grid_b_worker()).post(
        "/visits", {"kind": "routine", "result": "normal", "person_id": a.pk}
    )
    assert response.status_code == 404
    assert Visit.objects.count() == count


# -- nothing clear leaves ----------------------------------------------------------------------


def test_no_list_detail_or_history_response_carries_a_clear_value(as_, world):
    a, b = world["a"], world["b"]
    # Some history first: an update, a reveal, a visit with a number in its findings.
    as_("grid_worker").patch(f"/people/{a.pk}", {"note": f"原电话 {PHONE_A}"})
    as_("grid_worker").post(f"/people/{a.pk}/reveal", {"field": "id_number", "reason": "核对"})
    clear = [value.encode() for value in world["clear"]]
    pages = [
        "/people?limit=200&state=",
        f"/people?q={world['clear'][0]}",
        f"/people/{a.pk}",
        f"/people/{b.pk}",
        f"/people/{world['tenant'].pk}",
        f"/people/{a.pk}/history",
        f"/people/{b.pk}/history",
        f"/people/{a.pk}/tags",
        "/rooms",
        f"/rooms/{world['room'].pk}",
        "/organisations",
        f"/organisations/{world['org'].pk}",
        "/care-contracts?state=",
        "/visits",
        f"/visits?person={a.pk}",
        "/tags",
        "/key-groups",
    ]
    checked = 0
    for username in (
        "county_op",
        "township_op",
        "village_op",
        "grid_chief",
        "grid_worker",
        "leader",
        "supervisor",
        "admin",
        "dept_handler",
    ):
        api = as_(username)
        for page in pages:
            response = api.client.get(BASE + page, **api.headers)
            assert response.status_code in (200, 404), (username, page, response.status_code)
            for value in clear:
                assert value not in response.content, (username, page)
            checked += response.status_code == 200
    assert checked > 100


def test_lists_take_a_fixed_number_of_queries(as_, people, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lists = ("/people", "/rooms", "/organisations", "/care-contracts", "/visits")

    def counts() -> dict[str, int]:
        api, out = as_("grid_worker"), {}
        for path in lists:
            with CaptureQueriesContext(connection) as queries:
                assert api.get(path).status_code == 200
            out[path] = len(queries)
        return out

    before = counts()
    worker, room = people.grid_worker, world["room"]
    for n in range(4):
        person = services.create_person(
            actor=worker, values=person_values(name=f"测试{n}", id_number=make_id(), room=room.pk)
        )
        services.create_room(
            actor=worker, values={"building": building_of(GRID_A).path, "number": f"9{n}"}
        )
        services.create_organisation(
            actor=worker,
            values={
                "credit_code": make_credit_code(),
                "name": f"单位{n}",
                "kind": "enterprise",
                "region": GRID_A,
            },
        )
        services.create_care_contract(
            actor=worker,
            person_id=person.pk,
            carer_id=worker.pk,
            services="看望",
            visit_every_days=7,
            starts_on=timezone.localdate(),
        )
        services.record_visit(actor=worker, kind="routine", result="normal", person_id=person.pk)
    assert counts() == before
