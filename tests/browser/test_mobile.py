"""网格通 on a phone: the grid worker reports with a photo and a mocked GPS position, offline
(a draft in IndexedDB) and back online (sent), then verifies a handled case on site."""

from __future__ import annotations

import re
import struct
import zlib

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser
PASSWORD = "Gridgov@2026"
GRID_A = "220283001001001"
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def photo_png(width: int = 160, height: int = 120) -> bytes:
    """A small picture (a sky-to-grass gradient) for the camera input."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            grass = y > height * 0.6
            row += bytes((60 + x // 4, 150 if grass else 170 + y // 2, 70 if grass else 230))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def full_shot(page, path) -> None:
    """A whole-page screenshot: the bottom tab bar is laid out at the end of the page (fixed,
    it would be drawn across the middle of a full-page image)."""
    page.evaluate("window.scrollTo(0, 0)")
    style = page.add_style_tag(content=".m-tabs { position: static !important; }")
    page.screenshot(path=str(path), full_page=True)
    style.evaluate("el => el.remove()")


@pytest.fixture
def phone(browser, demo_server):
    """A phone of our own: 375×812, touch, geolocation allowed; every request that would leave
    the server is recorded (service worker requests included)."""
    context = browser.new_context(**PHONE)
    context.grant_permissions(["geolocation"], origin=demo_server)
    leaks: list[str] = []
    context.on(
        "request",
        lambda r: (
            leaks.append(r.url) if not r.url.startswith((demo_server, "data:", "blob:")) else None
        ),
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    yield context, page, leaks
    context.close()


def token(page, base: str, username: str) -> str:
    response = page.request.post(
        f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}
    )
    assert response.ok, response.text()
    return str(response.json()["token"])


def api(page, base: str, bearer: str, path: str, data: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {bearer}"}
    if data is None:
        response = page.request.get(f"{base}/api/v1{path}", headers=headers)
    else:
        response = page.request.post(f"{base}/api/v1{path}", headers=headers, data=data)
    assert response.ok, response.text()
    return response.json()


def test_grid_worker_reports_offline_and_the_draft_is_sent_when_back_online(
    phone, demo_server, shots
):
    context, page, leaks = phone
    login(page, demo_server, "grid_worker")
    # The mocked GPS puts the phone at the label point of the worker's grid.
    worker = token(page, demo_server, "grid_worker")
    grid = api(page, demo_server, worker, f"/regions/{GRID_A}")
    context.set_geolocation({"longitude": grid["label_lng"], "latitude": grid["label_lat"]})

    page.goto(f"{demo_server}/m/")
    page.wait_for_selector("#grid-map path.leaflet-interactive")
    assert "育才社区第1网格" in page.inner_text(".grid-card")
    assert page.locator("#grid-map path.leaflet-interactive").count() >= 5  # outline + buildings
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.screenshot(path=str(shots / "phone-home.png"))

    page.click("nav.m-tabs >> text=上报")
    page.wait_for_url(f"{demo_server}/m/report/")
    page.wait_for_selector("#loc-status:has-text('已定位')")
    page.select_option("#board", label="民生事项")
    page.select_option("#item", value="MS-008")
    page.fill("#title", "育才社区3号楼独居老人家中暖气不热")
    page.fill("#description", "独居的王奶奶反映暖气不热，室温约 14 度，老人行动不便，需上门查看。")
    page.set_input_files(
        "#photo", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": photo_png()}]
    )
    page.wait_for_selector("#photo-preview:not([hidden])")
    page.fill("#address", "育才社区3号楼2单元")
    full_shot(page, shots / "phone-report.png")

    # No network: the report is kept as a draft (with its photo) in IndexedDB.
    context.set_offline(True)
    page.wait_for_selector("#net:not([hidden])")
    page.click("#submit")
    page.wait_for_selector("#result:has-text('已保存为草稿')")
    assert page.locator("#draft-list li.draft").count() == 1
    assert "含照片" in page.inner_text("#draft-list")
    # The app shell opens offline from the service worker's cache.
    page.reload()
    page.wait_for_selector("#draft-list li.draft")
    assert page.locator("#report-form").count() == 1

    # Back online: the draft goes out by itself and the case number is shown.
    context.set_offline(False)
    page.wait_for_selector("#result .case-number", timeout=30000)
    number = page.inner_text("#result .case-number")
    assert re.fullmatch(r"\d{14}", number)
    assert "草稿已发送" in page.inner_text("#result")
    page.wait_for_selector("#draft-list li.muted")
    assert page.locator("#draft-list li.draft").count() == 0
    case = api(page, demo_server, worker, f"/cases/{number}")
    assert case["status"] == "submitted" and case["channel"] == "patrol"
    assert case["region"]["path"] == GRID_A and len(case["photos"]) == 1

    # The village station sends it to the city management bureau, which handles it.
    station = token(page, demo_server, "village_op")
    api(page, demo_server, station, f"/cases/{number}/accept", {})
    bureau = next(
        d for d in api(page, demo_server, station, "/departments") if d["short_name"] == "城管局"
    )
    lead = {"lead": {"kind": "department", "ref": str(bureau["id"])}}
    api(page, demo_server, station, f"/cases/{number}/dispatch", lead)
    handler = token(page, demo_server, "dept_handler")
    api(page, demo_server, handler, f"/cases/{number}/sign", {})
    api(page, demo_server, handler, f"/cases/{number}/handle", {"result": "已协调供热公司调试"})

    # The worker verifies it on site from the task list.
    page.click("nav.m-tabs >> text=待办")
    page.wait_for_url(f"{demo_server}/m/tasks/")
    item = page.locator(f"ul.cases a[href='/m/cases/{number}/']")
    assert item.count() == 1
    page.screenshot(path=str(shots / "phone-tasks.png"))
    item.click()
    page.wait_for_selector("#case-panel")
    page.screenshot(path=str(shots / "phone-case.png"))
    page.click("summary:has-text('核查通过')")
    page.click("button:has-text('确认核查通过')")
    page.wait_for_selector("#case-panel .flash:has-text('已核查通过')")
    assert "已结案" in page.inner_text("#case-panel .badge")
    assert api(page, demo_server, worker, f"/cases/{number}")["status"] == "closed"
    assert leaks == []


def test_a_village_operator_gets_a_friendly_page(phone, demo_server):
    _context, page, leaks = phone
    login(page, demo_server, "village_op")
    page.goto(f"{demo_server}/m/")
    assert "网格通仅供网格员使用" in page.inner_text("main")
    assert page.locator("a:has-text('前往工作台')").count() == 1
    assert leaks == []
