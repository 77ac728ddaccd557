from __future__ import annotations

import pytest
from django.core.cache import cache
from shapely.geometry import shape

from gridgov.accounts.models import Department
from gridgov.accounts.tokens import create_integration_client, issue_token
from gridgov.cases.api import API_ACTIONS
from gridgov.cases.models import Case, CaseEvent
from gridgov.regions.models import Region
from gridgov.testing import api_error, bearer

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _no_limits_left():
    cache.clear()
    yield
    cache.clear()


def point(path):
    p = shape(Region.objects.get(path=path).geometry).representative_point()
    return p.x, p.y


def new_case(client, headers, path="220283001001001", **extra):
    lng, lat = point(path)
    data = {
        "title": "育才社区路灯不亮",
        "description": "小区门口三盏路灯连续三天不亮。",
        "item": "CG-001",
        "lng": lng,
        "lat": lat,
        "reporter_name": "张大爷",
        "reporter_phone": "13804321234",
        **extra,
    }
    return client.post("/api/v1/cases", data, content_type="application/json", **headers)


def act(client, number, action, headers, **data):
    return client.post(
        f"/api/v1/cases/{number}/{action}", data, content_type="application/json", **headers
    )


def test_every_action_has_its_endpoint_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json()
    for action in API_ACTIONS:
        assert f"/api/v1/cases/{{number}}/{action.value}" in spec["paths"], action
    assert "warn" not in {a.value for a in API_ACTIONS}  # only the sweep warns
    schema = spec["paths"]["/api/v1/cases/{number}/reject"]["post"]["requestBody"]
    ref = schema["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert "reason" in spec["components"]["schemas"][ref]["required"]


def test_docs_page_uses_local_assets(client):
    body = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower() and "https://" not in body


def test_full_loop_over_the_api(client):
    # 路灯损坏 (CG-001) is handled at township level: the township centre owns the case.
    grid_worker, village = bearer("grid_worker"), bearer("township_op")
    response = new_case(client, grid_worker)
    assert response.status_code == 201, response.content
    case = response.json()
    number = case["number"]
    assert case["status"] == "submitted" and case["centre"]["path"] == "220283001"
    assert case["reporter"] == {"name": "张**", "phone": "138****1234", "anonymous": False}
    assert case["channel"] == "patrol"  # a grid worker's own report
    detail = client.get(f"/api/v1/cases/{number}", **village).json()
    assert "accept" in detail["allowed_actions"]
    worker_id = Case.objects.get(number=number).reported_by_id
    steps = [
        (village, "accept", {}),
        (village, "dispatch", {"lead": {"kind": "user", "ref": str(worker_id)}}),
        (grid_worker, "sign", {}),
        (grid_worker, "handle", {"result": "已更换灯泡"}),
        (village, "verify_pass", {}),
        (village, "callback", {"reached": True, "rating": "satisfied"}),
        (village, "archive", {}),
    ]
    for headers, action, data in steps:
        response = act(client, number, action, headers, **data)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["event"]["action"] == action
    assert response.json()["case"]["status"] == "archived"
    timeline = client.get(f"/api/v1/cases/{number}/timeline", **village).json()
    assert [e["action"] for e in timeline] == ["submit"] + [s[1] for s in steps]
    assert timeline[1]["actor"]


def test_refusals_over_the_api_change_nothing(client):
    number = new_case(client, bearer("grid_worker")).json()["number"]
    events = CaseEvent.objects.filter(case__number=number).count()
    operator = bearer("township_op")
    # Wrong role → 403.
    response = act(client, number, "accept", bearer("grid_worker"))
    assert response.status_code == 403 and "承办中心" in api_error(response)["message"]
    # Outside jurisdiction → 404, the same as a case that does not exist.
    other_worker = bearer_for_grid("220283001001002")
    assert act(client, number, "accept", other_worker).status_code == 404
    assert act(client, "20990101000001", "accept", operator).status_code == 404
    assert client.get(f"/api/v1/cases/{number}", **other_worker).status_code == 404
    # Wrong status → 409.
    response = act(client, number, "sign", operator)
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    # Missing input → 422 with the field; bad value → 400 with the field.
    response = act(client, number, "reject", operator)
    assert response.status_code == 422 and "reason" in api_error(response)["fields"]
    assert act(client, number, "accept", operator).status_code == 200
    response = act(
        client, number, "dispatch", operator, lead={"kind": "department", "ref": "999999"}
    )
    assert response.status_code == 400 and "lead" in api_error(response)["fields"]
    # Stale version → 409.
    response = act(
        client,
        number,
        "dispatch",
        operator,
        expected_version=1,
        lead={"kind": "department", "ref": str(Department.objects.get(short_name="城管局").pk)},
    )
    assert response.status_code == 409
    assert CaseEvent.objects.filter(case__number=number).count() == events + 1  # the accept


def bearer_for_grid(path):
    from gridgov.accounts.models import User

    user = User.objects.filter(posts__region__path=path, posts__role="grid_worker").first()
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(name='t', user=user).secret}"}


def test_create_validation_writes_nothing(client):
    before = Case.objects.count()
    headers = bearer("village_op")
    response = new_case(client, headers, item="NOPE-9")
    assert response.status_code == 400 and "item" in api_error(response)["fields"]
    response = new_case(client, headers, lng=116.4, lat=39.9)
    assert response.status_code == 400 and "lng" in api_error(response)["fields"]
    response = client.post(
        "/api/v1/cases", {"title": ""}, content_type="application/json", **headers
    )
    assert response.status_code == 422
    assert {"title", "description", "item"} <= set(api_error(response)["fields"])
    assert Case.objects.count() == before


def test_list_filters_and_cursor_pagination(client):
    headers = bearer("county_op")
    numbers = [new_case(client, headers, title=f"第{i}件").json()["number"] for i in range(5)]
    new_case(client, headers, item="CG-002")
    body = client.get("/api/v1/cases?item=CG-001&limit=2", **headers).json()
    assert len(body["items"]) == 2 and body["next"]
    seen = [c["number"] for c in body["items"]]
    while body["next"]:
        body = client.get(
            f"/api/v1/cases?item=CG-001&limit=2&cursor={body['next']}", **headers
        ).json()
        seen += [c["number"] for c in body["items"]]
    assert sorted(seen) == sorted(numbers) and len(set(seen)) == 5
    assert client.get(
        "/api/v1/cases?status=submitted&region=220283001&light=green", **headers
    ).json()["items"]
    assert client.get("/api/v1/cases?region=220283002", **headers).json()["items"] == []
    response = client.get("/api/v1/cases?cursor=!!notacursor", **headers)
    assert response.status_code == 400 and "cursor" in api_error(response)["fields"]
    response = client.get("/api/v1/cases?status=flying", **headers)
    assert response.status_code == 422
    # A grid worker of another grid sees none of them.
    assert client.get("/api/v1/cases", **bearer_for_grid("220283002001001")).json()["items"] == []


def test_work_queue_is_ordered_by_due_time(client):
    headers = bearer("township_op")
    first = new_case(client, bearer("grid_worker")).json()["number"]
    second = new_case(client, bearer("grid_worker"), urgency="emergency").json()["number"]
    queue = [c["number"] for c in client.get("/api/v1/me/queue", **headers).json()]
    assert queue.index(second) < queue.index(first)  # the emergency is due sooner


def test_photos(client):
    headers = bearer("grid_worker")
    number = new_case(client, headers).json()["number"]
    response = client.post(
        f"/api/v1/cases/{number}/attachments", {"photos": [_file("a.png", PNG)]}, **headers
    )
    assert response.status_code == 201
    assert Case.objects.get(number=number).attachments.count() == 1
    link = response.json()["photos"][0]
    photo = client.get(link)  # a signed link: no login needed, but it expires
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content).startswith(b"\x89PNG")
    assert client.get(link[:-3] + "xyz/").status_code == 404
    response = client.post(
        f"/api/v1/cases/{number}/attachments",
        {"photos": [_file("a.png", b"MZ-not-an-image")]},
        **headers,
    )
    assert response.status_code == 400 and "photos" in api_error(response)["fields"]
    response = client.post(
        f"/api/v1/cases/{number}/attachments", {"photos": [_file("a.png", PNG)]}, **bearer("leader")
    )
    assert response.status_code == 403


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def test_resident_reports_and_follows_only_their_own_cases(client, settings):
    from gridgov.accounts.models import Resident
    from gridgov.accounts.tokens import keyed_hash

    resident = Resident.objects.create(
        phone_hash=keyed_hash("13600001111", "phone"), phone_masked="136****1111"
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(name='r', resident=resident).secret}"}
    response = new_case(client, headers, channel="hotline")
    assert response.status_code == 201
    case = response.json()
    assert case["channel"] == "app" and case["allowed_actions"] == []
    staff_case = new_case(client, bearer("village_op")).json()["number"]
    listed = [c["number"] for c in client.get("/api/v1/cases", **headers).json()["items"]]
    assert listed == [case["number"]]
    assert client.get(f"/api/v1/cases/{staff_case}", **headers).status_code == 404
    timeline = client.get(f"/api/v1/cases/{case['number']}/timeline", **headers).json()
    assert timeline[0]["actor"] is None and timeline[0]["facts"] == {}
    assert act(client, case["number"], "accept", headers).status_code == 403
    response = new_case(client, headers, self_handle_result="我自己修好了")
    assert response.status_code == 403
    settings.GRIDGOV_RATE_RESIDENT_CASE_ACCOUNT = (2, 3600)
    cache.clear()
    assert new_case(client, headers).status_code == 201
    assert new_case(client, headers).status_code == 201
    assert new_case(client, headers).status_code == 429


def test_an_integration_client_reports_as_its_channel_and_reads_its_region(client):
    new = create_integration_client(
        code="hotline", name="12345 热线", region=Region.objects.get(path="220283001")
    )
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {issue_token(name='hotline', client=new.client).secret}"
    }
    response = new_case(client, headers)
    assert response.status_code == 201 and response.json()["channel"] == "hotline"
    assert client.get("/api/v1/me", **headers).json()["kind"] == "client"
    # It reads but does not act, and sees nothing outside its region.
    assert act(client, response.json()["number"], "accept", headers).status_code == 403
    assert new_case(client, headers, path="220283002001001").status_code == 400
