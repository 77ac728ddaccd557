"""Legal service and screening over the JSON API: lawyers, the duty rota, who is on duty,
consultations (registered, answered, referred to mediation), screening campaigns, a campaign's
per-grid view and the grids' reports — each with wrong role (403), outside the jurisdiction
(404) and bad input (422 / 400 with the field, nothing changed)."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.cases.tests.fixtures import GRID_A, GRID_B
from gridgov.mediation import services
from gridgov.mediation.models import (
    Campaign,
    Consultation,
    Dispute,
    Lawyer,
    LegalDuty,
    MediatorDuty,
    ScreeningReport,
)
from gridgov.mediation.tests.fixtures import DAY, VILLAGE, region
from gridgov.mediation.tests.test_api_mediation import (
    NEXT_VILLAGE_OP,
    OTHER_TOWNSHIP_OP,
    api_as,
    refused,
)
from gridgov.testing import api_error

pytestmark = pytest.mark.django_db
LICENCE = "12202201810012345"
LAWYER_PHONE = "13904327788"


@pytest.fixture
def as_(client):
    return api_as(client)


@pytest.fixture
def lawyer(people):
    return services.add_lawyer(
        actor=people.village_op,
        region=region(VILLAGE),
        name="周律师",
        firm="吉林正义律师事务所",
        licence_no=LICENCE,
        phone=LAWYER_PHONE,
    )


def _lawyer(**overrides: Any) -> dict[str, Any]:
    return {
        "region": VILLAGE,
        "name": "吴律师",
        "firm": "舒兰法律援助中心",
        "licence_no": "12202201810099999",
        "phone": "13904320002",
        **overrides,
    }


# -- lawyers and the rota --------------------------------------------------------------------


def test_adding_and_listing_lawyers(as_, people, lawyer):
    before = Lawyer.objects.count()
    refused(as_("leader").post("/lawyers", _lawyer()), 403)
    refused(as_("grid_worker").post("/lawyers", _lawyer(region=GRID_A)), 403)
    refused(as_(OTHER_TOWNSHIP_OP).post("/lawyers", _lawyer()), 404)
    api = as_("village_op")
    refused(api.post("/lawyers", _lawyer(licence_no="123")), 400, "licence_no")
    refused(api.post("/lawyers", _lawyer(firm="")), 400, "firm")
    response = api.post("/lawyers", _lawyer(region="x"))
    assert response.status_code == 422 and "region" in api_error(response)["fields"]
    assert Lawyer.objects.count() == before
    response = api.post("/lawyers", _lawyer())
    assert response.status_code == 201, response.content
    assert response.json()["phone_masked"] == "139****0002"
    assert "13904320002" not in response.content.decode()
    listed = api.get("/lawyers").json()["items"]
    assert {k["name"] for k in listed} == {"周律师", "吴律师"}
    assert [k["name"] for k in api.get("/lawyers", q="正义").json()["items"]] == ["周律师"]
    assert LAWYER_PHONE not in api.get("/lawyers").content.decode()
    assert as_(OTHER_TOWNSHIP_OP).get("/lawyers").json()["items"] == []


def test_the_duty_rota_and_who_is_on_duty(as_, people, lawyer):
    duty = {"lawyer": lawyer.pk, "region": VILLAGE, "day": DAY.isoformat(), "slot": "am"}
    refused(as_("leader").post("/duties", duty), 403)
    refused(as_(OTHER_TOWNSHIP_OP).post("/duties", duty), 400, "lawyer")  # not their lawyer
    api = as_("village_op")
    refused(api.post("/duties", {**duty, "slot": "night"}), 422, "slot")
    refused(api.post("/duties", {**duty, "region": GRID_A}), 400, "region")
    refused(api.post("/duties", {**duty, "lawyer": 2**40}), 400, "lawyer")
    assert not LegalDuty.objects.exists()
    response = api.post("/duties", duty)
    assert response.status_code == 201, response.content
    assert response.json()["slot_label"] == "上午" and response.json()["lawyer"]["name"] == "周律师"
    clash = api.post("/duties", {**duty, "slot": "day"})
    assert clash.status_code == 409 and api_error(clash)["code"] == "conflict"
    listed = api.get("/duties", since=DAY.isoformat(), until=DAY.isoformat()).json()["items"]
    assert [d["day"] for d in listed] == [DAY.isoformat()]
    assert api.get("/duties", since="2026-11-03").json()["items"] == []
    assert api.get("/duties", region=GRID_A).json()["items"] == []
    refused(api.get("/duties", since="someday"), 422, "since")
    morning = api.get("/on-duty", region=VILLAGE, at="2026-11-02T09:00:00+08:00").json()
    assert [k["name"] for k in morning] == ["周律师"] and morning[0]["phone_masked"]
    assert api.get("/on-duty", region=VILLAGE, at="2026-11-02T14:00:00+08:00").json() == []
    assert as_(OTHER_TOWNSHIP_OP).get("/on-duty", region=VILLAGE).status_code == 404
    refused(api.get("/on-duty"), 422, "region")


def test_the_mediator_rota_and_who_is_on_duty(as_, people, room):
    _committee, lead, _second = room
    duty = {"mediator": lead.pk, "region": VILLAGE, "day": DAY.isoformat(), "slot": "am"}
    refused(as_("leader").post("/mediator-duties", duty), 403)
    refused(as_(OTHER_TOWNSHIP_OP).post("/mediator-duties", duty), 400, "mediator")
    refused(as_(NEXT_VILLAGE_OP).post("/mediator-duties", duty), 400, "mediator")
    api = as_("village_op")
    refused(api.post("/mediator-duties", {**duty, "slot": "night"}), 422, "slot")
    refused(api.post("/mediator-duties", {**duty, "region": GRID_A}), 400, "region")
    refused(api.post("/mediator-duties", {**duty, "day": "1999-01-01"}), 400, "day")
    refused(api.post("/mediator-duties", {**duty, "mediator": 2**40}), 400, "mediator")
    assert not MediatorDuty.objects.exists()
    response = api.post("/mediator-duties", duty)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["slot_label"] == "上午" and made["mediator"]["name"] == "王调解"
    assert made["committee"]["name"] == "育才社区人民调解委员会"
    clash = api.post("/mediator-duties", {**duty, "slot": "day"})
    assert clash.status_code == 409 and api_error(clash)["code"] == "conflict"
    day = DAY.isoformat()
    listed = api.get("/mediator-duties", since=day, until=day).json()["items"]
    assert [d["id"] for d in listed] == [made["id"]]
    assert api.get("/mediator-duties", since="2026-11-03").json()["items"] == []
    assert as_(OTHER_TOWNSHIP_OP).get("/mediator-duties").json()["items"] == []
    refused(api.get("/mediator-duties", until="someday"), 422, "until")
    morning = api.get("/mediators-on-duty", region=VILLAGE, at="2026-11-02T09:00:00+08:00").json()
    assert [k["name"] for k in morning] == ["王调解"] and morning[0]["phone_masked"]
    assert "13904325566" not in str(morning)
    afternoon = api.get("/mediators-on-duty", region=VILLAGE, at="2026-11-02T14:00:00+08:00")
    assert afternoon.json() == []
    assert as_(OTHER_TOWNSHIP_OP).get("/mediators-on-duty", region=VILLAGE).status_code == 404
    refused(api.get("/mediators-on-duty"), 422, "region")
    # removing: the leader may not, an outsider does not find it, the operator does
    path = f"/mediator-duties/{made['id']}"
    assert as_("leader").delete(path).status_code == 403
    assert as_(OTHER_TOWNSHIP_OP).delete(path).status_code == 404
    assert MediatorDuty.objects.filter(pk=made["id"]).exists()
    assert api.delete(path).status_code == 204
    assert not MediatorDuty.objects.exists()
    assert api.delete(path).status_code == 404


# -- consultations ---------------------------------------------------------------------------


def _question(**overrides: Any) -> dict[str, Any]:
    return {
        "region": VILLAGE,
        "channel": "walk_in",
        "topic": "labour",
        "question": "工地拖欠三个月工资，怎么办？",
        "requester_name": "郑强",
        "phone": "13704325566",
        **overrides,
    }


def test_registering_and_answering_a_consultation(as_, people):
    before = Consultation.objects.count()
    refused(as_("leader").post("/consultations", _question()), 403)
    refused(as_(OTHER_TOWNSHIP_OP).post("/consultations", _question()), 404)
    api = as_("village_op")
    refused(api.post("/consultations", _question(channel="fax")), 422, "channel")
    refused(api.post("/consultations", _question(question="")), 400, "question")
    refused(api.post("/consultations", _question(person=2**40)), 400, "person")
    assert Consultation.objects.count() == before
    response = api.post("/consultations", _question())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone_masked"] == "137****5566" and body["answered_at"] is None
    assert "13704325566" not in response.content.decode()
    path = f"/consultations/{body['id']}/answer"
    refused(as_("leader").post(path, {"answer": "可申请劳动仲裁。"}), 403)
    refused(as_(OTHER_TOWNSHIP_OP).post(path, {"answer": "可申请劳动仲裁。"}), 404)
    refused(api.post(path, {"answer": ""}), 400, "answer")
    refused(api.post(path, {"answer": "x", "referral": "mediation"}), 400, "dispute_item")
    refused(api.post(path, {"answer": "x", "referral": "nowhere"}), 422, "referral")
    assert api.get("/consultations", answered=True).json()["items"] == []
    response = api.post(
        path,
        {
            "answer": "建议先行调解。",
            "referral": "mediation",
            "dispute_item": "JF-001",
            "dispute_grid": GRID_A,
        },
    )
    assert response.status_code == 200, response.content
    answered = response.json()
    assert answered["referral_label"] == "转人民调解" and answered["dispute"]
    dispute = Dispute.objects.get(pk=answered["dispute"])
    assert dispute.parties.get().phone_masked == "137****5566"
    assert api.post(path, {"answer": "再答一次"}).status_code == 409
    listed = api.get("/consultations", answered=True).json()["items"]
    assert [k["id"] for k in listed] == [body["id"]]
    assert api.get("/consultations", topic="marriage").json()["items"] == []
    assert as_(OTHER_TOWNSHIP_OP).get("/consultations").json()["items"] == []


# -- screening -------------------------------------------------------------------------------


def _campaign(**overrides: Any) -> dict[str, Any]:
    return {
        "region": VILLAGE,
        "title": "2026 年 11 月矛盾纠纷排查",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-20",
        "due_on": "2026-11-25",
        **overrides,
    }


def test_screening_campaigns_and_reports(as_, people, dispute):
    refused(as_("leader").post("/campaigns", _campaign()), 403)
    refused(as_(NEXT_VILLAGE_OP).post("/campaigns", _campaign()), 404)
    api = as_("village_op")
    refused(api.post("/campaigns", _campaign(ends_on="2026-10-01")), 400, "ends_on")
    refused(api.post("/campaigns", _campaign(title="")), 400, "title")
    refused(api.post("/campaigns", _campaign(starts_on="soon")), 422, "starts_on")
    assert not Campaign.objects.exists()
    response = api.post("/campaigns", _campaign())
    assert response.status_code == 201, response.content
    campaign = response.json()
    assert [k["id"] for k in api.get("/campaigns").json()["items"]] == [campaign["id"]]
    grid_worker = as_("grid_worker")  # sees the village's campaign for their grid
    assert [k["id"] for k in grid_worker.get("/campaigns").json()["items"]] == [campaign["id"]]
    assert as_(OTHER_TOWNSHIP_OP).get("/campaigns").json()["items"] == []
    view = api.get(f"/campaigns/{campaign['id']}/screening").json()
    grids = {row["grid"]["path"]: row for row in view["rows"]}
    assert GRID_A in grids and GRID_B in grids
    assert view["summary"]["grids"] == len(grids) and view["summary"]["nil"] == 0
    expected = "missing" if view["summary"]["missing"] else "pending"
    assert grids[GRID_A]["state"] == expected and grids[GRID_A]["report"] is None
    assert as_(OTHER_TOWNSHIP_OP).get(f"/campaigns/{campaign['id']}/screening").status_code == 404
    mine = grid_worker.get(f"/campaigns/{campaign['id']}/screening").json()
    assert [row["grid"]["path"] for row in mine["rows"]] == [GRID_A]

    reports = f"/campaigns/{campaign['id']}/reports"
    refused(as_("leader").post(reports, {"grid": GRID_A, "nil": True}), 403)
    refused(grid_worker.post(reports, {"grid": GRID_B, "nil": True}), 404)  # not their grid
    refused(grid_worker.post(reports, {"grid": GRID_A, "nil": False}), 400, "disputes")
    both = {"grid": GRID_A, "nil": True, "disputes": [dispute.pk]}
    refused(grid_worker.post(reports, both), 400, "disputes")
    refused(grid_worker.post(reports, {"grid": GRID_A, "nil": "maybe"}), 422, "nil")
    refused(api.post(reports, {"grid": VILLAGE, "nil": True}), 400, "grid")
    assert not ScreeningReport.objects.exists()
    found = {"grid": GRID_A, "nil": False, "disputes": [dispute.pk], "note": "发现一起继承纠纷"}
    response = grid_worker.post(reports, found)
    assert response.status_code == 201, response.content
    row = next(r for r in response.json()["rows"] if r["grid"]["path"] == GRID_A)
    assert row["state"] == "found" and row["disputes"] == 1
    assert row["report"]["disputes"] == [dispute.pk] and row["state_label"] == "有纠纷"
    again = grid_worker.post(reports, {"grid": GRID_A, "nil": True})
    assert again.status_code == 409 and api_error(again)["code"] == "conflict"
    response = api.post(reports, {"grid": GRID_B, "nil": True})
    assert response.status_code == 201, response.content
    summary = response.json()["summary"]
    assert summary["nil"] == 1 and summary["found"] == 1 and summary["disputes"] == 1
