"""The party map (党建地图) and the big screen's party layer in a real browser, on the demo
county with its party data: markers styled by kind, a popup with the kind, the filters, and the
screen's switch that lays the party layer over the map. Nothing leaves the server."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser
KINDS = ("党委", "党工委", "党总支", "党支部", "党小组", "党群服务中心")
WALL = {"width": 1920, "height": 1080}


@pytest.fixture
def folder(shots):
    path = shots / "party"
    path.mkdir(exist_ok=True)
    return path


def markers(page) -> int:
    return int(page.get_attribute("#map", "data-markers") or 0)


def test_the_party_map_shows_organisations_and_opens_a_popup(
    page, demo_server, folder, offline_guard
):
    login(page, demo_server, "township_op")
    page.goto(f"{demo_server}/work/party/map/")
    page.wait_for_selector("#map[data-ready='1']", timeout=30000)
    assert "党建地图" in page.locator("h1").inner_text()
    shown = markers(page)
    drawn = page.locator("#map path.party-org").count() + page.locator(".party-centre").count()
    assert shown > 0 and drawn == shown
    assert int(page.get_attribute("#map", "data-regions") or 0) >= 3  # the communities
    coverage = page.locator("[data-figure='coverage']").inner_text()
    assert coverage.endswith("%") and float(coverage[:-1]) > 0
    page.screenshot(path=str(folder / "party-map-township.png"), full_page=True)

    # A marker opens a popup naming the organisation's kind.
    page.locator("#map path.party-org").last.click(force=True)
    popup = page.locator(".leaflet-popup .party-popup")
    popup.wait_for()
    assert popup.locator(".kind").inner_text().split(" ")[0].strip() in KINDS
    assert "书记" in popup.inner_text()
    page.screenshot(path=str(folder / "party-map-popup.png"))

    # Unchecking every organisation kind but the branches leaves fewer markers.
    page.locator(".leaflet-popup-close-button").click()
    for box in page.locator(".party-filters input[name=kind]").all():
        if box.get_attribute("value") != "branch":
            box.uncheck()
    # Every click fetches the layer again; wait for the answer to the last one.
    page.wait_for_function(
        """() => {
            const map = document.querySelector('#map');
            return map.dataset.ready === '1'
                && !document.querySelector('#map path.party-org:not(.kind-branch)');
        }""",
        timeout=30000,
    )
    branches = markers(page)
    assert 0 < branches < shown
    assert page.locator("#map path.party-org").count() == branches
    assert page.locator("#map path.party-org:not(.kind-branch)").count() == 0
    assert offline_guard == []


def test_the_screen_switches_the_party_layer_on_and_off(page, demo_server, folder, offline_guard):
    login(page, demo_server, "leader")
    page.set_viewport_size(WALL)
    page.goto(f"{demo_server}/screen/220283/")
    page.wait_for_selector("#map[data-ready='1']", timeout=30000)
    toggle = page.locator(".map-layers button[data-layer='party']")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert not page.locator("#party-summary").is_visible()
    toggle.click()
    page.wait_for_selector("#map[data-party='on']")
    assert toggle.get_attribute("aria-pressed") == "true"
    assert int(page.get_attribute("#map", "data-party-points") or 0) > 0
    summary = page.locator("#party-summary")
    assert summary.is_visible() and "党组织覆盖率" in summary.inner_text()
    page.wait_for_timeout(600)
    page.screenshot(path=str(folder / "party-screen-layer.png"))
    toggle.click()
    page.wait_for_selector("#map[data-party='off']")
    assert not summary.is_visible()
    assert offline_guard == []
