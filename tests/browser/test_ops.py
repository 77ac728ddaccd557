"""网格通 · 考勤巡查 in a real browser, on the demo county: the grid worker checks in with a
mocked GPS position inside the grid (accepted, green), from far away (refused with the
distance, red) and without a connection (kept on the phone, sent when it returns); starts a
patrol, the track is drawn as the points come and sent to the server, and stops it. The big
screen's layer of workers on duty switches on and off. Nothing leaves the server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser
GRID_A = "220283001001001"  # grid_worker's grid (育才社区第1网格)
PHONE = {"width": 390, "height": 844}
WALL = {"width": 1920, "height": 1080}


@pytest.fixture
def folder(shots):
    path = shots / "ops"
    path.mkdir(exist_ok=True)
    return path


def get(page, base: str, path: str) -> Any:
    """A GET of the JSON API with the page's session."""
    response = page.request.get(f"{base}/api/v1{path}")
    assert response.ok, response.text()
    return response.json()


def test_the_worker_checks_in_and_patrols(page, demo_server, folder, offline_guard):
    context = page.context
    context.grant_permissions(["geolocation"], origin=demo_server)
    page.set_viewport_size(PHONE)
    login(page, demo_server, "grid_worker")
    grid = get(page, demo_server, f"/regions/{GRID_A}")
    inside = {"longitude": grid["label_lng"], "latitude": grid["label_lat"], "accuracy": 15}
    far = {"longitude": grid["label_lng"], "latitude": grid["label_lat"] + 0.05, "accuracy": 15}
    context.set_geolocation(inside)

    # A patrol the demo left open for this worker is ended first (from its page).
    if get(page, demo_server, "/ops/me")["open_patrol"] is not None:
        page.goto(f"{demo_server}/m/ops/patrol/")
        page.wait_for_selector("#patrol-live:not([hidden])")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#patrol-stop")
        page.wait_for_selector("#patrol-none:not([hidden])")
    assert get(page, demo_server, "/ops/me")["open_patrol"] is None

    # The home page leads to the field work.
    page.goto(f"{demo_server}/m/")
    page.click("#ops-link")
    page.wait_for_url(f"{demo_server}/m/ops/")
    page.wait_for_load_state("networkidle")
    assert "育才社区第1网格" in page.inner_text(".ops-who")
    assert page.locator("#ops-map path.leaflet-interactive").count() >= 1

    # Inside the grid: accepted, green, with the grid.
    before = len(get(page, demo_server, "/ops/me")["checkins"])
    page.click("#check-on")
    result = page.locator("#checkin-result.ok")
    result.wait_for()
    assert "上班签到成功" in result.inner_text() and "育才社区第1网格" in result.inner_text()
    page.wait_for_selector("#status-on:has-text('✓')")
    page.screenshot(path=str(folder / "ops-checkin.png"))
    me = get(page, demo_server, "/ops/me")
    assert len(me["checkins"]) == before + 1
    assert me["checkins"][-1]["accepted"] and me["checkins"][-1]["kind"] == "on"

    # About 5.5 km north: refused, red, with the distance to the grid.
    context.set_geolocation(far)
    page.click("#check-off")
    refused = page.locator("#checkin-result.bad")
    refused.wait_for()
    text = refused.inner_text()
    assert "下班签退未成功" in text and "不在网格内：距网格边界约" in text and "米" in text
    page.wait_for_selector("#anomalies:not([hidden])")
    page.screenshot(path=str(folder / "ops-refused.png"))
    last = get(page, demo_server, "/ops/me")["checkins"][-1]
    assert not last["accepted"] and last["reason"] == "outside" and last["distance_m"] > 1000

    # Without a connection the check-in waits on the phone and goes out when it returns.
    context.set_geolocation(inside)
    context.set_offline(True)
    page.wait_for_selector("#net:not([hidden])")
    page.click("#check-off")
    page.wait_for_selector("#checkin-result.queued:has-text('已保存，联网后自动提交')")
    page.wait_for_selector("#queued-count:not([hidden])")
    context.set_offline(False)
    page.wait_for_selector("#checkin-result.ok:has-text('离线保存的下班签退已提交')", timeout=30000)
    page.wait_for_selector("#queued-count[hidden]", state="attached")
    last = get(page, demo_server, "/ops/me")["checkins"][-1]
    assert last["accepted"] and last["kind"] == "off"

    # A patrol: started where the worker stands, the track drawn as the points come.
    page.click("#patrol-start")
    page.wait_for_url(f"{demo_server}/m/ops/patrol/")
    page.wait_for_selector("#patrol-live:not([hidden])")
    page.wait_for_function("Number(document.getElementById('patrol-map').dataset.points) >= 2")
    assert page.locator("#patrol-map path.ops-point").count() >= 1
    assert page.locator("#patrol-map path.leaflet-interactive").count() >= 2  # outline + track
    page.wait_for_selector("#sync-state:has-text('已全部上传')")
    patrol = get(page, demo_server, "/ops/me")["open_patrol"]
    assert patrol is not None and patrol["point_count"] >= 2
    assert patrol["grid"]["path"] == GRID_A
    assert page.locator("a#patrol-report[href='/m/report/']").count() == 1
    page.wait_for_timeout(300)
    page.screenshot(path=str(folder / "ops-patrol.png"))

    # A reload finds the open patrol again.
    page.reload()
    page.wait_for_selector("#patrol-live:not([hidden])")
    page.wait_for_function("Number(document.getElementById('patrol-map').dataset.points) >= 2")

    # 结束巡查 with a note.
    page.fill("#patrol-note", "网格内一切正常")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#patrol-stop")
    page.wait_for_selector("#patrol-result.ok:has-text('巡查已结束')")
    page.wait_for_selector("#patrol-none:not([hidden])")
    assert get(page, demo_server, "/ops/me")["open_patrol"] is None
    stopped = get(page, demo_server, f"/ops/patrols/{patrol['id']}")
    assert stopped["state"] == "stopped" and stopped["note"] == "网格内一切正常"

    # The month's figures.
    page.goto(f"{demo_server}/m/ops/month/")
    page.wait_for_selector("#figures li[data-key]")
    assert page.locator("#figures li[data-key]").count() >= 5
    page.screenshot(path=str(folder / "ops-month.png"), full_page=True)
    assert offline_guard == []


def test_the_screen_switches_the_workers_layer_on_and_off(page, demo_server, folder, offline_guard):
    login(page, demo_server, "leader")
    page.set_viewport_size(WALL)
    page.goto(f"{demo_server}/screen/220283/")
    page.wait_for_selector("#map[data-ready='1']", timeout=30000)
    toggle = page.locator(".map-layers button[data-layer='workers']")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert not page.locator("#workers-legend").is_visible()
    toggle.click()
    page.wait_for_selector("#map[data-workers='on']")
    assert toggle.get_attribute("aria-pressed") == "true"
    shown = int(page.get_attribute("#map", "data-worker-points") or 0)
    assert shown > 0  # the demo keeps some workers on duty today
    legend = page.locator("#workers-legend")
    assert legend.is_visible() and "在岗网格员" in legend.inner_text()
    assert str(shown) in legend.locator("h3 b").inner_text()
    page.wait_for_timeout(600)
    page.screenshot(path=str(folder / "ops-screen-layer.png"))
    toggle.click()
    page.wait_for_selector("#map[data-workers='off']")
    assert not legend.is_visible()
    assert offline_guard == []
