"""The assessment pages in a browser: the county operator's figures with the ECharts trend,
a numerator that opens a case list of the same count, the rankings, and the page at phone
width. Nothing leaves the server."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def listed_count(page) -> int:  # type: ignore[no-untyped-def]
    heading = page.locator("h1 small").inner_text()
    match = re.search(r"([\d,]+)", heading)
    assert match, heading
    return int(match.group(1).replace(",", ""))


def test_county_figures_rankings_and_their_case_lists(page, demo_server, shots, offline_guard):
    login(page, demo_server, "county_op")
    page.goto(f"{demo_server}/work/metrics/")
    page.wait_for_url(re.compile(r"/work/metrics/220283/$"))
    assert "舒兰市考核指标" in page.locator("h1").inner_text()
    page.wait_for_selector("#metrics-trend[data-ready='1'] canvas", timeout=20000)
    assert page.locator("#metrics-trend canvas").count() >= 1
    # sixteen figures, each with its value; the trend has twelve months
    assert page.locator("table.figures tbody tr").count() == 16
    received = page.locator("tr[data-figure='received'] a[data-part='numerator']")
    assert int(received.get_attribute("data-count") or 0) > 0
    assert page.locator("#children tbody tr").count() == 20  # the county's townships
    page.screenshot(path=str(shots / "metrics-county.png"), full_page=True)

    # a numerator opens the case list of exactly the counted cases
    closed = page.locator("tr[data-figure='close_rate'] a[data-part='numerator']")
    expected = int(closed.get_attribute("data-count") or 0)
    assert expected > 0
    closed.click()
    page.wait_for_url(re.compile(r"/work/cases/\?"))
    assert "closed=true" in page.url
    assert listed_count(page) == expected
    page.screenshot(path=str(shots / "metrics-numerator-list.png"))
    # the list exports what it shows
    assert page.locator("a.export[data-format='xlsx']").count() == 1
    page.go_back()
    page.wait_for_selector("#metrics-trend[data-ready='1'] canvas")

    # a previous month, then the rankings
    page.locator("a[rel='prev']").first.click()
    page.wait_for_selector("#metrics-trend[data-ready='1'] canvas")
    assert "period=" in page.url
    page.locator(".work-links a", has_text="排名").click()
    page.wait_for_selector("table.ranking")
    assert "各乡镇（街道）排名" in page.locator("#ranking h2").inner_text()
    assert page.locator("table.ranking tbody tr").count() == 20
    assert "办结率" in page.locator(".weights").inner_text()
    page.screenshot(path=str(shots / "metrics-rankings.png"), full_page=True)
    page.locator(".tabs a", has_text="网格员").click()
    page.wait_for_selector("table.ranking tbody tr")
    assert page.locator("table.ranking tbody tr").count() == 50
    assert page.locator(".pager").count() == 1
    page.screenshot(path=str(shots / "metrics-rankings-grid-workers.png"))

    # the figures page on a phone: no page-wide horizontal scrolling, the chart drawn
    page.set_viewport_size(PHONE)
    page.goto(f"{demo_server}/work/metrics/220283/")
    page.wait_for_selector("#metrics-trend[data-ready='1'] canvas")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    page.screenshot(path=str(shots / "metrics-county-phone.png"), full_page=True)
    assert offline_guard == []
