"""Petitions (信访) over the JSON API: registering for a 信访诉求 case, the list with its
filters, the detail, possible repeats and linking one, the statutory steps (acknowledge, extend,
reply, rate, review and its answer), the deadlines with their lights, repeat petitioners and hot
topics — each with wrong role (403), outside the jurisdiction (404) and bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import T0
from gridgov.mediation import services
from gridgov.mediation.models import Petition, Petitioner
from gridgov.mediation.tests.test_api_mediation import (
    NEXT_VILLAGE_OP,
    api_as,
    refused,
)
from gridgov.registry.tests.fixtures import make_id
from gridgov.testing import api_error

pytestmark = pytest.mark.django_db
D = dt.date
PHONE = "13604325678"


@pytest.fixture
def as_(client):
    return api_as(client)


@pytest.fixture
def petition_case(report):
    def make(code: str = "XF-004", at: dt.datetime = T0, title: str = "讨要工程款") -> Any:
        return report(item_=Item.objects.get(code=code), at=at, title=title)

    return make


def _petition(case: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "case": case.pk,
        "form": "visit",
        "petitioners": [
            {"name": "刘长福", "id_number": make_id(D(1968, 3, 2)), "phone": PHONE},
            {"name": "刘长贵"},
        ],
        **overrides,
    }


def _register(people: Any, case: Any, **overrides: Any) -> Petition:
    values = {
        "form": "visit",
        "petitioners": [{"name": "刘长福", "phone": PHONE}],
        **overrides,
    }
    return services.register_petition(actor=people.village_op, case=case, **values)


def test_registering_a_petition(as_, people, petition_case, report):
    case = petition_case()
    refused(as_("leader").post("/petitions", _petition(case)), 403)
    refused(as_(NEXT_VILLAGE_OP).post("/petitions", _petition(case)), 404)
    api = as_("village_op")
    refused(api.post("/petitions", _petition(case, form="fax")), 422, "form")
    refused(api.post("/petitions", _petition(case, petitioners=[])), 400, "petitioners")
    refused(
        api.post("/petitions", _petition(case, petitioners=[{"name": "", "phone": "123"}])),
        400,
        "petitioners.0.name",
        "petitioners.0.phone",
    )
    refused(api.post("/petitions", _petition(case, people_count=1)), 400, "people_count")
    refused(api.post("/petitions", _petition(report())), 400, "case")  # not the petition board
    assert not Petition.objects.exists() and not Petitioner.objects.exists()
    response = api.post("/petitions", _petition(case, people_count=6, skips_level=True))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["case"]["number"] == case.number and body["state"] == "received"
    assert body["received_on"] == "2026-11-02" and body["acknowledge_by"] == "2026-11-17"
    assert body["is_group"] and body["skips_level"] and body["people_count"] == 6
    first = next(p for p in body["petitioners"] if p["name"] == "刘长福")
    assert first["phone_masked"] == "136****5678" and "*" in first["id_masked"]
    assert PHONE not in response.content.decode()
    response = api.post("/petitions", _petition(case))
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"


def test_listing_and_reading_petitions(as_, people, petition_case):
    group = _register(people, petition_case(), people_count=7)
    single = _register(people, petition_case(code="XF-001", at=T0 + dt.timedelta(days=1)))
    api = as_("village_op")
    listed = api.get("/petitions").json()
    assert [p["id"] for p in listed["items"]] == [single.pk, group.pk]  # received newest first
    page = api.get("/petitions", limit=1).json()
    assert [p["id"] for p in page["items"]] == [single.pk]
    rest = api.get("/petitions", limit=1, cursor=page["next"]).json()
    assert [p["id"] for p in rest["items"]] == [group.pk] and rest["next"] is None
    assert [p["id"] for p in api.get("/petitions", group=True).json()["items"]] == [group.pk]
    assert [p["id"] for p in api.get("/petitions", group=False).json()["items"]] == [single.pk]
    assert api.get("/petitions", state="replied").json()["items"] == []
    assert len(api.get("/petitions", state="received").json()["items"]) == 2
    assert api.get("/petitions", form="letter").json()["items"] == []
    refused(api.get("/petitions", state="lost"), 422, "state")
    assert as_(NEXT_VILLAGE_OP).get("/petitions").json()["items"] == []
    detail = api.get(f"/petitions/{group.pk}")
    assert detail.status_code == 200 and detail.json()["is_group"]
    assert as_(NEXT_VILLAGE_OP).get(f"/petitions/{group.pk}").status_code == 404
    assert api.get(f"/petitions/{2**40}").status_code == 404


def test_proposed_repeats_and_linking_one(as_, people, petition_case):
    first = _register(people, petition_case())
    other_matter = _register(people, petition_case(code="XF-001"))
    again = _register(
        people, petition_case(at=T0 + dt.timedelta(days=20)), received_on=D(2026, 11, 22)
    )
    api = as_("village_op")
    proposed = api.get(f"/petitions/{again.pk}/possible-repeats").json()
    assert [p["id"] for p in proposed] == [first.pk]  # the same petitioner and matter only
    assert as_(NEXT_VILLAGE_OP).get(f"/petitions/{again.pk}/possible-repeats").status_code == 404
    path = f"/petitions/{again.pk}/repeat-of"
    refused(as_("leader").post(path, {"earlier": first.pk}), 403)
    refused(as_(NEXT_VILLAGE_OP).post(path, {"earlier": first.pk}), 404)
    refused(api.post(path, {"earlier": other_matter.pk}), 400, "repeat_of")
    refused(api.post(path, {"earlier": 2**40}), 400, "earlier")
    refused(api.post(path, {}), 422, "earlier")
    again.refresh_from_db()
    assert again.repeat_of_id is None
    response = api.post(path, {"earlier": first.pk})
    assert response.status_code == 200 and response.json()["repeat_of"] == first.pk
    assert [p["id"] for p in api.get("/petitions", repeat=True).json()["items"]] == [again.pk]


def test_the_statutory_steps(as_, people, petition_case):
    petition = _register(people, petition_case())
    base = f"/petitions/{petition.pk}"
    api = as_("village_op")
    refused(as_("leader").post(f"{base}/acknowledge", {"accepted": True, "on": "2026-11-10"}), 403)
    refused(
        as_(NEXT_VILLAGE_OP).post(f"{base}/acknowledge", {"accepted": True, "on": "2026-11-10"}),
        404,
    )
    refused(api.post(f"{base}/acknowledge", {"accepted": False, "on": "2026-11-01"}), 400, "on")
    refused(api.post(f"{base}/acknowledge", {"accepted": False, "on": "2026-11-05"}), 400, "note")
    refused(api.post(f"{base}/acknowledge", {"accepted": "perhaps", "on": "x"}), 422, "accepted")
    assert api.post(f"{base}/reply", {"on": "2026-11-12", "text": "答复"}).status_code == 409
    # the county centre owns a petition case: a village operator may not accept it
    refused(api.post(f"{base}/acknowledge", {"accepted": True, "on": "2026-11-10"}), 403)
    petition.refresh_from_db()
    assert petition.state == "received" and petition.acknowledged_on is None
    county = as_("county_op")
    lead = {"kind": "centre", "ref": "22x"}
    refused(
        county.post(f"{base}/acknowledge", {"accepted": True, "on": "2026-11-10", "lead": lead}),
        400,
        "lead",
    )
    response = county.post(f"{base}/acknowledge", {"accepted": True, "on": "2026-11-10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "accepted" and body["reply_by"] == "2027-01-09"  # 60 days
    assert body["case"]["status"] == "dispatched"  # to the township centre (属地)
    assert (
        county.post(f"{base}/acknowledge", {"accepted": True, "on": "2026-11-10"}).status_code
        == 409
    )
    refused(api.post(f"{base}/extend", {"reason": ""}), 400, "reason")
    refused(as_("leader").post(f"{base}/extend", {"reason": "核实"}), 403)
    response = api.post(f"{base}/extend", {"reason": "需要现场核实"})
    assert response.status_code == 200 and response.json()["reply_by"] == "2027-02-08"
    assert api.post(f"{base}/extend", {"reason": "再次延期"}).status_code == 409
    assert api.post(f"{base}/rating", {"satisfaction": "basic"}).status_code == 409
    refused(api.post(f"{base}/reply", {"on": "2026-12-01", "text": ""}), 400, "text")
    refused(api.post(f"{base}/reply", {"on": "2026-11-09", "text": "x"}), 400, "on")
    refused(api.post(f"{base}/reply", {"on": "2026-12-01", "text": "已答复。"}), 403)
    api = as_("township_op")  # the township centre handles it
    response = api.post(f"{base}/reply", {"on": "2026-12-01", "text": "经核实，已督促支付。"})
    assert response.status_code == 200, response.content
    assert response.json()["case"]["status"] == "handled"
    assert response.json()["state"] == "replied" and response.json()["replied_on"] == "2026-12-01"
    refused(api.post(f"{base}/review", {"on": "2026-11-30"}), 400, "on")
    response = api.post(f"{base}/review", {"on": "2026-12-05"})
    assert response.status_code == 200 and response.json()["review_by"] == "2027-01-04"
    refused(api.post(f"{base}/review/answer", {"on": "2026-12-06", "text": ""}), 400, "text")
    refused(as_("leader").post(f"{base}/review/answer", {"on": "2026-12-06", "text": "x"}), 403)
    response = api.post(f"{base}/review/answer", {"on": "2026-12-06", "text": "维持原答复意见。"})
    assert response.status_code == 200 and response.json()["state"] == "reviewed"
    refused(api.post(f"{base}/rating", {"satisfaction": "great"}), 422, "satisfaction")
    response = api.post(f"{base}/rating", {"satisfaction": "basic"})
    assert response.status_code == 200 and response.json()["satisfaction_label"] == "基本满意"


def test_deadlines_repeat_petitioners_and_hot_topics(as_, people, petition_case):
    from django.utils import timezone

    today = timezone.localdate()
    old = _register(people, petition_case(), people_count=6)
    again = _register(people, petition_case(), received_on=today)
    api = as_("village_op")
    rows = api.get("/petitions/deadlines").json()
    assert [r["petition"] for r in rows] == [old.pk, again.pk]  # the most urgent first
    assert rows[0]["step"] == "acknowledge" and rows[0]["step_label"] == "受理告知"
    assert rows[0]["due"] == old.acknowledge_by.isoformat()
    left = (old.acknowledge_by - today).days
    assert rows[0]["days_left"] == left
    assert rows[0]["light"] == ("red" if left < 0 else "yellow" if left <= 3 else "green")
    assert rows[1]["days_left"] == 15 and rows[1]["light"] == "green"
    assert as_(NEXT_VILLAGE_OP).get("/petitions/deadlines").json() == []
    repeaters = api.get("/petitions/repeat-petitioners").json()
    assert len(repeaters) == 1 and repeaters[0]["petitions"] == 2
    assert repeaters[0]["phone_masked"] == "136****5678"
    assert sorted(repeaters[0]["petition_ids"]) == sorted([old.pk, again.pk])
    assert as_(NEXT_VILLAGE_OP).get("/petitions/repeat-petitioners").json() == []
    topics = api.get("/petitions/hot-topics").json()
    assert [t["item_code"] for t in topics] == ["XF-004"]
    recent = [p for p in (old, again) if p.received_on > today - dt.timedelta(days=30)]
    assert topics[0]["petitions"] == len(recent)
    assert topics[0]["group_petitions"] == sum(p.people_count >= 5 for p in recent)
    assert as_(NEXT_VILLAGE_OP).get("/petitions/hot-topics").json() == []
    for path in ("/petitions/deadlines", "/petitions/repeat-petitioners", "/petitions/hot-topics"):
        assert PHONE not in api.get(path).content.decode()
