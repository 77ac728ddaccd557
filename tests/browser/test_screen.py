"""The big screen on a 1920×1080 wall: the leader's county, figures that lead to their lists,
the map with its regions and case points, one-click command from the feed, and drilling down
to a township. Nothing leaves the server."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser
WALL = {"width": 1920, "height": 1080}
CHARTS = ("places", "board", "channel", "solved", "daily", "monthly")


def open_screen(page, base: str, path: str = "/screen/") -> None:
    page.set_viewport_size(WALL)
    page.goto(f"{base}{path}")
    page.wait_for_selector("#map[data-ready='1']", timeout=30000)
    for name in CHARTS:
        page.wait_for_selector(f"#chart-{name}[data-ready='1'] canvas")
    page.wait_for_selector("#feed .feed-item")
    page.wait_for_timeout(900)  # let the charts finish their entry animation


def figure(page, key: str, period: str):  # type: ignore[no-untyped-def]
    return page.locator(f"a.fig[data-figure='{key}'][data-period='{period}']")


def test_leader_commands_from_the_county_screen(page, demo_server, shots, offline_guard):
    login(page, demo_server, "leader")
    open_screen(page, demo_server)
    assert page.url.endswith("/screen/220283/")
    assert "舒兰市" in page.locator("h1").inner_text()

    # Headline figures: a year of demo cases, and this month's.
    counts = {
        (key, period): int(figure(page, key, period).get_attribute("data-count") or 0)
        for key in ("received", "accepted", "closed", "on_time", "satisfaction")
        for period in ("month", "year")
    }
    assert all(n > 0 for n in counts.values()), counts
    assert counts[("received", "year")] > 10000
    assert counts[("closed", "year")] <= counts[("received", "year")]

    # The map: twenty townships shaded, their labels, and the open cases as points.
    assert page.get_attribute("#map", "data-regions") == "20"
    assert int(page.get_attribute("#map", "data-points") or 0) > 50
    assert page.locator("#map .region-label").count() >= 10
    assert page.locator("#map canvas").count() >= 1
    page.locator(".map-tools button[data-mode='share']").click()
    assert "超期占比" in page.locator("#map-legend").inner_text()
    page.locator(".map-tools button[data-mode='open']").click()
    page.screenshot(path=str(shots / "screen-county.png"))

    # One-click command: open a case from the feed and write an instruction.
    items = page.locator("#feed .feed-item")
    number = ""
    for index in range(items.count()):
        item = items.nth(index)
        item.click()
        page.wait_for_selector(
            f"#panel .case-panel[data-number='{item.get_attribute('data-number')}']"
        )
        if page.locator("#panel form[data-form='instruct']").count():
            number = item.get_attribute("data-number") or ""
            break
    assert number, "no open case in the feed"
    assert page.locator("#drawer").is_visible()
    note = "请乡镇中心今日内处置完毕，结果报指挥中心"
    page.fill("#panel form[data-form='instruct'] textarea[name='note']", note)
    page.locator("#panel form[data-form='instruct'] input[name='to']").first.check()
    page.click("#panel form[data-form='instruct'] button[type='submit']")
    page.wait_for_selector("#panel .ok")
    assert "批示已发出" in page.locator("#panel .ok").inner_text()
    assert note in page.locator("#panel .timeline").inner_text()
    page.screenshot(path=str(shots / "screen-command.png"))
    # An empty instruction is refused in the panel, field by field.
    page.fill("#panel form[data-form='instruct'] textarea[name='note']", "")
    page.click("#panel form[data-form='instruct'] button[type='submit']")
    page.wait_for_selector("#panel .field-error")
    page.click("#drawer .drawer-close")
    assert not page.locator("#drawer").is_visible()

    # Click a region: its people on duty, then drill down to its own screen.
    labels = page.locator("#map .region-label")
    opened = False
    for index in range(labels.count()):
        box = labels.nth(index).bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] + 6)
        page.wait_for_selector("#panel .duty, #panel .case-panel")
        if page.locator("#panel .duty").count():
            opened = True
            break
    assert opened
    assert page.locator("#panel .people li").count() >= 1
    assert "在岗力量" in page.locator("#panel").inner_text()
    page.click("#panel a.drill")
    page.wait_for_url(re.compile(r"/screen/220283\d{3}/$"))
    open_screen(page, demo_server, page.url.removeprefix(demo_server))
    assert int(page.get_attribute("#map", "data-regions") or 0) >= 3
    assert page.locator(".crumbs a").first.inner_text() == "舒兰市"
    page.screenshot(path=str(shots / "screen-township.png"))

    assert offline_guard == []


def test_a_figure_leads_to_the_list_it_counts(page, demo_server, offline_guard):
    login(page, demo_server, "leader")
    open_screen(page, demo_server)
    link = figure(page, "closed", "month")
    count = int(link.get_attribute("data-count") or 0)
    href = link.get_attribute("href") or ""
    assert count > 0 and href.startswith("/work/cases/?")
    with page.expect_navigation() as navigation:
        link.click()
    response = navigation.value
    assert response is not None and response.status == 200
    assert page.url == demo_server + href
    assert f"共 {count} 件" in page.content()
    assert offline_guard == []
