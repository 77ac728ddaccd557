"""Discovery, services, service definitions, tokens and the general rules of every endpoint:
formats, jurisdiction_id, methods, errors."""

from __future__ import annotations

import json

import jsonschema  # type: ignore[import-untyped]  # no stubs installed
import pytest

from gridgov.cases.models import Item
from gridgov.open311.models import Open311Token
from gridgov.open311.tests import schemas
from gridgov.open311.tests.conftest import BASE, JURISDICTION, get_both, xml_data

pytestmark = pytest.mark.django_db


def test_discovery_in_both_formats(client):
    data = get_both(client, "discovery", schemas.DISCOVERY)
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    assert data["changeset"][:4].isdigit() and data["changeset"] == endpoint["changeset"]
    assert "综治中心" in data["contact"]
    assert "api_key" in data["key_service"]


def test_discovery_contact_is_a_setting(client, settings):
    settings.GRIDGOV_OPEN311_CONTACT = "请致电 0432-12345"
    data = json.loads(client.get(f"{BASE}discovery.json").content)
    assert data["contact"] == "请致电 0432-12345"


def test_the_base_url_leads_to_discovery(client):
    response = client.get(BASE)
    assert response.status_code == 302 and response["Location"].endswith("discovery.xml")


def test_services_are_the_active_catalogue(client):
    Item.objects.filter(code="CG-003").update(is_active=False)
    data = get_both(client, "services", schemas.SERVICES)
    assert len(data) == Item.objects.filter(is_active=True).count() == 86
    by_code = {service["service_code"]: service for service in data}
    assert "CG-003" not in by_code
    lamp = by_code["CG-001"]
    assert lamp == {
        "service_code": "CG-001",
        "service_name": "路灯损坏",
        "description": "路灯、村屯太阳能路灯不亮、白天常亮",
        "metadata": True,
        "type": "realtime",
        "keywords": "城市管理, 路灯损坏",
        "group": "城市管理",
    }


def test_service_definition(client):
    data = get_both(client, "services/CG-001", schemas.SERVICE_DEFINITION)
    assert data["service_code"] == "CG-001"
    urgency, detail = data["attributes"]
    assert urgency["code"] == "urgency" and urgency["datatype"] == "singlevaluelist"
    assert urgency["required"] is False and urgency["order"] == 1 and urgency["variable"]
    assert urgency["values"] == [
        {"key": "normal", "name": "一般"},
        {"key": "urgent", "name": "紧急"},
        {"key": "emergency", "name": "特急"},
    ]
    assert detail["code"] == "address_detail" and detail["datatype"] == "string"
    assert detail["required"] is False and detail["order"] == 2
    assert "楼栋" in detail["description"]


@pytest.mark.parametrize("path", ["services/NO-SUCH", "requests/20990101000001", "tokens/abc"])
def test_unknown_resources_are_404_in_both_formats(client, path):
    get_both(client, path, schemas.ERRORS, expect=404)


def test_jurisdiction_id(client):
    get_both(client, "services", schemas.SERVICES, jurisdiction_id=JURISDICTION)
    get_both(client, "services", schemas.SERVICES, jurisdiction_id="")  # empty: not given
    for path in ("discovery", "services", "services/CG-001", "requests", "tokens/abc"):
        data = get_both(client, path, schemas.ERRORS, expect=404, jurisdiction_id="sfgov.org")
        assert data[0]["code"] == 404 and "jurisdiction_id" in data[0]["description"]


def test_jurisdiction_id_is_a_setting(client, settings):
    settings.GRIDGOV_OPEN311_JURISDICTION = "shulan.gov.cn"
    get_both(client, "services", schemas.SERVICES, jurisdiction_id="shulan.gov.cn")
    get_both(client, "services", schemas.ERRORS, expect=404, jurisdiction_id=JURISDICTION)


def test_unknown_format_is_404(client):
    response = client.get(f"{BASE}services.yaml")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    data = xml_data(response.content)
    jsonschema.validate(data, schemas.ERRORS)
    assert data[0]["code"] == 404


def test_wrong_method_is_refused(client):
    response = client.delete(f"{BASE}requests.json")
    assert response.status_code == 405 and "POST" in response["Allow"]
    jsonschema.validate(json.loads(response.content), schemas.ERRORS)
    assert client.post(f"{BASE}services.json").status_code == 405


def test_token_gives_the_request_id(client, make_case):
    case = make_case()
    Open311Token.objects.create(token="a" * 32, case=case)
    data = get_both(client, f"tokens/{'a' * 32}", schemas.TOKEN)
    assert data == [{"token": "a" * 32, "service_request_id": case.number}]
