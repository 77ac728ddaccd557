"""POST requests: a service request becomes a case; every refusal writes nothing."""

from __future__ import annotations

import json

import jsonschema  # type: ignore[import-untyped]  # no stubs installed
import pytest
from django.test import Client

from gridgov.accounts.models import IntegrationClient
from gridgov.cases.models import Case
from gridgov.core.protection import decrypt
from gridgov.core.ratelimit import Limit
from gridgov.open311.config import DEFAULT_RATE_IP, parse_limit
from gridgov.open311.models import Open311Token
from gridgov.open311.services import make_title, reporter_name
from gridgov.open311.tests import schemas
from gridgov.open311.tests.conftest import (
    BASE,
    COUNTY,
    GRID_A,
    GRID_OTHER,
    JURISDICTION,
    get_both,
    point_in,
    valid_form,
    xml_data,
)

pytestmark = pytest.mark.django_db
URL = f"{BASE}requests.json"


def post(client, form, fmt="json"):
    return client.post(f"{BASE}requests.{fmt}", form)


def counts():
    return Case.objects.count(), Open311Token.objects.count()


def test_a_request_becomes_a_case(hotline):
    csrf_checking = Client(enforce_csrf_checks=True)  # POST is CSRF-exempt
    response = post(csrf_checking, valid_form(hotline.api_key))
    assert response.status_code == 200, response.content.decode()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content)
    jsonschema.validate(data, schemas.CREATED)
    (created,) = data
    case = Case.objects.get(number=created["service_request_id"])
    assert case.channel == "open311"
    assert case.region_path == GRID_A  # located into its grid
    assert case.item.code == "CG-004" and case.urgency == "urgent"
    assert case.reported_by == hotline.client.user
    assert case.title.startswith("垃圾清运不及时：滨河小区") and len(case.title) <= 40
    assert case.address == "滨河小区 3号楼2单元"
    assert case.reporter.name == "张三"
    assert decrypt(case.reporter.phone_cipher) == "13804321234"
    assert created["account_id"] == "acct-42"
    assert case.number in created["service_notice"]
    token = Open311Token.objects.get(token=created["token"])
    assert token.case == case and token.client == hotline.client and token.account_id == "acct-42"
    assert len(token.token) == 32
    body = response.content.decode()
    assert "张三" not in body and "13804321234" not in body and "zhang@" not in body


def test_the_token_leads_to_the_request(client, hotline):
    created = json.loads(post(client, valid_form(hotline.api_key)).content)[0]
    data = get_both(client, f"tokens/{created['token']}", schemas.TOKEN)
    assert data == [
        {"token": created["token"], "service_request_id": created["service_request_id"]}
    ]


def test_a_request_in_xml(client, hotline):
    response = post(client, valid_form(hotline.api_key, jurisdiction_id=JURISDICTION), "xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<service_requests><request><service_request_id>" in response.content
    data = xml_data(response.content)
    jsonschema.validate(data, schemas.CREATED)
    assert Case.objects.filter(number=data[0]["service_request_id"]).exists()


def test_an_address_only_request_lands_in_the_clients_region(client, hotline):
    form = valid_form(hotline.api_key, lat=None, long=None, address_string="舒兰市北城街道")
    response = post(client, form)
    assert response.status_code == 200, response.content.decode()
    case = Case.objects.get(number=json.loads(response.content)[0]["service_request_id"])
    assert case.region_path == COUNTY and case.lng is None and case.lat is None
    assert case.centre.path == COUNTY


def test_address_id_is_a_region_code(client, hotline):
    form = valid_form(hotline.api_key, lat=None, long=None, address_id=GRID_A)
    response = post(client, form)
    assert response.status_code == 200, response.content.decode()
    case = Case.objects.get(number=json.loads(response.content)[0]["service_request_id"])
    assert case.region_path == GRID_A


def test_media_url_reaches_the_staff(client, hotline):
    url = "https://img.example.cn/photos/1.jpg"
    response = post(client, valid_form(hotline.api_key, media_url=url))
    case = Case.objects.get(number=json.loads(response.content)[0]["service_request_id"])
    assert case.description.endswith(url)


@pytest.mark.parametrize(
    ("overrides", "status", "words"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "NO-SUCH"}, 404, "NO-SUCH"),  # the specification: 404 not found
        ({"lat": None, "long": None, "address_string": None}, 400, "位置"),
        ({"long": None}, 400, "同时提供"),
        ({"lat": "north"}, 400, "数字"),
        ({"lat": "nan", "long": "nan"}, 400, "数字"),
        ({"lat": "39.9042", "long": "116.4074"}, 400, "不在本平台管辖范围内"),  # Beijing
        ({"description": None}, 400, "问题描述"),
        ({"description": "   "}, 400, "问题描述"),
        ({"description": "很" * 4001}, 400, "4000"),
        ({"attribute[urgency]": "asap"}, 400, "紧急程度"),
        ({"phone": "12"}, 400, "电话"),
        ({"media_url": "javascript:alert(1)"}, 400, "图片链接"),
        ({"address_id": "abc", "lat": None, "long": None}, 400, "address_id"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(client, hotline, overrides, status, words):
    before = counts()
    response = post(client, valid_form(hotline.api_key, **overrides))
    assert response.status_code == status, response.content.decode()
    data = json.loads(response.content)
    jsonschema.validate(data, schemas.ERRORS)
    assert data[0]["code"] == status and words in data[0]["description"]
    assert counts() == before


def test_bad_input_in_xml(client, hotline):
    response = post(client, valid_form(hotline.api_key, description=None), "xml")
    assert response.status_code == 400
    data = xml_data(response.content)
    jsonschema.validate(data, schemas.ERRORS)
    assert data[0]["code"] == 400


def test_a_point_outside_the_clients_region_is_refused(client, township_client):
    """A township's client may only report inside its township."""
    before = counts()
    response = post(client, valid_form(township_client.api_key))  # GRID_A: another township
    assert response.status_code == 400 and "辖区" in json.loads(response.content)[0]["description"]
    lng, lat = point_in(GRID_OTHER)
    form = valid_form(township_client.api_key, lat=repr(lat), long=repr(lng))
    assert post(client, form).status_code == 200
    assert counts()[0] == before[0] + 1


@pytest.mark.parametrize("api_key", [None, "", "ggk_0123456789abnotarealkey", "secret"])
def test_a_missing_or_bad_api_key_is_403(client, hotline, api_key):
    before = counts()
    form = valid_form(hotline.api_key)
    del form["api_key"]
    if api_key is not None:
        form["api_key"] = api_key
    response = post(client, form)
    assert response.status_code == 403
    data = json.loads(response.content)
    jsonschema.validate(data, schemas.ERRORS)
    assert data[0]["code"] == 403 and "api_key" in data[0]["description"]
    assert counts() == before


def test_an_inactive_client_is_403(client, hotline):
    IntegrationClient.objects.filter(pk=hotline.client.pk).update(is_active=False)
    response = post(client, valid_form(hotline.api_key), "xml")
    assert response.status_code == 403
    assert xml_data(response.content)[0]["code"] == 403


def test_wrong_jurisdiction_writes_nothing(client, hotline):
    before = counts()
    response = post(client, valid_form(hotline.api_key, jurisdiction_id="sfgov.org"))
    assert response.status_code == 404 and counts() == before


def test_rate_limit_per_address(client, hotline, settings):
    settings.GRIDGOV_OPEN311_RATE_IP = "2/3600"
    form = valid_form(hotline.api_key)
    assert post(client, form).status_code == 200
    assert post(client, {"api_key": "wrong"}).status_code == 403  # failures count too
    response = post(client, form)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    data = json.loads(response.content)
    jsonschema.validate(data, schemas.ERRORS)
    assert data[0]["code"] == 429
    other_address = client.post(URL, form, REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 200


def test_rate_limit_per_key(client, hotline, township_client, settings):
    settings.GRIDGOV_OPEN311_RATE_KEY = (1, 3600)
    assert post(client, valid_form(hotline.api_key)).status_code == 200
    response = post(client, valid_form(hotline.api_key), "xml")
    assert response.status_code == 429 and response["Retry-After"]
    assert xml_data(response.content)[0]["code"] == 429
    lng, lat = point_in(GRID_OTHER)
    form = valid_form(township_client.api_key, lat=repr(lat), long=repr(lng))
    assert post(client, form).status_code == 200  # another key has its own count


def test_limits_parse():
    assert parse_limit("5/60", DEFAULT_RATE_IP) == Limit(5, 60)
    assert parse_limit((7, 30), DEFAULT_RATE_IP) == Limit(7, 30)
    assert parse_limit(None, DEFAULT_RATE_IP) == DEFAULT_RATE_IP
    for bad in ("5", "a/b", "0/60", (1, 2, 3)):
        with pytest.raises(ValueError):
            parse_limit(bad, DEFAULT_RATE_IP)


def test_titles_and_names():
    assert make_title("路灯损坏", "门口\n三盏路灯  不亮") == "路灯损坏：门口 三盏路灯 不亮"
    long_title = make_title("垃圾清运不及时", "很" * 100)
    assert len(long_title) == 40 and long_title.endswith("…")
    assert reporter_name("三", "张") == "张三"
    assert reporter_name("John", "Smith") == "John Smith"
    assert reporter_name("", "") == ""


def test_a_nul_character_is_refused_and_writes_nothing(client, hotline):
    # PostgreSQL can neither store nor compare NUL: a refusal, never a server error
    form = valid_form(hotline.api_key, description="垃圾\x00满溢", service_code="CG-\x00004")
    assert post(client, form).status_code == 400
    assert counts() == (0, 0)
    assert client.get(f"{BASE}requests.json?service_code=%00").status_code in (200, 400)
