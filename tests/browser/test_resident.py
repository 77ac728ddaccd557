"""The resident portal on a phone: an anonymous report with a photo and a point picked on the
offline township map, then a lookup by number and code from a fresh session."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_mobile import full_shot, photo_png

pytestmark = pytest.mark.browser


def test_resident_reports_anonymously_and_looks_it_up(page, demo_server, shots, offline_guard):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{demo_server}/r/")
    assert "我要反映问题" in page.inner_text("main")
    page.click("text=我要反映问题")
    page.wait_for_url(f"{demo_server}/r/report/")
    page.wait_for_selector("#pick-map path.leaflet-interactive")
    assert page.locator("#pick-map path.leaflet-interactive").count() == 20  # the townships

    page.select_option("#board", label="城市管理")
    page.select_option("#item", label="路灯损坏")
    page.fill("#description", "滨河路与松江街交叉口三盏路灯连续三天不亮，晚上行人看不清路。")
    page.set_input_files(
        "#photos", files=[{"name": "light.png", "mimeType": "image/png", "buffer": photo_png()}]
    )
    assert page.inner_text("#photo-names") == "已选 1 张"
    # A point in the middle of 北城街道, picked on the map.
    box = page.locator("#pick-map path.leaflet-interactive").first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('lng').value !== ''")
    assert "已选位置" in page.inner_text("#loc-status")
    page.fill("#address", "滨河路与松江街交叉口")
    page.check("#anonymous")
    assert page.locator("#contact-box").is_hidden()
    full_shot(page, shots / "resident-report.png")
    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_url(f"{demo_server}/r/report/done/")
    number = page.inner_text("#case-number").strip()
    code = page.inner_text("#lookup-code").strip()
    assert re.fullmatch(r"\d{14}", number) and re.fullmatch(r"[0-9A-Z]{6}", code)

    # A fresh session: the number alone is not enough; with the code, the progress shows.
    page.context.clear_cookies()
    page.goto(f"{demo_server}/r/cases/{number}/")
    assert page.locator("#plain-status").count() == 0
    page.goto(f"{demo_server}/r/track/")
    page.fill("#number", number)
    page.fill("#code", "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    page.click("button:has-text('查询')")
    assert "未找到该案件" in page.inner_text(".error")
    page.fill("#code", code.lower())
    page.click("button:has-text('查询')")
    page.wait_for_url(f"{demo_server}/r/cases/{number}/")
    assert page.inner_text("#plain-status") == "已收到，等待受理"
    assert "上报" in page.inner_text(".timeline")
    page.screenshot(path=str(shots / "resident-track.png"))
    assert offline_guard == []
