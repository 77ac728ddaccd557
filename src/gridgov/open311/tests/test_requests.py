"""GET requests and requests/<id>: fields, status, privacy, jurisdiction, window and filters."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gridgov.accounts.models import Department
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.services import act
from gridgov.cases.workflow import Action
from gridgov.open311 import selectors
from gridgov.open311.tests import schemas
from gridgov.open311.tests.conftest import (
    BASE,
    GRID_A,
    GRID_OTHER,
    get_both,
    valid_form,
)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def numbers(data):
    return [request["service_request_id"] for request in data]


def one(client, case, **params):
    (document,) = get_both(client, f"requests/{case.number}", schemas.ONE_REQUEST, **params)
    return document


def test_a_request_in_full_with_a_key(client, hotline, make_case):
    case = make_case()
    document = one(client, case, api_key=hotline.api_key)
    last = case.events.order_by("-at").first().at
    assert document == {
        "service_request_id": case.number,
        "status": "open",
        "status_notes": "待受理",
        "service_name": "垃圾清运不及时",
        "service_code": "CG-004",
        "description": case.description,
        "agency_responsible": None,
        "service_notice": "办理时限：2 工作日",
        "requested_datetime": timezone.localtime(case.created_at).isoformat(timespec="seconds"),
        "updated_datetime": timezone.localtime(last).isoformat(timespec="seconds"),
        "expected_datetime": timezone.localtime(case.due_at).isoformat(timespec="seconds"),
        "address": "滨河小区3号楼",
        "address_id": GRID_A,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
    }
    assert document["requested_datetime"].endswith("+08:00")


def test_without_a_key_the_place_is_coarse_and_there_is_no_description(client, make_case):
    case = make_case()
    document = one(client, case)
    assert "description" not in document
    assert document["lat"] == round(case.lat, 3) != case.lat
    assert document["long"] == round(case.lng, 3) != case.lng
    assert document["address"] == "北城街道育才社区"  # not the reported "滨河小区3号楼"
    assert document["address_id"] == GRID_A


def test_reporters_are_never_returned(client, hotline):
    form = valid_form(hotline.api_key, first_name="大爷", last_name="王", phone="13904321111")
    number = json.loads(client.post(f"{BASE}requests.json", form).content)[0]["service_request_id"]
    for params in ({}, {"api_key": hotline.api_key}):
        for fmt in ("json", "xml"):
            for path in (f"requests/{number}", "requests"):
                body = client.get(f"{BASE}{path}.{fmt}", params).content.decode()
                assert number in body
                assert "王大爷" not in body and "13904321111" not in body


def test_without_a_key_only_public_channels(client, hotline, make_case, people):
    public = make_case()
    from_app = make_case(channel="app")
    patrol = make_case(channel="patrol", user=people.grid_worker)
    data = get_both(client, "requests", schemas.REQUESTS)
    assert {public.number, from_app.number} <= set(numbers(data))
    assert patrol.number not in numbers(data)
    get_both(client, f"requests/{patrol.number}", schemas.ERRORS, expect=404)
    with_key = get_both(client, "requests", schemas.REQUESTS, api_key=hotline.api_key)
    assert patrol.number in numbers(with_key)
    assert all("description" in request for request in with_key)


def test_a_client_sees_only_its_jurisdiction(client, township_client, make_case, people):
    here = make_case(path=GRID_A)
    there = make_case(path=GRID_OTHER, user=people.admin)
    data = get_both(client, "requests", schemas.REQUESTS, api_key=township_client.api_key)
    assert there.number in numbers(data) and here.number not in numbers(data)
    get_both(
        client,
        f"requests/{here.number}",
        schemas.ERRORS,
        expect=404,
        api_key=township_client.api_key,
    )
    data = get_both(client, "requests", schemas.REQUESTS)  # without a key: both are public
    assert {here.number, there.number} <= set(numbers(data))


def test_a_bad_key_on_get_is_403(client, make_case):
    case = make_case()
    get_both(client, "requests", schemas.ERRORS, expect=403, api_key="ggk_nothing")
    get_both(client, f"requests/{case.number}", schemas.ERRORS, expect=403, api_key="x")


def test_status_goes_from_open_to_closed_when_verified(client, hotline, people):
    response = client.post(f"{BASE}requests.json", valid_form(hotline.api_key))
    number = json.loads(response.content)[0]["service_request_id"]
    case = Case.objects.get(number=number)
    worker, operator = people.grid_worker, people.village_op

    def step(user, action, **payload):
        act(case=case, user=user, action=action, payload=payload)

    assert one(client, case)["status"] == "open"
    step(operator, Action.ACCEPT)
    step(operator, Action.DISPATCH, lead={"kind": "user", "ref": str(worker.pk)})
    document = one(client, case, api_key=hotline.api_key)
    grid_name = case.region.name
    assert document["agency_responsible"] == f"{grid_name}网格员"
    assert worker.full_name not in json.dumps(document, ensure_ascii=False)
    assert document["status_notes"] == "待签收"
    step(worker, Action.SIGN)
    step(worker, Action.HANDLE, result="已清运")
    assert one(client, case)["status"] == "open"
    step(operator, Action.VERIFY_PASS)
    document = one(client, case)
    case.refresh_from_db()
    last = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert document["status"] == "closed" and document["status_notes"] == "已结案"
    assert "expected_datetime" not in document
    assert document["updated_datetime"] == timezone.localtime(last.at).isoformat(timespec="seconds")
    assert document["agency_responsible"] == f"{grid_name}网格员"
    step(operator, Action.CALLBACK, reached=True, rating="satisfied")
    assert one(client, case)["status"] == "closed"


def test_a_department_leads(client, make_case, people):
    case = make_case()
    act(case=case, user=people.village_op, action=Action.ACCEPT)
    department = Department.objects.get(short_name="城管局")
    act(
        case=case,
        user=people.village_op,
        action=Action.DISPATCH,
        payload={"lead": {"kind": "department", "ref": str(department.pk)}},
    )
    assert one(client, case)["agency_responsible"] == department.name


def test_rejected_shows_the_reason(client, make_case, people):
    case = make_case()
    act(case=case, user=people.village_op, action=Action.REJECT, payload={"reason": "重复反映"})
    document = one(client, case)
    assert document["status"] == "closed" and document["status_notes"] == "不予受理：重复反映"


def test_voided_shows_the_reason(client, make_case, people):
    case = make_case()
    act(case=case, user=people.village_op, action=Action.REQUEST_VOID, payload={"reason": "测试"})
    assert one(client, case)["status"] == "open"
    act(case=case, user=people.township_op, action=Action.APPROVE_VOID)
    document = one(client, case)
    assert document["status"] == "closed" and document["status_notes"] == "已作废：测试"


def test_a_merged_request_follows_its_master(client, make_case, people):
    master = make_case()
    merged = make_case(description="同一垃圾点，又满了。")
    act(case=merged, user=people.village_op, action=Action.MERGE, payload={"master": master.number})
    document = one(client, merged)
    assert document["status"] == "open"
    assert document["status_notes"] == f"已合并到案件 {master.number}，待受理"
    act(case=master, user=people.village_op, action=Action.REJECT, payload={"reason": "已处理"})
    document = one(client, merged)
    assert document["status"] == "closed"
    assert document["status_notes"] == f"已合并到案件 {master.number}，不予受理：已处理"
    assert numbers(get_both(client, "requests", schemas.REQUESTS, status="closed")) == [
        merged.number,
        master.number,
    ]
    assert numbers(get_both(client, "requests", schemas.REQUESTS, status="open")) == []


def test_photos_only_with_a_key(client, hotline, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case(photos=[SimpleUploadedFile("pile.png", PNG, "image/png")])
    document = one(client, case, api_key=hotline.api_key)
    assert document["media_url"].startswith("http://testserver/photos/")  # signed, expiring
    assert client.get(document["media_url"]).status_code == 200
    assert "media_url" not in one(client, case)


def test_the_default_window_is_90_days(client, make_case):
    now = timezone.now()
    recent = make_case(at=now - 10 * DAY)
    old = make_case(at=now - 100 * DAY)
    data = get_both(client, "requests", schemas.REQUESTS)
    assert recent.number in numbers(data) and old.number not in numbers(data)
    start = (now - 120 * DAY).isoformat(timespec="seconds")
    end = (now - 95 * DAY).isoformat(timespec="seconds")
    data = get_both(client, "requests", schemas.REQUESTS, start_date=start, end_date=end)
    assert numbers(data) == [old.number]
    data = get_both(client, "requests", schemas.REQUESTS, start_date=start)  # + 90 days
    assert numbers(data) == [old.number]
    zulu = (now - 50 * DAY).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = get_both(client, "requests", schemas.REQUESTS, end_date=zulu)  # - 90 days
    assert numbers(data) == [old.number]
    day = (now - 10 * DAY).date().isoformat()
    assert recent.number in numbers(get_both(client, "requests", schemas.REQUESTS, start_date=day))


def test_an_unencoded_plus_in_a_date_is_understood(client, make_case):
    case = make_case(at=timezone.now() - 3 * DAY)
    start = (timezone.localtime() - 5 * DAY).strftime("%Y-%m-%dT%H:%M:%S") + " 08:00"
    response = client.get(f"{BASE}requests.json?start_date={start}")
    assert case.number in numbers(json.loads(response.content))


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-40T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # > 90 days
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"status": "pending"},
    ],
)
def test_bad_filters_are_400(client, params):
    data = get_both(client, "requests", schemas.ERRORS, expect=400, **params)
    assert data[0]["code"] == 400


def test_filters_by_service_code_and_status(client, make_case, people):
    from gridgov.cases.models import Item

    lamp = make_case(item=Item.objects.get(code="CG-001"))
    rubbish = make_case()
    done = make_case()
    act(case=done, user=people.village_op, action=Action.REJECT, payload={"reason": "不属实"})
    data = get_both(client, "requests", schemas.REQUESTS, service_code="CG-001")
    assert numbers(data) == [lamp.number]
    data = get_both(client, "requests", schemas.REQUESTS, service_code="CG-001,CG-004")
    assert set(numbers(data)) == {lamp.number, rubbish.number, done.number}
    data = get_both(client, "requests", schemas.REQUESTS, status="closed")
    assert numbers(data) == [done.number]
    data = get_both(client, "requests", schemas.REQUESTS, status="open", service_code="CG-004")
    assert numbers(data) == [rubbish.number]
    data = get_both(client, "requests", schemas.REQUESTS, status="open,closed")
    assert set(numbers(data)) == {lamp.number, rubbish.number, done.number}


def test_ids_override_the_other_filters(client, make_case):
    old = make_case(at=timezone.now() - 200 * DAY)
    new = make_case()
    ids = f"{old.number}, {new.number},20990101000001"
    data = get_both(
        client,
        "requests",
        schemas.REQUESTS,
        service_request_id=ids,
        status="closed",
        service_code="CG-001",
    )
    assert numbers(data) == [new.number, old.number]


def test_at_most_max_results(client, make_case, monkeypatch):
    cases = [make_case() for _ in range(3)]
    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    data = get_both(client, "requests", schemas.REQUESTS)
    assert numbers(data) == [cases[2].number, cases[1].number]
    data = get_both(client, "requests", schemas.REQUESTS, status="open")
    assert len(data) == 2
