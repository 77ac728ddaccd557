"""Field work over the JSON API — the shared pieces (a client speaking JSON as one user, a worker
on grid A with the demo grid worker's account) and the roster: workers, assignments, training,
leave and duty; plus the checks that span every endpoint: the OpenAPI document, 401 without a
token, a resident's token, and that no GET response under /api/v1/ops/ carries a clear phone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.accounts.tokens import issue_token
from gridgov.ops import choices as c
from gridgov.ops.models import (
    Assignment,
    Course,
    DutyShift,
    Leave,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker
from gridgov.testing import api_error, bearer

pytestmark = pytest.mark.django_db
BASE = "/api/v1/ops"
VILLAGE = GRID_A[:12]
OTHER_VILLAGE_OP = "op220283001002"  # the operator of the next village: outside grid A
GRID_B_WORKER = f"gw{GRID_B}"
CLEAR_PHONE = "13904321771"


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

    def delete(self, path: str) -> Any:
        return self.client.delete(BASE + path, **self.headers)


def api_as(client: Any) -> Any:
    """``as_(who)`` → an ``Api`` speaking as ``who`` (each module's ``as_`` fixture)."""
    cache.clear()

    def _as(who: str | User | None) -> Api:
        return Api(client, who)

    return _as


@pytest.fixture
def as_(client):
    return api_as(client)


def fields_of(response: Any) -> dict[str, list[str]]:
    return api_error(response)["fields"]


def has_chinese(messages: list[str]) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for message in messages for ch in message)


def demo_worker() -> Worker:
    """The demo ``grid_worker`` account (a grid worker post on grid A) put on the roster,
    managed by grid A's village, with a main assignment to grid A and a clear phone."""
    from gridgov.registry.values import protect_phone

    worker = make_worker(user=User.objects.get(username="grid_worker"), name="李网格")
    protected = protect_phone(CLEAR_PHONE)
    Worker.objects.filter(pk=worker.pk).update(
        phone_cipher=protected.cipher, phone_masked=protected.masked, phone_hash=protected.hash
    )
    worker.refresh_from_db()
    return worker


def _new_worker(**overrides: Any) -> dict[str, Any]:
    return {
        "region": VILLAGE,
        "name": "王芳",
        "gender": "female",
        "kind": "full_time",
        "hired_on": "2025-03-01",
        "birth_date": "1990-06-15",
        "phone": CLEAR_PHONE,
        "education": "bachelor",
        "political_status": "party_member",
        "background_checked": True,
        **overrides,
    }


# -- the document, authentication ------------------------------------------------------------

_DOCUMENT: dict[str, Any] = {}


def openapi_document(client: Any) -> dict[str, Any]:
    if not _DOCUMENT:
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        _DOCUMENT.update(response.json())
    return _DOCUMENT


def ops_operations(client: Any) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, operations in openapi_document(client)["paths"].items()
        if path.startswith(f"{BASE}/")
        for method in operations
    ]


def test_every_endpoint_is_documented_and_refuses_the_unauthenticated(client):
    operations = ops_operations(client)
    assert len(operations) == 41, operations
    spec = openapi_document(client)
    for method, path in operations:
        assert spec["paths"][path][method]["tags"] == ["网格力量"], path
        url = re.sub(r"\{\w+\}", "1", path)
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert api_error(response)["code"] == "unauthenticated"


def test_no_schema_exposes_a_birth_date_clear_phone_ciphertext_or_hash(client):
    spec = openapi_document(client)["components"]["schemas"]
    assert set(spec["WorkerOut"]["properties"]) == {
        "id",
        "name",
        "gender",
        "gender_label",
        "birth_year",
        "phone_masked",
        "kind",
        "kind_label",
        "education",
        "education_label",
        "political_status",
        "political_status_label",
        "background_checked",
        "region",
        "hired_on",
        "left_on",
        "state",
        "state_label",
        "user",
        "grids",
        "note",
        "version",
    }
    from gridgov.ops import schemas

    outputs = [name for name in vars(schemas) if name.endswith("Out") and name in spec]
    assert len(outputs) > 20, outputs
    for name in outputs:
        for key in spec[name].get("properties", {}):
            assert not key.endswith(("_cipher", "_hash")), (name, key)
            assert key not in ("phone", "birth_date"), (name, key)


def test_a_resident_token_is_refused(client, people):
    from gridgov.accounts.models import Resident

    who = Resident.objects.create(phone_hash="y" * 64, phone_masked="138****0000")
    token = issue_token(name="t", resident=who).secret
    for url in (f"{BASE}/workers", f"{BASE}/me"):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 403 and api_error(response)["code"] == "forbidden"


@pytest.mark.parametrize("username", ["leader", "grid_worker", "village_op"])
def test_get_responses_show_the_masked_phone_only(client, people, username):
    """Every GET operation of /api/v1/ops/ (ids filled with the records made here) as three
    roles: the worker's clear phone appears nowhere, its masked form where the roster shows."""
    from gridgov.ops import services

    worker = demo_worker()
    village_op = people.village_op
    session = services.create_session(
        actor=village_op,
        course=services.create_course(actor=village_op, region=worker.region, name="法律"),
        region=worker.region,
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    services.record_training(
        actor=village_op, session=session, worker=worker, status="present", passed=True
    )
    ids = {
        "worker_id": worker.pk,
        "session_id": session.pk,
        "assignment_id": Assignment.objects.get(worker=worker).pk,
    }
    headers = bearer(username)
    checked = masked = 0
    for method, path in ops_operations(client):
        if method != "get":
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
        response = client.get(url, {"region": VILLAGE} if "{" not in path else {}, **headers)
        checked += response.status_code == 200
        text = response.content.decode()
        assert CLEAR_PHONE not in re.sub(r"[\s\-]", "", text), url
        masked += "139****1771" in text
    assert checked >= 12, checked
    assert masked >= 2, masked  # the roster and the worker (and /me for the worker)


# -- roster ----------------------------------------------------------------------------------


def test_create_a_worker(as_, people):
    before = Worker.objects.count()
    assert as_("leader").post("/workers", _new_worker()).status_code == 403
    assert as_("grid_worker").post("/workers", _new_worker()).status_code == 403
    assert as_("dept_handler").post("/workers", _new_worker()).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post("/workers", _new_worker()).status_code == 404
    api = as_("village_op")
    response = api.post("/workers", _new_worker(kind="volunteer"))
    assert response.status_code == 422 and has_chinese(fields_of(response)["kind"])
    response = api.post("/workers", {"region": VILLAGE})
    assert response.status_code == 422 and {"name", "gender", "kind"} <= set(fields_of(response))
    response = api.post("/workers", _new_worker(region="22x"))
    assert response.status_code == 422 and "region" in fields_of(response)
    response = api.post("/workers", _new_worker(region=GRID_A))  # a grid cannot manage
    assert response.status_code == 400 and has_chinese(fields_of(response)["region"])
    response = api.post("/workers", _new_worker(phone="12345"))
    assert response.status_code == 400 and has_chinese(fields_of(response)["phone"])
    response = api.post("/workers", _new_worker(birth_date="2015-01-01"))  # ten at hiring
    assert response.status_code == 400 and "birth_date" in fields_of(response)
    response = api.post("/workers", _new_worker(user=2**40))
    assert response.status_code == 400 and "user" in fields_of(response)
    assert Worker.objects.count() == before
    account = people.grid_worker
    response = api.post("/workers", _new_worker(user=account.pk, note="电话 13904321771"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert CLEAR_PHONE not in response.content.decode()
    assert body["phone_masked"] == "139****1771" and body["birth_year"] == 1990
    assert (body["name"], body["kind_label"], body["education_label"]) == (
        "王芳",
        "专职网格员",
        "本科",
    )
    assert body["region"] == {"path": VILLAGE, "name": body["region"]["name"]}
    assert body["user"] == {"id": account.pk, "name": account.full_name or account.username}
    assert body["grids"] == [] and body["state"] == "active" and body["version"] == 1
    assert body["note"] == "电话 139****1771"
    stored = Worker.objects.get(pk=body["id"])
    assert stored.birth_date == dt.date(1990, 6, 15) and stored.phone_cipher
    assert stored.phone_cipher != CLEAR_PHONE
    # The same account cannot be linked twice.
    response = api.post("/workers", _new_worker(user=account.pk, name="另一人"))
    assert response.status_code == 400 and "user" in fields_of(response)


def test_read_update_and_end_a_worker(as_, people):
    worker = demo_worker()
    path = f"/workers/{worker.pk}"
    body = as_("village_op").get(path).json()
    assert body["grids"] == [{"path": GRID_A, "name": body["grids"][0]["name"], "is_main": True}]
    assert as_("leader").get(path).status_code == 200
    assert as_("grid_worker").get(path).json()["id"] == worker.pk  # their own entry
    assert as_(OTHER_VILLAGE_OP).get(path).status_code == 404
    assert as_(GRID_B_WORKER).get(path).status_code == 404
    assert as_("village_op").get("/workers/0").status_code == 422
    # Changing needs the version read; a stale one is a conflict.
    assert as_("village_op").patch(path, {"name": "李四"}).status_code == 422
    assert as_("leader").patch(path, {"name": "李四", "version": 1}).status_code == 403
    assert as_("grid_worker").patch(path, {"name": "李四", "version": 1}).status_code == 403
    assert as_(OTHER_VILLAGE_OP).patch(path, {"name": "李四", "version": 1}).status_code == 404
    response = as_("village_op").patch(path, {"kind": "boss", "version": 1})
    assert response.status_code == 422 and "kind" in fields_of(response)
    response = as_("village_op").patch(path, {"name": "", "version": 1})
    assert response.status_code == 422 and "name" in fields_of(response)
    response = as_("village_op").patch(path, {"phone": "999", "version": 1})
    assert response.status_code == 400 and "phone" in fields_of(response)
    assert Worker.objects.get(pk=worker.pk).version == 1
    response = as_("village_op").patch(path, {"name": "李四", "phone": "13604320001", "version": 1})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["version"]) == ("李四", 2)
    assert response.json()["phone_masked"] == "136****0001"
    response = as_("village_op").patch(path, {"name": "张三", "version": 1})
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    assert Worker.objects.get(pk=worker.pk).name == "李四"
    # Leaving ends the assignments.
    end = f"{path}/end"
    assert as_("village_op").post(end, {}).status_code == 422
    assert as_("leader").post(end, {"reason": "辞职"}).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post(end, {"reason": "辞职"}).status_code == 404
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = as_("village_op").post(end, {"reason": "辞职", "left_on": tomorrow})
    assert response.status_code == 400 and "left_on" in fields_of(response)
    response = as_("village_op").post(end, {"reason": "辞职"})
    assert response.status_code == 200, response.content
    body = response.json()
    today = timezone.localdate().isoformat()
    assert (body["state"], body["state_label"], body["left_on"]) == ("left", "离岗", today)
    history = as_("village_op").get(f"{path}/assignments").json()
    assert [(a["grid"]["path"], a["ends_on"]) for a in history] == [(GRID_A, today)]
    assert as_("village_op").post(end, {"reason": "辞职"}).status_code == 409


def test_the_roster_list(as_, people):
    mine = demo_worker()
    other = make_worker(grid_path=GRID_B, kind=c.WorkerKind.PART_TIME, name="赵兼职")
    spare = make_worker(assign=False, kind=c.WorkerKind.INFORMANT, name="钱信息员")
    api = as_("village_op")
    rows = api.get("/workers", region=VILLAGE).json()
    assert {w["id"] for w in rows["items"]} == {mine.pk, other.pk, spare.pk}
    assert rows["next"] is None
    assert [w["id"] for w in api.get("/workers", region=GRID_B).json()["items"]] == [other.pk]
    assert [w["id"] for w in api.get("/workers", kind="informant").json()["items"]] == [spare.pk]
    assert [w["id"] for w in api.get("/workers", unassigned=True).json()["items"]] == [spare.pk]
    assert [w["id"] for w in api.get("/workers", q="赵").json()["items"]] == [other.pk]
    assert api.get("/workers", state="left").json()["items"] == []
    for bad in ({"kind": "boss"}, {"state": "gone"}, {"region": "x"}, {"limit": 500}):
        assert api.get("/workers", **bad).status_code == 422, bad
    assert api.get("/workers", cursor="not-a-cursor").status_code == 400
    # Keyset pages: two rows a page, every worker once.
    seen: list[int] = []
    cursor = None
    for _page in range(3):
        params: dict[str, Any] = {"region": VILLAGE, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/workers", **params).json()
        seen += [w["id"] for w in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted({mine.pk, other.pk, spare.pk})
    # Outside: the next village's operator and grid B's worker see none of grid A's.
    assert as_(OTHER_VILLAGE_OP).get("/workers").json()["items"] == []
    assert as_(GRID_B_WORKER).get("/workers", region=GRID_A).json()["items"] == []
    # A worker sees their own entry.
    assert [w["id"] for w in as_("grid_worker").get("/workers").json()["items"]] == [mine.pk]


def test_assignments(as_, people):
    worker = make_worker(assign=False, name="孙网格")
    path = f"/workers/{worker.pk}/assignments"
    today = timezone.localdate().isoformat()
    before = Assignment.objects.count()
    assert as_("leader").post(path, {"grid": GRID_A}).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post(path, {"grid": GRID_A}).status_code == 404
    response = as_("village_op").post(path, {"grid": VILLAGE})
    assert response.status_code == 400 and has_chinese(fields_of(response)["grid"])
    response = as_("village_op").post(path, {"grid": GRID_A, "starts_on": "2020-01-01"})
    assert response.status_code == 400 and "starts_on" in fields_of(response)  # before hiring
    assert as_("village_op").post(path, {}).status_code == 422
    assert Assignment.objects.count() == before
    response = as_("village_op").post(path, {"grid": GRID_A, "reason": "新入职"})
    assert response.status_code == 201, response.content
    main = response.json()
    assert (main["grid"]["path"], main["is_main"], main["current"], main["starts_on"]) == (
        GRID_A,
        True,
        True,
        today,
    )
    response = as_("village_op").post(path, {"grid": GRID_B, "is_main": False})
    assert response.status_code == 201
    detail = as_("village_op").get(f"/workers/{worker.pk}").json()
    assert [(g["path"], g["is_main"]) for g in detail["grids"]] == [(GRID_A, True), (GRID_B, False)]
    history = as_("village_op").get(path).json()
    assert [a["grid"]["path"] for a in history] == [GRID_A, GRID_B]
    assert as_(OTHER_VILLAGE_OP).get(path).status_code == 404
    # Ending one.
    end = f"/assignments/{history[1]['id']}/end"
    assert as_("leader").post(end, {}).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post(end, {}).status_code == 404
    response = as_("village_op").post(end, {"ends_on": "2020-01-01"})
    assert response.status_code == 400 and "ends_on" in fields_of(response)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = as_("village_op").post(end, {"ends_on": yesterday, "reason": "调整"})
    assert response.status_code == 400  # before it started (today)
    response = as_("village_op").post(end, {"reason": "调整"})
    assert response.status_code == 200, response.content
    assert response.json()["ends_on"] == today


# -- training --------------------------------------------------------------------------------


def test_courses_and_sessions(as_, people):
    worker = demo_worker()
    course = {"region": VILLAGE, "name": "网格员业务培训", "topic": "事件上报", "hours": 3}
    assert as_("leader").post("/training/courses", course).status_code == 403
    assert as_("grid_worker").post("/training/courses", course).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post("/training/courses", course).status_code == 404
    response = as_("village_op").post("/training/courses", {**course, "hours": 0.1})
    assert response.status_code == 400 and has_chinese(fields_of(response)["hours"])
    assert as_("village_op").post("/training/courses", {"region": VILLAGE}).status_code == 422
    assert Course.objects.count() == 0
    response = as_("village_op").post("/training/courses", course)
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["hours"], made["region"]["path"], made["is_active"]) == ("3.0", VILLAGE, True)
    assert [k["id"] for k in as_("county_op").get("/training/courses").json()] == [made["id"]]
    assert as_(OTHER_VILLAGE_OP).get("/training/courses").json() == []

    starts = timezone.localtime().replace(microsecond=0) - dt.timedelta(hours=3)
    session = {
        "course": made["id"],
        "region": VILLAGE,
        "starts_at": starts.replace(tzinfo=None).isoformat(),
        "ends_at": (starts + dt.timedelta(hours=2)).replace(tzinfo=None).isoformat(),
        "place": "社区会议室",
        "trainer": "王老师",
    }
    assert as_("leader").post("/training/sessions", session).status_code == 403
    response = as_("village_op").post(
        "/training/sessions", {**session, "ends_at": session["starts_at"]}
    )
    assert response.status_code == 400 and "ends_at" in fields_of(response)
    assert as_("village_op").post("/training/sessions", {**session, "course": 0}).status_code == 422
    assert TrainingSession.objects.count() == 0
    response = as_("village_op").post("/training/sessions", session)
    assert response.status_code == 201, response.content
    held = response.json()
    assert held["sheet"] == [] and held["course"]["id"] == made["id"]
    assert dt.datetime.fromisoformat(held["starts_at"]) == starts
    path = f"/training/sessions/{held['id']}"
    assert as_(OTHER_VILLAGE_OP).get(path).status_code == 404
    # The sheet: saved whole or not at all.
    sheet = f"{path}/attendance"
    entry = {"worker": worker.pk, "status": "present", "passed": True, "score": 92}
    assert as_("leader").post(sheet, {"entries": [entry]}).status_code == 403
    response = as_("village_op").post(
        sheet, {"entries": [entry, {"worker": 2**40, "status": "absent"}]}
    )
    assert response.status_code == 400 and "entries" in fields_of(response)
    response = as_("village_op").post(
        sheet, {"entries": [{"worker": worker.pk, "status": "absent", "passed": True}]}
    )
    assert response.status_code == 400 and has_chinese(fields_of(response)["passed"])
    # The second line is wrong (absent yet passed): the first one is not kept either.
    second = make_worker(grid_path=GRID_B, name="周网格")
    response = as_("village_op").post(
        sheet,
        {"entries": [entry, {"worker": second.pk, "status": "absent", "passed": False}]},
    )
    assert response.status_code == 400 and "passed" in fields_of(response)
    response = as_("village_op").post(sheet, {"entries": [{**entry, "score": 101}]})
    assert response.status_code == 422 and "entries.0.score" in fields_of(response)
    assert (
        as_("village_op").post(sheet, {"entries": [{**entry, "status": "late"}]}).status_code == 422
    )
    assert TrainingAttendance.objects.count() == 0
    response = as_("village_op").post(sheet, {"entries": [entry]})
    assert response.status_code == 200, response.content
    assert response.json()["sheet"] == [
        {
            "worker": {"id": worker.pk, "name": "李网格"},
            "status": "present",
            "status_label": "出席",
            "passed": True,
            "score": 92,
        }
    ]
    # The worker sees the session they attended, with their own line.
    mine = as_("grid_worker").get(path)
    assert mine.status_code == 200 and [r["score"] for r in mine.json()["sheet"]] == [92]
    day = starts.date().isoformat()
    listed = as_("county_op").get("/training/sessions", region=VILLAGE, **{"from": day, "to": day})
    assert [s["id"] for s in listed.json()["items"]] == [held["id"]]
    later = (starts.date() + dt.timedelta(days=1)).isoformat()
    assert as_("county_op").get("/training/sessions", **{"from": later}).json()["items"] == []
    assert as_("county_op").get("/training/sessions", **{"from": "x"}).status_code == 422


# -- leave and duty --------------------------------------------------------------------------


def test_leave(as_, people):
    worker = demo_worker()
    today = timezone.localdate()
    values = {
        "kind": "sick",
        "starts_on": (today + dt.timedelta(days=1)).isoformat(),
        "ends_on": (today + dt.timedelta(days=2)).isoformat(),
        "reason": "发烧",
    }
    assert as_("leader").post("/leaves", values).status_code == 403  # not on the roster
    assert as_(GRID_B_WORKER).post("/leaves", {**values, "worker": worker.pk}).status_code == 404
    response = as_("grid_worker").post("/leaves", {**values, "ends_on": today.isoformat()})
    assert response.status_code == 400 and has_chinese(fields_of(response)["ends_on"])
    assert as_("grid_worker").post("/leaves", {**values, "kind": "holiday"}).status_code == 422
    assert Leave.objects.count() == 0
    response = as_("grid_worker").post("/leaves", values)
    assert response.status_code == 201, response.content
    leave = response.json()
    assert (leave["worker"]["id"], leave["state"], leave["state_label"]) == (
        worker.pk,
        "pending",
        "待批准",
    )
    path = f"/leaves/{leave['id']}"
    assert as_("grid_worker").post(f"{path}/approve").status_code == 403  # not their own
    assert as_("leader").post(f"{path}/approve").status_code == 403
    assert as_(OTHER_VILLAGE_OP).post(f"{path}/approve").status_code == 404
    pending = as_("village_op").get("/leaves", pending=True).json()["items"]
    assert [k["id"] for k in pending] == [leave["id"]]
    response = as_("village_op").post(f"{path}/approve")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert response.json()["approved_by"]
    assert as_("village_op").post(f"{path}/approve").status_code == 409
    assert as_("village_op").get("/leaves", pending=True).json()["items"] == []
    assert [k["id"] for k in as_("grid_worker").get("/leaves").json()["items"]] == [leave["id"]]
    assert as_(GRID_B_WORKER).get("/leaves").json()["items"] == []
    # A manager files leave for a worker; the worker cancels their own.
    later = {
        **values,
        "worker": worker.pk,
        "starts_on": (today + dt.timedelta(days=10)).isoformat(),
        "ends_on": (today + dt.timedelta(days=10)).isoformat(),
    }
    response = as_("village_op").post("/leaves", later)
    assert response.status_code == 201, response.content
    other = response.json()["id"]
    assert as_("leader").post(f"/leaves/{other}/cancel").status_code == 403
    response = as_("grid_worker").post(f"/leaves/{other}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert as_("grid_worker").post(f"/leaves/{other}/cancel").status_code == 409
    assert as_("village_op").get("/leaves", worker=0).status_code == 422


def test_duty(as_, people):
    worker = demo_worker()
    saturday = timezone.localdate() + dt.timedelta(days=(5 - timezone.localdate().weekday()) % 7)
    values = {
        "worker": worker.pk,
        "region": GRID_A,
        "day": saturday.isoformat(),
        "note": "周末值班",
    }
    assert as_("leader").post("/duties", values).status_code == 403
    assert as_("grid_worker").post("/duties", values).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post("/duties", values).status_code == 404
    response = as_("village_op").post("/duties", {**values, "region": GRID_B})
    assert response.status_code == 400 and has_chinese(fields_of(response)["region"])
    assert as_("village_op").post("/duties", {**values, "day": "2026-02-30"}).status_code == 422
    assert DutyShift.objects.count() == 0
    response = as_("village_op").post("/duties", values)
    assert response.status_code == 201, response.content
    duty = response.json()
    assert (duty["worker"]["id"], duty["region"]["path"], duty["day"]) == (
        worker.pk,
        GRID_A,
        saturday.isoformat(),
    )
    response = as_("village_op").post("/duties", values)
    assert response.status_code == 400 and "day" in fields_of(response)
    day = saturday.isoformat()
    rows = as_("county_op").get("/duties", region=VILLAGE, **{"from": day, "to": day}).json()
    assert [d["id"] for d in rows["items"]] == [duty["id"]]
    after = (saturday + dt.timedelta(days=1)).isoformat()
    assert as_("county_op").get("/duties", **{"from": after}).json()["items"] == []
    assert [d["id"] for d in as_("grid_worker").get("/duties").json()["items"]] == [duty["id"]]
    assert as_(GRID_B_WORKER).get("/duties").json()["items"] == []
    path = f"/duties/{duty['id']}"
    assert as_("leader").delete(path).status_code == 403
    assert as_(OTHER_VILLAGE_OP).delete(path).status_code == 404
    assert as_("village_op").delete(path).status_code == 204
    assert DutyShift.objects.count() == 0
    assert as_("village_op").delete(path).status_code == 404
