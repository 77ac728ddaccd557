"""网格通 (/m/): the grid worker's phone pages, the action forms and the installable app."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from shapely.geometry import shape

from gridgov.accounts.models import Department, User
from gridgov.cases import services
from gridgov.cases.models import Attachment, Case, CaseEvent
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db

GRID_A = "220283001001001"  # grid_worker's grid (育才社区第1网格)
GRID_B = "220283001001002"
VILLAGE_ITEM = "MS-008"  # 独居老人关爱: handled by the village station


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def photo(name: str = "p.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def user(username: str) -> User:
    return User.objects.get(username=username)


def point_in(path: str) -> tuple[float, float]:
    p = shape(Region.objects.get(path=path).geometry).representative_point()
    return p.x, p.y


def report(path: str = GRID_A, *, by: str | User = "grid_worker", at=None, **kwargs) -> Case:
    reporter = by if isinstance(by, User) else user(by)
    lng, lat = point_in(path)
    fields = {
        "channel": "patrol",
        "title": "独居老人家中暖气不热",
        "description": "育才社区3号楼独居老人反映暖气不热，需上门查看。",
        "item": VILLAGE_ITEM,
        "lng": lng,
        "lat": lat,
        "reporter_name": "张大爷",
        "reporter_phone": "13804321234",
    }
    fields.update(kwargs)
    return services.submit_case(user=reporter, at=at, **fields)


def dispatched_to_grid_worker() -> Case:
    """A village case the village station dispatched to grid_worker: waiting to be signed."""
    case = report()
    services.act(case=case, user=user("village_op"), action="accept")
    services.act(
        case=case,
        user=user("village_op"),
        action="dispatch",
        payload={"lead": {"kind": "user", "ref": str(user("grid_worker").pk)}},
    )
    return Case.objects.get(pk=case.pk)


def handled_by_department() -> Case:
    """A case in grid A that the city management bureau handled: waits for verification."""
    case = report(item="CG-001", title="路灯不亮", description="滨河小区门口路灯不亮。")
    township = user("township_op")
    services.act(case=case, user=township, action="accept")
    department = Department.objects.get(short_name="城管局")
    services.act(
        case=case,
        user=township,
        action="dispatch",
        payload={"lead": {"kind": "department", "ref": str(department.pk)}},
    )
    services.act(case=case, user=user("dept_handler"), action="sign")
    services.act(
        case=case, user=user("dept_handler"), action="handle", payload={"result": "已换灯泡"}
    )
    return Case.objects.get(pk=case.pk)


def login(client, username: str = "grid_worker"):
    client.force_login(user(username))
    return client


def act_url(case: Case, action: str) -> str:
    return reverse("mobile-act", args=[case.number, action])


HTMX = {"HTTP_HX_REQUEST": "true"}


# -- access ----------------------------------------------------------------------------------


def test_pages_need_login(client):
    for name in ("mobile-home", "mobile-report", "mobile-tasks", "mobile-grid-geojson"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_staff_without_a_grid_worker_post_get_a_friendly_page(client):
    login(client, "village_op")
    case = report()
    for url in (
        reverse("mobile-home"),
        reverse("mobile-report"),
        reverse("mobile-tasks"),
        reverse("mobile-case", args=[case.number]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "网格通仅供网格员使用" in body and "村（社区）工作站操作员" in body
    # Nothing is done through the phone's forms either.
    before = CaseEvent.objects.count()
    response = client.post(act_url(case, "accept"))
    assert response.status_code == 200 and "网格通仅供网格员使用" in response.content.decode()
    assert CaseEvent.objects.count() == before


# -- my grid at a glance ---------------------------------------------------------------------


def test_home_shows_my_grid_its_lights_and_my_tasks(client):
    now = timezone.now()
    report(at=now - dt.timedelta(days=40))  # long overdue: red
    report(at=now)  # just reported: green
    dispatched_to_grid_worker()
    report(GRID_B, by=User.objects.filter(posts__region__path=GRID_B).first())  # not mine
    login(client)
    response = client.get(reverse("mobile-home"))
    assert response.status_code == 200
    body = response.content.decode()
    grid = Region.objects.get(path=GRID_A)
    assert grid.name in body and str(grid.households) in body and str(grid.population) in body
    counts = response.context["counts"]
    assert counts["total"] == 3 and counts["red"] == 1 and counts["green"] == 2
    assert response.context["tasks"] == 1
    features = response.context["geojson"]["features"]
    assert features[0]["properties"]["path"] == GRID_A
    assert response.context["buildings"] == len(features) - 1 >= 4
    assert 'id="grid-geojson"' in body and 'rel="manifest"' in body
    assert '<meta charset="utf-8">' in body and "width=device-width" in body


def test_report_page_has_the_catalogue_by_board_and_my_grid(client):
    login(client)
    response = client.get(reverse("mobile-report"))
    assert response.status_code == 200
    catalogue = response.context["catalogue"]
    assert len(catalogue["boards"]) == 8 and len(catalogue["items"]) == 87
    assert {i["board"] for i in catalogue["items"]} == {b["code"] for b in catalogue["boards"]}
    config = response.context["config"]
    assert config["region"] == GRID_A and config["casesUrl"] == "/api/v1/cases"
    body = response.content.decode()
    assert 'capture="environment"' in body and 'accept="image/*"' in body
    assert "csrfmiddlewaretoken" in body and response.cookies.get("csrftoken")


def test_the_report_script_contract_api_with_session_and_csrf(client):
    """What report.js does: POST /api/v1/cases then …/attachments, session cookie + CSRF."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    login(browser)
    browser.get(reverse("mobile-report"))
    token = browser.cookies["csrftoken"].value
    lng, lat = point_in(GRID_A)
    fields = {
        "title": "楼道堆放杂物",
        "description": "3号楼楼道堆满纸箱，影响消防通道。",
        "item": "AQ-001",
        "lng": lng,
        "lat": lat,
        "address": "3号楼",
        "region": None,
        "self_handle_result": "已督促住户清理完毕",
    }
    # Without the CSRF header nothing is written.
    response = browser.post("/api/v1/cases", fields, content_type="application/json")
    assert response.status_code == 403 and not Case.objects.exists()
    response = browser.post(
        "/api/v1/cases", fields, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    case = Case.objects.get(number=number)
    assert case.self_handled and case.status == "handled" and case.channel == "patrol"
    response = browser.post(
        f"/api/v1/cases/{number}/attachments", {"photos": photo()}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201 and case.attachments.count() == 1
    # Bad input comes back field by field (the script shows it inline).
    response = browser.post(
        "/api/v1/cases",
        {**fields, "item": "NOPE-1", "self_handle_result": None},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400 and "item" in response.json()["error"]["fields"]
    assert Case.objects.count() == 1


# -- tasks and the case page -----------------------------------------------------------------


def test_tasks_list_my_queue_and_my_grids_cases_to_verify(client):
    mine = dispatched_to_grid_worker()
    to_verify = handled_by_department()
    self_handled = report(self_handle_result="已当场处理")  # my own work: not mine to verify
    login(client)
    response = client.get(reverse("mobile-tasks"))
    assert response.status_code == 200
    assert [r["case"].number for r in response.context["queue"]] == [mine.number]
    assert [r["case"].number for r in response.context["verify"]] == [to_verify.number]
    body = response.content.decode()
    assert mine.number in body and to_verify.number in body and self_handled.number not in body
    assert response.context["queue"][0]["light"] == "green"


def test_tasks_are_ordered_by_due_time(client):
    later = dispatched_to_grid_worker()
    sooner = report(urgency="emergency")
    services.act(case=sooner, user=user("village_op"), action="accept")
    services.act(
        case=sooner,
        user=user("village_op"),
        action="dispatch",
        payload={"lead": {"kind": "user", "ref": str(user("grid_worker").pk)}},
    )
    login(client)
    rows = client.get(reverse("mobile-tasks")).context["queue"]
    assert [r["case"].number for r in rows] == [sooner.number, later.number]


def test_sign_then_handle_with_a_photo_through_htmx(client):
    case = dispatched_to_grid_worker()
    login(client)
    page = client.get(reverse("mobile-case", args=[case.number]))
    assert page.status_code == 200
    actions = [f["action"] for f in page.context["forms"]]
    assert actions == ["sign", "send_back"]
    response = client.post(act_url(case, "sign"), {"expected_version": case.version}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="case-panel"') and "已签收" in body
    case.refresh_from_db()
    assert case.status == "in_progress"
    forms = {f["action"] for f in response.context["forms"]}
    assert forms == {"handle", "send_back", "request_extension"}
    response = client.post(
        act_url(case, "handle"),
        {"result": "已上门调试暖气，室温恢复 20℃", "photos": [photo("a.png"), photo("b.png")]},
        **HTMX,
    )
    assert "已办结反馈" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "handled"
    assert list(case.attachments.values_list("kind", flat=True)) == ["result", "result"]


def test_handle_without_a_result_shows_the_error_inline_and_writes_nothing(client):
    case = dispatched_to_grid_worker()
    services.act(case=case, user=user("grid_worker"), action="sign")
    case.refresh_from_db()
    events = case.events.count()
    login(client)
    response = client.post(act_url(case, "handle"), {"result": "  "}, **HTMX)
    assert response.status_code == 200
    handle = next(f for f in response.context["forms"] if f["action"] == "handle")
    assert handle["open"] and handle["fields"][0]["errors"] == ["此项必填"]
    assert "此项必填" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "in_progress" and case.events.count() == events
    # A file that is not a picture is refused, and the case is unchanged.
    bad = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
    response = client.post(act_url(case, "handle"), {"result": "已处理", "photos": [bad]}, **HTMX)
    handle = next(f for f in response.context["forms"] if f["action"] == "handle")
    assert "不是 JPEG、PNG 或 WebP 图片" in handle["fields"][1]["errors"][0]
    assert case.events.count() == events and not Attachment.objects.filter(case=case).exists()


def test_send_back_and_extension_need_their_inputs(client):
    case = dispatched_to_grid_worker()
    login(client)
    response = client.post(act_url(case, "send_back"), {"reason": ""}, **HTMX)
    assert "此项必填" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "dispatched"
    services.act(case=case, user=user("grid_worker"), action="sign")
    response = client.post(
        act_url(case, "request_extension"), {"amount": "abc", "reason": "需等配件"}, **HTMX
    )
    assert "延期时长应为数字" in response.content.decode()
    case.refresh_from_db()
    assert case.pending_extension is None
    response = client.post(
        act_url(case, "request_extension"), {"amount": "2", "reason": "需等配件"}, **HTMX
    )
    body = response.content.decode()
    assert "已申请延期" in body and "等待审批" in body
    case.refresh_from_db()
    assert case.pending_extension == 2
    # Only one request at a time: the form is gone while it waits.
    assert "request_extension" not in {f["action"] for f in response.context["forms"]}
    response = client.post(act_url(case, "send_back"), {"reason": "不属于本网格职责"}, **HTMX)
    case.refresh_from_db()
    assert case.status == "accepted" and case.lead_user is None


def test_verify_on_site_pass_and_fail(client):
    case = handled_by_department()
    login(client)
    page = client.get(reverse("mobile-case", args=[case.number]))
    assert [f["action"] for f in page.context["forms"]] == ["verify_pass", "verify_fail"]
    response = client.post(act_url(case, "verify_fail"), {"reason": ""}, **HTMX)
    assert "此项必填" in response.content.decode()
    response = client.post(
        act_url(case, "verify_fail"), {"reason": "灯仍不亮", "photos": [photo()]}, **HTMX
    )
    case.refresh_from_db()
    assert case.status == "in_progress" and case.rework_count == 1
    services.act(case=case, user=user("dept_handler"), action="handle", payload={"result": "换线"})
    response = client.post(act_url(case, "verify_pass"), {"note": ""}, **HTMX)
    assert "已核查通过" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "closed"


def test_without_htmx_an_action_redirects_and_errors_render_the_page(client):
    case = dispatched_to_grid_worker()
    login(client)
    response = client.post(act_url(case, "sign"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mobile-case", args=[case.number])
    page = client.get(response["Location"])
    assert "已签收" in page.content.decode()
    response = client.post(act_url(case, "handle"), {"result": ""})
    assert response.status_code == 400 and "此项必填" in response.content.decode()


def test_a_stale_page_cannot_act_twice(client):
    case = dispatched_to_grid_worker()
    login(client)
    old = case.version
    client.post(act_url(case, "sign"), {"expected_version": old}, **HTMX)
    response = client.post(
        act_url(case, "send_back"), {"reason": "重复", "expected_version": old}, **HTMX
    )
    assert "案件已被他人处理" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_an_action_that_is_not_mine_is_refused(client):
    case = report()  # waits for the village station to accept it
    login(client)
    page = client.get(reverse("mobile-case", args=[case.number]))
    assert page.status_code == 200 and page.context["forms"] == []
    response = client.post(act_url(case, "sign"), **HTMX)
    assert "不能签收" in response.content.decode()
    assert client.post(act_url(case, "accept"), **HTMX).status_code == 404  # not a phone action
    assert client.post(act_url(case, "nonsense"), **HTMX).status_code == 404
    case.refresh_from_db()
    assert case.status == "submitted" and case.events.count() == 1


def test_another_grids_case_is_404(client):
    other = report(GRID_B, by=User.objects.filter(posts__region__path=GRID_B).first())
    login(client)
    assert client.get(reverse("mobile-case", args=[other.number])).status_code == 404
    assert client.post(act_url(other, "sign"), **HTMX).status_code == 404
    assert client.get(reverse("mobile-case", args=["20260101000001"])).status_code == 404
    assert client.get(reverse("mobile-case", args=["abc"])).status_code == 404
    assert other.events.count() == 1


def test_case_page_shows_the_place_photos_and_timeline(client):
    case = report(photos=[photo()])
    login(client)
    response = client.get(reverse("mobile-case", args=[case.number]))
    body = response.content.decode()
    assert case.title in body and "上报" in body and "/photos/" in body
    features = response.context["geojson"]["features"]
    assert features[-1]["properties"]["case"] and features[0]["properties"]["path"] == GRID_A


# -- the installable app ---------------------------------------------------------------------


def test_manifest_and_service_worker(client):
    response = client.get(reverse("mobile-manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["name"] == "网格通" and data["start_url"] == "/m/" and data["scope"] == "/m/"
    assert [i["sizes"] for i in data["icons"]] == ["192x192", "512x512"]
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200 or icon["src"].startswith("/static/")
    response = client.get(reverse("mobile-sw"))
    assert response.status_code == 200 and reverse("mobile-sw") == "/m/sw.js"
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/m/"
    body = response.content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in body and "gridgov-m-" in body
    assert "/api/" not in body.split("var CONFIG")[1].split(";")[0]


def test_grid_geojson(client):
    login(client)
    data = client.get(reverse("mobile-grid-geojson")).json()
    assert data["features"][0]["properties"]["path"] == GRID_A
    assert {f["geometry"]["type"] for f in data["features"][1:]} == {"Point"}
