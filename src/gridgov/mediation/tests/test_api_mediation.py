"""Disputes and mediation over the JSON API — the shared pieces (a client speaking JSON as one
user) and the checks that span every endpoint (the OpenAPI document, 401 without a token, a
resident's token, no clear ID number or phone in any GET response), then committees, mediators,
disputes and mediations: success, wrong role (403), outside the jurisdiction (404), bad input
(422 from the schema, 400 from the rules, with the field named and nothing changed), 409."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache

from gridgov.accounts.models import User
from gridgov.accounts.roles import Role
from gridgov.accounts.tokens import issue_token
from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import GRID_A, GRID_B
from gridgov.mediation import services
from gridgov.mediation.models import (
    Agreement,
    Committee,
    Confirmation,
    Dispute,
    FollowUp,
    Mediation,
    Mediator,
    Party,
    Session,
)
from gridgov.mediation.tests.fixtures import AGREEMENT, DAY, PHONE, VILLAGE, region, start
from gridgov.registry.tests.fixtures import make_id
from gridgov.testing import api_error, bearer, staff

pytestmark = pytest.mark.django_db
BASE = "/api/v1/mediation"
NEXT_VILLAGE_OP = "op220283001002"  # the operator of the next village: outside grid A
OTHER_TOWNSHIP_OP = "op220283002"
OPERATIONS = 46
TAGS = {"矛盾纠纷调解", "矛盾纠纷排查", "信访", "法律服务"}


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


def refused(response: Any, status: int, *fields: str) -> None:
    """An error response of ``status`` naming ``fields``, each with a Chinese message."""
    assert response.status_code == status, response.content
    found = fields_of(response)
    for name in fields:
        assert name in found and has_chinese(found[name]), found


_DOCUMENT: dict[str, Any] = {}


def operations(client: Any) -> list[tuple[str, str]]:
    if not _DOCUMENT:
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        _DOCUMENT.update(response.json())
    return [
        (method, path)
        for path, ops in _DOCUMENT["paths"].items()
        if path.startswith(f"{BASE}/")
        for method in ops
    ]


# -- every endpoint --------------------------------------------------------------------------


def test_every_endpoint_is_documented_and_refuses_the_unauthenticated(client):
    found = operations(client)
    assert len(found) == OPERATIONS, found
    for method, path in found:
        tags = _DOCUMENT["paths"][path][method]["tags"]
        assert len(tags) == 1 and tags[0] in TAGS, (path, tags)
        url = re.sub(r"\{\w+\}", "1", path)
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert api_error(response)["code"] == "unauthenticated"


def test_no_output_schema_carries_a_clear_value_ciphertext_or_hash(client):
    operations(client)
    spec = _DOCUMENT["components"]["schemas"]
    from gridgov.mediation import schemas

    outputs = [name for name in vars(schemas) if name.endswith("Out") and name in spec]
    assert len(outputs) > 20, outputs
    for name in outputs:
        for key in spec[name].get("properties", {}):
            assert not key.endswith(("_cipher", "_hash")), (name, key)
            assert key not in ("phone", "id_number", "birth_date"), (name, key)
    assert {"id_masked", "phone_masked"} <= set(spec["MediationPartyOut"]["properties"])


def test_a_resident_token_is_refused(client, people):
    from gridgov.accounts.models import Resident

    who = Resident.objects.create(phone_hash="z" * 64, phone_masked="138****0000")
    token = issue_token(name="t", resident=who).secret
    for url in (f"{BASE}/disputes", f"{BASE}/petitions", f"{BASE}/consultations"):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 403 and api_error(response)["code"] == "forbidden"


@pytest.mark.parametrize("username", ["village_op", "leader", "grid_worker"])
def test_get_responses_show_masked_values_only(client, people, dispute, room, username):
    """Every GET operation (ids filled with the records made here) as three roles: the
    party's and the mediator's clear phone and the party's ID number appear nowhere; their
    masked forms do."""
    mediation = start(dispute, room, people)
    services.close_mediation(
        actor=room[1].user, mediation=mediation, state="agreed", agreement=AGREEMENT
    )
    party = dispute.parties.get(role="applicant")
    clear_id = _clear_id(party)
    ids = {"dispute_id": dispute.pk, "mediation_id": mediation.pk, "committee_id": room[0].pk}
    headers = bearer(username)
    checked = masked = 0
    for method, path in operations(client):
        if method != "get" or path.endswith(".pdf"):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
        params = {"region": VILLAGE} if path.endswith("on-duty") else {}
        response = client.get(url, params, **headers)
        checked += response.status_code == 200
        text = re.sub(r"[\s\-]", "", response.content.decode())
        for secret in (PHONE, "13504321001", clear_id):
            assert secret not in text, (url, secret)
        masked += "135****1001" in text
    assert checked >= 14, checked
    assert masked >= 2, masked  # the disputes list and the dispute


def _clear_id(party: Party) -> str:
    from gridgov.core.protection import decrypt

    clear = decrypt(party.id_cipher)
    assert len(clear) == 18 and clear[:6] == "220283"
    return clear


# -- committees and mediators ----------------------------------------------------------------


def _committee(**overrides: Any) -> dict[str, Any]:
    return {
        "region": VILLAGE,
        "name": "育才社区人民调解委员会",
        "kind": "people",
        "specialities": ["family", "neighbour"],
        "address": "育才社区服务中心 2 楼",
        **overrides,
    }


def test_setting_up_a_committee(as_, people):
    before = Committee.objects.count()
    refused(as_("grid_worker").post("/committees", _committee(region=GRID_A)), 403)
    refused(as_("leader").post("/committees", _committee()), 403)
    refused(as_(OTHER_TOWNSHIP_OP).post("/committees", _committee()), 404)
    api = as_("village_op")
    refused(api.post("/committees", _committee(kind="club")), 422, "kind")
    refused(api.post("/committees", _committee(name="")), 400, "name")
    refused(api.post("/committees", _committee(region=GRID_A)), 400, "region")
    assert Committee.objects.count() == before
    response = api.post("/committees", _committee())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["region"]["path"] == VILLAGE and body["kind_label"] == "人民调解委员会"
    assert body["specialities_labels"] == ["婚姻家庭纠纷", "邻里纠纷"]
    refused(api.post("/committees", _committee()), 400, "name")  # the same name twice
    listed = api.get("/committees").json()["items"]
    assert [k["id"] for k in listed] == [body["id"]]
    assert as_(OTHER_TOWNSHIP_OP).get("/committees").json()["items"] == []
    assert api.get("/committees", kind="industry").json()["items"] == []


def test_adding_mediators(as_, people, room):
    committee, lead, _second = room
    path = f"/committees/{committee.pk}/mediators"
    new = {"name": "赵调解", "kind": "full_time", "phone": "13904320001", "specialities": ["land"]}
    before = Mediator.objects.count()
    refused(as_("leader").post(path, new), 403)
    refused(as_(OTHER_TOWNSHIP_OP).post(path, new), 404)
    api = as_("village_op")
    refused(api.post(path, {**new, "phone": "12345"}), 400, "phone")
    refused(api.post(path, {**new, "specialities": ["pets"]}), 422, "specialities.0")
    refused(api.post(path, {**new, "user": 2**40}), 400, "user")
    refused(api.post(f"/committees/{2**40}/mediators", new), 404)
    assert Mediator.objects.count() == before
    response = api.post(path, new)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone_masked"] == "139****0001" and "13904320001" not in response.content.decode()
    assert body["committee"] == {"id": committee.pk, "name": committee.name}
    listed = api.get("/mediators", committee=committee.pk).json()["items"]
    assert {m["name"] for m in listed} == {"王调解", "李调解", "赵调解"}
    assert [m["name"] for m in api.get("/mediators", q="王").json()["items"]] == ["王调解"]
    assert lead.user is not None
    mine = next(m for m in listed if m["name"] == "王调解")
    assert mine["user"]["id"] == lead.user.pk and mine["phone_masked"] == "139****5566"
    assert as_(OTHER_TOWNSHIP_OP).get("/mediators").json()["items"] == []


# -- disputes --------------------------------------------------------------------------------


def _new_case(report: Any, code: str = "JF-001") -> Any:
    return report(item_=Item.objects.get(code=code), title="邻里排水纠纷")


def _dispute(case: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "case": case.pk,
        "amount_yuan": "3200.5",
        "risk": "medium",
        "parties": [
            {"role": "applicant", "name": "孙立", "id_number": make_id(), "phone": "13704320011"},
            {"role": "respondent", "name": "钱明", "address": "育才社区 5 号楼"},
        ],
        **overrides,
    }


def test_registering_a_dispute_for_a_case(as_, people, report):
    case = _new_case(report)
    refused(as_("leader").post("/disputes", _dispute(case)), 403)
    refused(as_(NEXT_VILLAGE_OP).post("/disputes", _dispute(case)), 404)
    refused(as_("village_op").post("/disputes", {**_dispute(case), "case": 2**40}), 404)
    api = as_("village_op")
    refused(api.post("/disputes", _dispute(case, parties=[])), 400, "parties")
    refused(api.post("/disputes", _dispute(case, risk="extreme")), 422, "risk")
    response = api.post(
        "/disputes",
        _dispute(
            case,
            amount_yuan="-1",
            parties=[{"role": "respondent", "name": "钱明", "id_number": "220283198005170000"}],
        ),
    )
    refused(response, 400, "amount_yuan", "parties", "parties.0.id_number")
    refused(api.post("/disputes", _dispute(report())), 400, "case")  # not a dispute board
    refused(
        api.post("/disputes", _dispute(case, parties=[{"role": "applicant", "person": 2**40}])),
        400,
        "parties.0.person",
    )
    assert not Dispute.objects.exists() and not Party.objects.exists()
    response = as_("grid_worker").post("/disputes", _dispute(case))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["case"]["number"] == case.number and body["kind"] == "neighbour"
    assert body["amount_yuan"] == "3200.50" and body["risk_label"] == "中"
    applicant = body["parties"][0]
    assert applicant["phone_masked"] == "137****0011" and "*" in applicant["id_masked"]
    assert "13704320011" not in response.content.decode()
    assert body["mediation"] is None and body["mediations"] == []
    response = api.post("/disputes", _dispute(case))
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"


def test_listing_and_reading_disputes(as_, people, dispute, room, report):
    other = services.register_dispute(
        actor=people.village_op,
        case=_new_case(report, "JF-001"),
        risk="high",
        parties=[{"role": "applicant", "name": "甲"}],
    )
    start(dispute, room, people)
    api = as_("village_op")
    listed = api.get("/disputes").json()
    assert [d["id"] for d in listed["items"]] == [other.pk, dispute.pk]  # newest first
    assert listed["next"] is None
    first = api.get("/disputes", limit=1).json()
    assert [d["id"] for d in first["items"]] == [other.pk] and first["next"]
    rest = api.get("/disputes", limit=1, cursor=first["next"]).json()
    assert [d["id"] for d in rest["items"]] == [dispute.pk]
    assert [d["id"] for d in api.get("/disputes", risk="high").json()["items"]] == [other.pk]
    assert [d["id"] for d in api.get("/disputes", kind="family").json()["items"]] == [dispute.pk]
    assert [d["id"] for d in api.get("/disputes", mediation="none").json()["items"]] == [other.pk]
    assert [d["id"] for d in api.get("/disputes", mediation="open").json()["items"]] == [dispute.pk]
    assert api.get("/disputes", q=dispute.case.number).json()["items"][0]["id"] == dispute.pk
    assert api.get("/disputes", region=GRID_B).json()["items"] == []
    refused(api.get("/disputes", risk="extreme"), 422, "risk")
    refused(api.get("/disputes", cursor="nonsense"), 400, "cursor")
    assert as_(NEXT_VILLAGE_OP).get("/disputes").json()["items"] == []
    detail = api.get(f"/disputes/{dispute.pk}").json()
    assert detail["mediation"]["state"] == "open" and len(detail["mediations"]) == 1
    assert {p["name"] for p in detail["parties"]} == {"张桂兰", "张建国"}
    assert as_(NEXT_VILLAGE_OP).get(f"/disputes/{dispute.pk}").status_code == 404
    assert as_("grid_worker").get(f"/disputes/{dispute.pk}").status_code == 200
    assert api.get("/disputes/0").status_code == 422


# -- mediations ------------------------------------------------------------------------------


def _start(room: Any, **overrides: Any) -> dict[str, Any]:
    committee, lead, second = room
    return {
        "committee": committee.pk,
        "mediator": lead.pk,
        "co_mediators": [second.pk],
        "accepted_on": DAY.isoformat(),
        **overrides,
    }


def test_starting_a_mediation(as_, people, dispute, room):
    path = f"/disputes/{dispute.pk}/mediations"
    refused(as_("leader").post(path, _start(room)), 403)
    refused(as_(NEXT_VILLAGE_OP).post(path, _start(room)), 404)
    api = as_("village_op")
    refused(api.post(path, _start(room, mediator=2**40)), 400, "mediator")
    refused(api.post(path, _start(room, accepted_on="yesterday")), 422, "accepted_on")
    early = (DAY - dt.timedelta(days=1)).isoformat()
    refused(api.post(path, _start(room, accepted_on=early)), 400, "accepted_on")
    assert not Mediation.objects.exists()
    response = api.post(path, _start(room))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open" and body["mediator"]["name"] == "王调解"
    assert [m["name"] for m in body["co_mediators"]] == ["李调解"]
    assert body["case"]["id"] == dispute.case_id and body["agreement"] is None
    response = api.post(path, _start(room))
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    assert Mediation.objects.count() == 1
    listed = api.get("/mediations").json()["items"]
    assert [m["id"] for m in listed] == [body["id"]]
    assert api.get("/mediations", state="agreed").json()["items"] == []
    lead = room[1]
    assert [m["id"] for m in as_(lead.user).get("/mediations", mine=True).json()["items"]] == [
        body["id"]
    ]
    assert as_("village_op").get("/mediations", mine=True).json()["items"] == []


def test_a_handler_for_a_mediator_without_an_account(as_, people, dispute, room):
    path = f"/disputes/{dispute.pk}/mediations"
    api = as_("village_op")
    second = room[2]
    elsewhere = people.grid_worker_of(GRID_B).pk
    values = {"mediator": second.pk, "co_mediators": []}
    refused(api.post(path, _start(room, **values, handler=elsewhere)), 400, "handler")
    assert not Mediation.objects.exists()
    response = api.post(path, _start(room, **values, handler=people.grid_worker.pk))
    assert response.status_code == 201, response.content
    dispute.case.refresh_from_db()
    assert dispute.case.lead_user_id == people.grid_worker.pk


def _session(**overrides: Any) -> dict[str, Any]:
    return {
        "starts_at": "2026-11-05T09:30:00+08:00",
        "ends_at": "2026-11-05T11:30:00+08:00",
        "place": "社区调解室",
        "participants": "张桂兰、张建国、王调解",
        "minutes": "双方陈述意见，张桂兰电话 13504321001。",
        **overrides,
    }


def test_recording_sessions(as_, people, dispute, room):
    mediation = start(dispute, room, people)
    path = f"/mediations/{mediation.pk}/sessions"
    refused(as_("leader").post(path, _session()), 403)
    refused(as_(NEXT_VILLAGE_OP).post(path, _session()), 404)
    api = as_("village_op")
    refused(api.post(path, _session(place="", ends_at="2026-11-05T08:00:00+08:00")), 400, "ends_at")
    refused(api.post(path, _session(participants="")), 400, "participants")
    refused(api.post(path, _session(starts_at="soon")), 422, "starts_at")
    assert not Session.objects.exists()
    lead = room[1]
    response = as_(lead.user).post(path, _session(starts_at="2026-11-05T09:30:00"))  # local time
    assert response.status_code == 201, response.content
    session = response.json()["sessions"][0]
    assert session["starts_at"] == "2026-11-05T01:30:00Z"
    assert "135****1001" in session["minutes"] and "13504321001" not in response.content.decode()
    services.close_mediation(
        actor=room[1].user, mediation=mediation, state="withdrawn", closed_on=DAY
    )
    assert api.post(path, _session()).status_code == 409
    assert Session.objects.count() == 1


def _agreement(**overrides: Any) -> dict[str, Any]:
    values = {
        **AGREEMENT,
        "signed_on": AGREEMENT["signed_on"].isoformat(),
        "perform_by": AGREEMENT["perform_by"].isoformat(),
    }
    values.update(overrides)
    return values


def test_closing_with_an_agreement_and_its_pdf(as_, people, dispute, room):
    mediation = start(dispute, room, people)
    path = f"/mediations/{mediation.pk}/close"
    refused(as_("leader").post(path, {"state": "agreed", "agreement": _agreement()}), 403)
    refused(as_(NEXT_VILLAGE_OP).post(path, {"state": "withdrawn"}), 404)
    api = as_("village_op")
    refused(api.post(path, {"state": "open"}), 400, "state")
    refused(api.post(path, {"state": "closed"}), 422, "state")
    refused(api.post(path, {"state": "failed"}), 400, "note")
    refused(api.post(path, {"state": "court"}), 400, "referred_to")
    refused(api.post(path, {"state": "agreed", "agreement": _agreement(terms=[])}), 400)
    assert fields_of(api.post(path, {"state": "agreed", "agreement": _agreement(terms=[])})) == {
        "agreement.terms": ["至少写明一项协议内容"]
    }
    refused(api.post(path, {"state": "agreed"}), 400, "agreement.facts")
    assert api.get(f"/mediations/{mediation.pk}/agreement.pdf").status_code == 409
    assert Mediation.objects.get().state == "open" and not Agreement.objects.exists()
    api = as_(room[1].user)  # the lead mediator, to whom the case was dispatched
    response = api.post(path, {"state": "agreed", "agreement": _agreement()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "agreed" and body["closed_on"] == AGREEMENT["signed_on"].isoformat()
    agreement = body["agreement"]
    assert agreement["number"] == f"{room[0].name}（2026）调字第 1 号"
    assert agreement["terms"] == AGREEMENT["terms"] and agreement["confirmation"] is None
    assert agreement["confirm_by"] == (AGREEMENT["signed_on"] + dt.timedelta(days=30)).isoformat()
    assert api.post(path, {"state": "withdrawn"}).status_code == 409
    pdf = api.get(f"/mediations/{mediation.pk}/agreement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf["Content-Disposition"]
    assert as_(NEXT_VILLAGE_OP).get(f"/mediations/{mediation.pk}/agreement.pdf").status_code == 404
    detail = api.get(f"/disputes/{dispute.pk}").json()
    assert detail["mediations"][0]["agreement"]["number"] == agreement["number"]


def test_failing_and_referring(as_, people, dispute, room):
    mediation = start(dispute, room, people)
    api = as_(room[1].user)  # the lead mediator, to whom the case was dispatched
    close = f"/mediations/{mediation.pk}/close"
    refused(as_("village_op").post(close, {"state": "court", "referred_to": "法院"}), 403)
    assert Mediation.objects.get().state == "open"
    response = api.post(close, {"state": "court", "referred_to": "舒兰市人民法院"})
    assert response.status_code == 200, response.content
    dispute.case.refresh_from_db()
    assert dispute.case.status == "handled"
    assert response.json()["referred_to"] == "舒兰市人民法院"
    assert response.json()["state_label"] == "转诉讼"
    assert api.get(f"/mediations/{mediation.pk}/agreement.pdf").status_code == 409


def test_judicial_confirmation_and_follow_ups(as_, people, dispute, room):
    mediation = start(dispute, room, people)
    base = f"/mediations/{mediation.pk}"
    api = as_("village_op")
    apply = {
        "applied_on": (AGREEMENT["signed_on"] + dt.timedelta(days=3)).isoformat(),
        "court": "舒兰市人民法院",
    }
    assert api.post(f"{base}/confirmation", apply).status_code == 409  # no agreement yet
    visit = {
        "visited_on": (AGREEMENT["signed_on"] + dt.timedelta(days=10)).isoformat(),
        "honoured": "partial",
    }
    assert api.post(f"{base}/follow-ups", visit).status_code == 409
    services.close_mediation(
        actor=room[1].user, mediation=mediation, state="agreed", agreement=AGREEMENT
    )
    refused(as_("leader").post(f"{base}/confirmation", apply), 403)
    refused(as_(NEXT_VILLAGE_OP).post(f"{base}/confirmation", apply), 404)
    late = (AGREEMENT["signed_on"] + dt.timedelta(days=31)).isoformat()
    refused(api.post(f"{base}/confirmation", {**apply, "applied_on": late}), 400, "applied_on")
    refused(api.post(f"{base}/confirmation", {**apply, "court": ""}), 400, "court")
    refused(api.post(f"{base}/confirmation", {"court": "x"}), 422, "applied_on")
    decision = {
        "result": "confirmed",
        "decided_on": apply["applied_on"],
        "ruling_no": "（2026）吉0283民特12号",
    }
    assert api.post(f"{base}/confirmation/decision", decision).status_code == 409  # not applied
    assert not Confirmation.objects.exists()
    response = api.post(f"{base}/confirmation", apply)
    assert response.status_code == 201, response.content
    assert response.json()["agreement"]["confirmation"]["result"] == "pending"
    assert api.post(f"{base}/confirmation", apply).status_code == 409
    refused(
        api.post(f"{base}/confirmation/decision", {**decision, "ruling_no": ""}), 400, "ruling_no"
    )
    refused(
        api.post(f"{base}/confirmation/decision", {**decision, "result": "pending"}), 400, "result"
    )
    refused(
        api.post(f"{base}/confirmation/decision", {**decision, "result": "maybe"}), 422, "result"
    )
    refused(as_("leader").post(f"{base}/confirmation/decision", decision), 403)
    response = api.post(f"{base}/confirmation/decision", decision)
    assert response.status_code == 200, response.content
    confirmation = response.json()["agreement"]["confirmation"]
    assert (
        confirmation["result_label"] == "确认有效"
        and confirmation["ruling_no"] == decision["ruling_no"]
    )
    assert api.post(f"{base}/confirmation/decision", decision).status_code == 409
    refused(as_("leader").post(f"{base}/follow-ups", visit), 403)
    refused(as_(NEXT_VILLAGE_OP).post(f"{base}/follow-ups", visit), 404)
    refused(api.post(f"{base}/follow-ups", {**visit, "honoured": "not"}), 400, "note")
    refused(api.post(f"{base}/follow-ups", {**visit, "honoured": "maybe"}), 422, "honoured")
    early = (AGREEMENT["signed_on"] - dt.timedelta(days=1)).isoformat()
    refused(api.post(f"{base}/follow-ups", {**visit, "visited_on": early}), 400, "visited_on")
    assert not FollowUp.objects.exists()
    lead = room[1]
    response = as_(lead.user).post(f"{base}/follow-ups", {**visit, "note": "已付两万元"})
    assert response.status_code == 201, response.content
    assert [f["honoured_label"] for f in response.json()["follow_ups"]] == ["部分履行"]


def test_a_mediator_with_an_account_reaches_their_mediation_only(as_, people, dispute, room):
    mediation = start(dispute, room, people)
    account = staff(Role.GRID_WORKER, region=region(GRID_B), username="mediator-li")
    Mediator.objects.filter(pk=room[2].pk).update(user=account)  # 李调解 joins the mediation
    assert as_(account).get(f"/mediations/{mediation.pk}").status_code == 200
    assert as_(account).get(f"/disputes/{dispute.pk}").status_code == 404  # not their area
    stranger = staff(Role.GRID_WORKER, region=region(GRID_B))
    assert as_(stranger).get(f"/mediations/{mediation.pk}").status_code == 404
