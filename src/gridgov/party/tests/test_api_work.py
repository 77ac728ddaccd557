"""Party building over the JSON API: 双报到 registrations and service hours, needs and claims,
organisational life with attendance and sign-in, and service centres."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from gridgov.party.models import (
    Attendance,
    Claim,
    Meeting,
    Need,
    ServiceCentre,
    ServiceRecord,
    ServiceRegistration,
)
from gridgov.party.tests.factories import COMMUNITY, GRID_A, GRID_B
from gridgov.party.tests.test_api_common import (
    GRID_B_WORKER,
    OTHER_VILLAGE_OP,
    World,
    api_as,
    build_world,
    fields_of,
)
from gridgov.testing import api_error

pytestmark = pytest.mark.django_db


def as_api(client: Any, who: Any) -> Any:
    return api_as(client)(who)


@pytest.fixture
def as_(client):
    return api_as(client)


@pytest.fixture
def world(people) -> World:
    return build_world()


def _register(as_: Any, world: World) -> dict[str, Any]:
    response = as_(world.cadre_user).post(
        "/registrations",
        {"kind": "member", "community": COMMUNITY, "member_id": world.cadre.pk, "skills": "法律"},
    )
    assert response.status_code == 201, response.content
    return response.json()


# -- registrations ---------------------------------------------------------------------------


def test_registrations(as_, world: World):
    before = ServiceRegistration.objects.count()
    values = {"kind": "member", "community": COMMUNITY, "member_id": world.cadre.pk}
    assert as_("leader").post("/registrations", values).status_code == 403
    # A member who is not in service cannot register; the field is named.
    response = as_("village_op").post("/registrations", {**values, "member_id": world.member.pk})
    assert response.status_code == 400 and api_error(response)["fields"]
    assert as_("village_op").post("/registrations", {"kind": "member"}).status_code == 422
    assert ServiceRegistration.objects.count() == before
    reg = _register(as_, world)
    assert reg["state"] == "registered" and reg["member"]["name"] == "王干部"
    assert reg["community"]["path"] == COMMUNITY and reg["grid"] is None and reg["hours"] == "0.0"
    # One live registration per member and community.
    response = as_(world.cadre_user).post("/registrations", values)
    assert response.status_code == 400 and "community" in fields_of(response)
    path = f"/registrations/{reg['id']}"
    # Assigning a grid: the community's managers, a grid inside the community.
    assert as_("leader").post(f"{path}/assign", {"grid": GRID_A}).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post(f"{path}/assign", {"grid": GRID_A}).status_code == 404
    response = as_("village_op").post(f"{path}/assign", {"grid": "220283001002001"})
    assert response.status_code == 400 and "grid" in fields_of(response)
    response = as_("village_op").post(f"{path}/assign", {"grid": GRID_A})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "assigned" and response.json()["grid"]["path"] == GRID_A
    # Service hours.
    today = timezone.localdate()
    record = {"day": today.isoformat(), "hours": 2.5, "content": "清理楼道"}
    assert as_("leader").post(f"{path}/records", record).status_code == 403
    response = as_("grid_worker").post(f"{path}/records", {**record, "hours": 30})
    assert response.status_code == 400 and "hours" in fields_of(response)
    response = as_("grid_worker").post(
        f"{path}/records", {**record, "day": (today + dt.timedelta(days=2)).isoformat()}
    )
    assert response.status_code == 400 and "day" in fields_of(response)
    assert as_("grid_worker").post(f"{path}/records", {"day": "x"}).status_code == 422
    assert ServiceRecord.objects.count() == 0
    response = as_("grid_worker").post(f"{path}/records", record)
    assert response.status_code == 201, response.content
    assert response.json()["hours"] == "2.5" and response.json()["content"] == "清理楼道"
    assert as_("county_op").get(path).json()["hours"] == "2.5"
    # The list, its filters; outside the jurisdiction.
    rows = as_("county_op").get("/registrations", state="live", region=COMMUNITY).json()
    assert [r["id"] for r in rows["items"]] == [reg["id"]]
    assert as_("county_op").get("/registrations", grid=GRID_B).json()["items"] == []
    assert as_("county_op").get("/registrations", state="sunk").status_code == 422
    assert as_(OTHER_VILLAGE_OP).get(path).status_code == 404
    # Ending.
    assert as_("village_op").post(f"{path}/end", {}).status_code == 422
    response = as_("village_op").post(f"{path}/end", {"reason": "调离"})
    assert response.status_code == 200 and response.json()["state"] == "ended"
    response = as_("village_op").post(f"{path}/end", {"reason": "调离"})
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"


# -- needs and claims ------------------------------------------------------------------------


def _need(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "wish",
        "title": "为独居老人修理水龙头",
        "detail": "联系电话 13904321234",
        "region": GRID_A,
        "beneficiary": "独居老人",
        "slots": 1,
        "due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        **overrides,
    }


def test_needs_and_claims(as_, world: World):
    before = Need.objects.count()
    assert as_("leader").post("/needs", _need()).status_code == 403
    response = as_(GRID_B_WORKER).post("/needs", _need())  # another grid
    assert response.status_code in (403, 404) or "region" in fields_of(response)
    response = as_("grid_worker").post("/needs", _need(slots=0))
    assert response.status_code == 400 and "slots" in fields_of(response)
    response = as_("grid_worker").post("/needs", _need(due_on="2001-01-01"))
    assert response.status_code == 400 and "due_on" in fields_of(response)
    assert as_("grid_worker").post("/needs", {"kind": "wish"}).status_code == 422
    assert Need.objects.count() == before
    response = as_("grid_worker").post("/needs", _need())
    assert response.status_code == 201, response.content
    need = response.json()
    assert need["state"] == "open" and need["claims"] == [] and need["taken"] == 0
    assert need["detail"] == "联系电话 139****1234"  # free text leaves redacted
    path = f"/needs/{need['id']}"
    reg = _register(as_, world)
    # Claiming: the member's own account, a live registration of the need's community.
    assert as_("leader").post(f"{path}/claims", {"registration_id": reg["id"]}).status_code == 403
    assert as_(world.cadre_user).post(f"{path}/claims", {}).status_code == 422
    response = as_(world.cadre_user).post(f"{path}/claims", {"registration_id": reg["id"]})
    assert response.status_code == 201, response.content
    claim = response.json()
    assert claim["claimant"] == "王干部" and claim["state"] == "claimed"
    assert claim["need"] == {
        "id": need["id"],
        "title": need["title"],
        "state": "claimed",
        "state_label": "已认领",
    }
    detail = as_("grid_worker").get(path).json()
    assert detail["taken"] == 1 and [k["id"] for k in detail["claims"]] == [claim["id"]]
    response = as_(world.cadre_user).post(f"{path}/claims", {"registration_id": reg["id"]})
    assert response.status_code == 409  # its one slot is taken
    # Withdrawing reopens the need; claiming again, reporting, confirming.
    assert as_("leader").post(f"/claims/{claim['id']}/withdraw", {"reason": "x"}).status_code == 403
    response = as_(world.cadre_user).post(f"/claims/{claim['id']}/withdraw", {"reason": "出差"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "withdrawn" and response.json()["need"]["state"] == "open"
    response = as_(world.cadre_user).post(f"{path}/claims", {"registration_id": reg["id"]})
    assert response.status_code == 201, response.content
    claim = response.json()
    report = {"result": "已更换水龙头", "hours": 1.5}
    assert as_("leader").post(f"/claims/{claim['id']}/report", report).status_code == 403
    response = as_(world.cadre_user).post(f"/claims/{claim['id']}/report", {**report, "hours": 0})
    assert response.status_code == 400 and "hours" in fields_of(response)
    response = as_(world.cadre_user).post(f"/claims/{claim['id']}/report", report)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "reported" and response.json()["hours"] == "1.5"
    assert as_("leader").post(f"/claims/{claim['id']}/confirm").status_code == 403
    assert as_(OTHER_VILLAGE_OP).post(f"/claims/{claim['id']}/confirm").status_code == 404
    response = as_("village_op").post(f"/claims/{claim['id']}/confirm")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "confirmed" and response.json()["need"]["state"] == "done"
    assert Claim.objects.get(pk=claim["id"]).state == "confirmed"
    assert ServiceRegistration.objects.get(pk=reg["id"]).hours == Decimal("1.5")
    response = as_("village_op").post(f"/claims/{claim['id']}/confirm")
    assert response.status_code == 409
    # A need with a confirmed claim cannot be cancelled.
    response = as_("village_op").post(f"{path}/cancel", {"reason": "重复"})
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    # Lists and detail.
    rows = as_("county_op").get("/needs", state="done", region=GRID_A).json()["items"]
    assert [n["id"] for n in rows] == [need["id"]]
    assert as_("county_op").get("/needs", kind="gift").status_code == 422
    assert as_(GRID_B_WORKER).get(path).status_code == 404
    assert as_(GRID_B_WORKER).get("/needs", region=GRID_A).json()["items"] == []


def test_cancel_an_open_need(as_, world: World):
    need = as_("grid_worker").post("/needs", _need(kind="project", slots=3)).json()
    path = f"/needs/{need['id']}/cancel"
    assert as_("leader").post(path, {"reason": "x"}).status_code == 403
    assert as_("grid_worker").post(path, {}).status_code == 422
    response = as_("grid_worker").post(path, {"reason": "需求已解决"})
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert as_("grid_worker").post(path, {"reason": "again"}).status_code == 409


# -- meetings --------------------------------------------------------------------------------


def _meeting(world: World, **overrides: Any) -> dict[str, Any]:
    starts = timezone.localtime() + dt.timedelta(minutes=10)
    return {
        "organisation": world.tree.branch_a.pk,
        "kind": "theme_day",
        "title": "七月主题党日",
        "starts_at": starts.replace(tzinfo=None, microsecond=0).isoformat(),
        "place": "社区党群服务站",
        "is_online": True,
        "online_link": "https://meet.example.org/branch-a",
        "agenda": "学习党章",
        **overrides,
    }


def test_meetings(as_, world: World):
    before = Meeting.objects.count()
    assert as_("leader").post("/meetings", _meeting(world)).status_code == 403
    assert as_("grid_worker").post("/meetings", _meeting(world)).status_code == 403
    response = as_("village_op").post("/meetings", _meeting(world, kind="group_meeting"))
    assert response.status_code == 400 and "kind" in fields_of(response)  # not a group
    assert as_("village_op").post("/meetings", {"kind": "theme_day"}).status_code == 422
    assert Meeting.objects.count() == before
    response = as_("village_op").post("/meetings", _meeting(world))
    assert response.status_code == 201, response.content
    meeting = response.json()
    assert meeting["state"] == "planned" and meeting["kind_label"] == "主题党日"
    expected = {world.secretary.pk, world.member.pk, world.cadre.pk}
    assert {a["member"]["id"] for a in meeting["attendance"]} == expected
    assert all(a["kind"] is None for a in meeting["attendance"])
    path = f"/meetings/{meeting['id']}"
    response = as_("village_op").patch(path, {"place": "网格党支部活动室", "expected_version": 1})
    assert response.status_code == 200 and response.json()["place"] == "网格党支部活动室"
    response = as_("village_op").patch(path, {"title": "x", "expected_version": 1})
    assert response.status_code == 409
    assert as_("leader").patch(path, {"title": "x"}).status_code == 403
    # Signing in as the caller's member: the cadre (staff account), remotely.
    response = as_(world.cadre_user).post(f"{path}/sign-in", {"remote": True})
    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "remote" and response.json()["member"]["id"] == world.cadre.pk
    response = as_(world.cadre_user).post(f"{path}/sign-in", {"remote": True})
    assert response.status_code == 409  # signed in already
    response = as_("county_op").post(f"{path}/sign-in", {})
    assert response.status_code == 403  # no membership behind this account
    # Recording attendance marks the meeting held — once it has started.
    entries = {str(world.secretary.pk): "present", str(world.member.pk): "leave"}
    response = as_("village_op").post(f"{path}/attendance", {"entries": entries})
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    started = (timezone.localtime() - dt.timedelta(minutes=5)).replace(microsecond=0)
    response = as_("village_op").patch(path, {"starts_at": started.isoformat()})
    assert response.status_code == 200, response.content
    assert as_("leader").post(f"{path}/attendance", {"entries": entries}).status_code == 403
    response = as_("village_op").post(f"{path}/attendance", {"entries": {"abc": "present"}})
    assert response.status_code == 400 and "entries" in fields_of(response)
    response = as_("village_op").post(f"{path}/attendance", {"entries": {"999999999": "present"}})
    assert response.status_code == 400 and "entries" in fields_of(response)
    response = as_("village_op").post(
        f"{path}/attendance", {"entries": entries, "minutes": "会议记录"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "held" and body["minutes"] == "会议记录"
    kinds = {a["member"]["id"]: a["kind"] for a in body["attendance"]}
    assert kinds == {
        world.secretary.pk: "present",
        world.member.pk: "leave",
        world.cadre.pk: "remote",
    }
    assert Attendance.objects.filter(meeting_id=meeting["id"]).count() == 3
    # A held meeting cannot be cancelled; lists and scope.
    response = as_("village_op").post(f"{path}/cancel", {"reason": "x"})
    assert response.status_code == 409
    rows = as_("county_op").get("/meetings", organisation=world.tree.branch_a.pk).json()["items"]
    assert [m["id"] for m in rows] == [meeting["id"]]
    assert as_("county_op").get("/meetings", state="held", region=GRID_B).json()["items"] == []
    assert as_("county_op").get("/meetings", start="tomorrow").status_code == 422
    assert as_(GRID_B_WORKER).get(path).status_code == 404


def test_cancel_a_planned_meeting(as_, world: World):
    meeting = as_("village_op").post("/meetings", _meeting(world)).json()
    path = f"/meetings/{meeting['id']}/cancel"
    assert as_("leader").post(path, {"reason": "x"}).status_code == 403
    response = as_("village_op").post(path, {"reason": "天气原因"})
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    response = as_(world.cadre_user).post(f"/meetings/{meeting['id']}/sign-in", {})
    assert response.status_code == 409


# -- service centres -------------------------------------------------------------------------


def test_service_centres(as_, world: World):
    centre = {
        "name": "育才社区党群服务中心",
        "level": "village",
        "region": COMMUNITY,
        "organisation": world.tree.community.pk,
        "address": "育才路 1 号",
        "lng": 126.96,
        "lat": 44.41,
        "phone": "0432-6822111",
        "opening_hours": "8:30–17:00",
        "area_m2": 300,
    }
    before = ServiceCentre.objects.count()
    assert as_("leader").post("/service-centres", centre).status_code == 403
    assert as_("grid_worker").post("/service-centres", centre).status_code == 403
    response = as_("village_op").post("/service-centres", {**centre, "level": "palace"})
    assert response.status_code == 400 and "level" in fields_of(response)
    assert as_("village_op").post("/service-centres", {"name": "x"}).status_code == 422
    assert as_(OTHER_VILLAGE_OP).post("/service-centres", centre).status_code in (400, 403, 404)
    assert ServiceCentre.objects.count() == before
    response = as_("village_op").post("/service-centres", centre)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["level_label"] == "村（社区）级"
        and body["organisation"]["id"] == world.tree.community.pk
    )
    rows = as_("grid_worker").get("/service-centres", region=COMMUNITY).json()["items"]
    assert rows == [] or [r["id"] for r in rows] == [body["id"]]
    rows = as_("county_op").get("/service-centres", region=COMMUNITY).json()["items"]
    assert [r["id"] for r in rows] == [body["id"]]
    assert as_(OTHER_VILLAGE_OP).get("/service-centres", region=COMMUNITY).json()["items"] == []


def test_a_resident_signs_in_as_the_member_with_their_phone(client, world: World):
    """The online branch from the residents' app: a resident token whose phone is a member's
    phone in the register signs in as that member; any other resident is refused (403)."""
    from gridgov.accounts.models import Resident
    from gridgov.accounts.tokens import issue_token
    from gridgov.core.protection import lookup_hash

    meeting = as_api(client, "village_op").post("/meetings", _meeting(world)).json()
    url = f"/api/v1/party/meetings/{meeting['id']}/sign-in"

    def sign_in(phone: str) -> Any:
        who = Resident.objects.create(
            phone_hash=lookup_hash(phone, "phone"), phone_masked="139****0000"
        )
        token = issue_token(name="t", resident=who).secret
        return client.post(url, {}, "application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    response = sign_in(world.clear[3])  # 李党员's phone
    assert response.status_code == 200, response.content
    assert response.json()["member"] == {"id": world.member.pk, "name": "李党员"}
    assert response.json()["kind"] == "present"
    assert Attendance.objects.get(meeting_id=meeting["id"]).member_id == world.member.pk
    assert sign_in("13800009999").status_code == 403
