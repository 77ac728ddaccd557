"""The resident portal (/r/): anonymous reports, lookup by number and code, phone login, my
reports, and the rating of a closed case — never a staff name, note or contact."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from shapely.geometry import shape

from gridgov.accounts.models import Resident, User
from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.protection import decrypt
from gridgov.core.sms import MemoryBackend
from gridgov.regions.models import Region
from gridgov.web.resident import lookup_code

pytestmark = pytest.mark.django_db

GRID_A = "220283001001001"
COUNTY = "220283"
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _fresh_cache_and_sms(settings):
    cache.clear()
    MemoryBackend.outbox.clear()
    settings.GRIDGOV_SMS_BACKEND = "gridgov.core.sms.MemoryBackend"
    yield
    cache.clear()


def png() -> SimpleUploadedFile:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x80\xff"))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("photo.png", data, content_type="image/png")


def point_in(path: str) -> tuple[float, float]:
    p = shape(Region.objects.get(path=path).geometry).representative_point()
    return p.x, p.y


def form(**changes):
    lng, lat = point_in(GRID_A)
    data = {
        "board": "MS",
        "item": "MS-008",
        "description": "楼下独居的王奶奶家暖气不热，老人行动不便。请社区帮忙看看。",
        "lng": f"{lng:.6f}",
        "lat": f"{lat:.6f}",
        "address": "",
        "name": "李女士",
        "phone": "13800001111",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, **changes):
    return client.post(reverse("resident-report"), form(**changes))


def user(username: str) -> User:
    return User.objects.get(username=username)


def close(case: Case, note: str = "内部备注：已联系供热公司张工") -> Case:
    """Accept, dispatch to the grid worker, sign, handle, verify: closed (已结案)."""
    station = user("village_op")
    worker = user("grid_worker")
    services.act(case=case, user=station, action="accept", payload={"note": "村站受理"})
    services.act(
        case=case,
        user=station,
        action="dispatch",
        payload={"lead": {"kind": "user", "ref": str(worker.pk)}},
    )
    services.act(case=case, user=worker, action="sign")
    services.act(case=case, user=worker, action="handle", payload={"result": note})
    services.act(case=case, user=station, action="verify_pass")
    return Case.objects.get(pk=case.pk)


def reported(client) -> Case:
    response = submit(client)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.latest("pk")


# -- pages -----------------------------------------------------------------------------------


def test_pages_open_without_login(client):
    for name in ("resident-home", "resident-report", "resident-track", "resident-login"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        body = response.content.decode()
        assert '<meta charset="utf-8">' in body and "width=device-width" in body
    assert client.get(reverse("resident-mine"))["Location"].startswith(reverse("resident-login"))


def test_report_page_offers_items_by_board_and_the_township_map(client):
    response = client.get(reverse("resident-report"))
    catalogue = response.context["catalogue"]
    assert len(catalogue["boards"]) == 8 and len(catalogue["items"]) == 87
    townships = response.context["townships"]["features"]
    assert len(townships) == 20 and {f["properties"]["path"][:6] for f in townships} == {COUNTY}
    assert "北城街道" in {f["properties"]["name"] for f in townships}


# -- reporting -------------------------------------------------------------------------------


def test_anonymous_report_with_a_point_shows_number_and_lookup_code(client):
    response = submit(client, anonymous="on", photos=png())
    assert response.status_code == 302 and response["Location"] == reverse("resident-report-done")
    case = Case.objects.get()
    assert case.channel == "app" and case.reported_by is None and case.resident is None
    assert case.region_path == GRID_A and case.status == "submitted"
    assert case.title.startswith("独居老人关爱：楼下独居的王奶奶家暖气不热")
    assert case.reporter.anonymous and case.reporter.name == "" and case.reporter.phone_cipher == ""
    assert case.attachments.count() == 1
    done = client.get(response["Location"])
    body = done.content.decode()
    assert case.number in body and lookup_code(case.number) in body
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{6}", lookup_code(case.number))
    # The reporting session can follow its case straight away.
    assert client.get(reverse("resident-case", args=[case.number])).status_code == 200


def test_report_by_address_only_goes_to_the_county(client):
    response = submit(client, lng="", lat="", address="舒兰市北城街道滨河小区3号楼")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.region_path == COUNTY and case.lng is None
    assert case.address == "舒兰市北城街道滨河小区3号楼"
    assert case.reporter.name == "李女士"
    assert decrypt(case.reporter.phone_cipher) == "13800001111"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"item": ""}, "item", "请选择要反映的事项"),
        ({"item": "NOPE-1"}, "item", "请选择要反映的事项"),
        ({"description": "   "}, "description", "请描述您遇到的问题"),
        ({"lng": "", "lat": "", "address": ""}, "location", "请在地图上点选位置，或填写详细地址"),
        ({"lng": "100.0", "lat": "30.0"}, "location", "不在本平台管辖范围内"),
        ({"phone": "12ab"}, "phone", "联系电话格式不对"),
        ({"photos": SimpleUploadedFile("x.png", b"nope")}, "photos", "不是 JPEG、PNG 或 WebP"),
    ],
)
def test_bad_input_writes_nothing(client, changes, field, message):
    response = submit(client, **changes)
    assert response.status_code == 400
    assert any(message in m for m in response.context["errors"][field])
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_too_many_photos(client):
    response = client.post(
        reverse("resident-report"), {**form(), "photos": [png() for _ in range(4)]}
    )
    assert response.status_code == 400 and "最多上传 3 张照片" in response.content.decode()
    assert not Case.objects.exists()


def test_reports_are_rate_limited_by_address(client):
    for _ in range(5):
        assert submit(client).status_code == 302
    response = submit(client)
    assert response.status_code == 429
    wait = re.search(r"操作过于频繁，请 (\d+) 分钟后再试", response.content.decode())
    assert wait and 1 <= int(wait.group(1)) <= 10
    assert Case.objects.count() == 5
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert submit(other).status_code == 302


# -- looking a case up -----------------------------------------------------------------------


def test_lookup_by_number_and_code(client):
    case = reported(client)
    stranger = Client()
    page = reverse("resident-case", args=[case.number])
    assert stranger.get(page).status_code == 404  # not without the code
    response = stranger.post(
        reverse("resident-track"),
        {"number": case.number, "code": lookup_code(case.number).lower()},
    )
    assert response.status_code == 302 and response["Location"] == page
    body = stranger.get(page).content.decode()
    assert "已收到，等待受理" in body and "上报" in body


def test_lookup_with_a_wrong_code_or_number_is_not_found(client):
    case = reported(client)
    stranger = Client()
    wrong = "000000" if lookup_code(case.number) != "000000" else "111111"
    for number, code in (
        (case.number, wrong),
        (case.number, ""),
        ("20200101000001", lookup_code("20200101000001")),  # a right code, no such case
        ("abc", "x"),
    ):
        response = stranger.post(reverse("resident-track"), {"number": number, "code": code})
        assert response.status_code == 404
        assert "未找到该案件，请核对案件编号和查询码" in response.content.decode()
    assert stranger.get(reverse("resident-case", args=[case.number])).status_code == 404


def test_lookups_are_rate_limited(client):
    for _ in range(20):
        client.post(reverse("resident-track"), {"number": "20260101000001", "code": "AAAAAA"})
    response = client.post(reverse("resident-track"), {"number": "20260101000001", "code": "A"})
    assert response.status_code == 429 and "操作过于频繁" in response.content.decode()


def test_the_resident_sees_no_staff_names_notes_or_contact(client):
    case = close(reported(client), note="内部备注：已联系供热公司张工")
    body = client.get(reverse("resident-case", args=[case.number])).content.decode()
    assert "已办结，请您评价" in body
    for label in ("上报", "受理", "派遣", "签收", "办结反馈", "核查通过"):
        assert label in body
    for secret in (
        user("village_op").full_name,
        user("grid_worker").full_name,
        "内部备注",
        "村站受理",
        "李女士",
        "13800001111",
        "1380000",
        "village_op",
    ):
        assert secret not in body


# -- rating ----------------------------------------------------------------------------------


def test_rating_only_when_closed_and_only_once(client):
    case = reported(client)
    url = reverse("resident-rate", args=[case.number])
    response = client.post(url, {"rating": "satisfied"})
    assert response.status_code == 400 and "暂不能评价" in response.content.decode()
    assert case.events.count() == 1
    case = close(case)
    events = case.events.count()
    page = client.get(reverse("resident-case", args=[case.number])).content.decode()
    assert "请您评价办理结果" in page and "基本满意" in page
    response = client.post(url, {"rating": "great"})
    assert response.status_code == 400 and case.events.count() == events
    response = client.post(url, {"rating": "basically_satisfied"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "rated" and case.rating == "basically_satisfied"
    last = case.events.order_by("-seq").first()
    assert last.action == "callback" and last.actor is None and last.payload["source"] == "resident"
    page = client.get(reverse("resident-case", args=[case.number])).content.decode()
    assert "感谢您的评价" in page and "请您评价办理结果" not in page
    response = client.post(url, {"rating": "unsatisfied"})
    assert response.status_code == 400 and case.events.count() == events + 1
    case.refresh_from_db()
    assert case.rating == "basically_satisfied"


def test_an_outsider_cannot_rate(client):
    case = close(reported(client))
    stranger = Client()
    response = stranger.post(reverse("resident-rate", args=[case.number]), {"rating": "satisfied"})
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).status == "closed"


# -- phone login and my reports --------------------------------------------------------------


def code_sent() -> str:
    return MemoryBackend.outbox[-1][1].split("是 ")[1][:6]


def log_in(client, phone: str = PHONE) -> Resident:
    response = client.post(reverse("resident-login"), {"step": "phone", "phone": phone})
    assert response.status_code == 200 and response.context["step"] == "code"
    response = client.post(
        reverse("resident-login"), {"step": "code", "phone": phone, "code": code_sent()}
    )
    assert response.status_code == 302 and response["Location"] == reverse("resident-mine")
    return Resident.objects.get(pk=client.session["resident_id"])


def test_phone_login_links_reports_and_lists_them(client):
    resident = log_in(client)
    assert resident.phone_masked == "139****5678"
    mine = reported(client)
    other = reported(Client())
    assert Case.objects.get(pk=mine.pk).resident == resident
    response = client.get(reverse("resident-mine"))
    body = response.content.decode()
    assert mine.number in body and other.number not in body and "139****5678" in body
    # Their own case opens without the code, even in a new session.
    again = Client()
    log_in(again)
    assert again.get(reverse("resident-case", args=[mine.number])).status_code == 200
    assert again.get(reverse("resident-case", args=[other.number])).status_code == 404
    again.post(reverse("resident-logout"))
    assert "resident_id" not in again.session
    assert again.get(reverse("resident-case", args=[mine.number])).status_code == 404


def test_login_errors(client):
    response = client.post(reverse("resident-login"), {"step": "phone", "phone": "123"})
    assert response.status_code == 400 and "请输入 11 位手机号码" in response.content.decode()
    assert MemoryBackend.outbox == []
    client.post(reverse("resident-login"), {"step": "phone", "phone": PHONE})
    response = client.post(
        reverse("resident-login"), {"step": "code", "phone": PHONE, "code": "000000"}
    )
    if code_sent() != "000000":
        assert response.status_code == 400 and "验证码不正确" in response.content.decode()
        assert "resident_id" not in client.session


def test_login_codes_are_rate_limited_per_phone(client):
    for _ in range(3):
        client.post(reverse("resident-login"), {"step": "phone", "phone": PHONE})
    response = client.post(reverse("resident-login"), {"step": "phone", "phone": PHONE})
    assert response.status_code == 429 and "操作过于频繁" in response.content.decode()
    assert len(MemoryBackend.outbox) == 3


def test_login_redirects_to_a_safe_next_only(client):
    client.post(reverse("resident-login"), {"step": "phone", "phone": PHONE})
    response = client.post(
        reverse("resident-login"),
        {"step": "code", "phone": PHONE, "code": code_sent(), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("resident-mine")


def test_a_resident_rating_is_recorded_as_the_callback_event(client):
    log_in(client)
    case = close(reported(client))
    client.post(reverse("resident-rate", args=[case.number]), {"rating": "satisfied"})
    assert CaseEvent.objects.filter(case=case, action="callback").count() == 1
