from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
PASSWORD = "Gridgov@2026"  # printed by `gridgov demo`


def login(page, base, username, password=PASSWORD):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_wrong_password_shows_a_chinese_message(page, demo_server):
    login(page, demo_server, "county_op", "wrong-password")
    assert "登录名或密码不正确" in page.inner_text(".error")


def test_grid_worker_logs_in_and_sees_only_their_grid_on_an_offline_map(page, demo_server):
    external = []
    page.on(
        "request",
        lambda r: (
            external.append(r.url)
            if not r.url.startswith(demo_server) and not r.url.startswith("data:")
            else None
        ),
    )
    login(page, demo_server, "grid_worker")
    page.wait_for_url(f"{demo_server}/")
    assert "网格员" in page.inner_text("main")
    page.click("text=辖区网格")
    page.wait_for_url(f"{demo_server}/regions/220283001001001/")
    page.wait_for_selector("#map path.leaflet-interactive")
    buildings = page.locator("table.table tbody tr").count()
    assert buildings >= 4  # the grid's buildings, listed and drawn as points
    assert page.locator("#map path.leaflet-interactive").count() == 1 + buildings
    assert page.locator(".crumbs a").count() == 0  # no ancestor outside its territory
    assert external == []


def test_county_operator_clicks_from_the_county_map_to_a_township(page, demo_server):
    login(page, demo_server, "county_op")
    page.goto(f"{demo_server}/regions/220283/")
    page.wait_for_selector("#map path.leaflet-interactive")
    assert page.locator("#map path.leaflet-interactive").count() == 20
    page.click("text=北城街道")
    page.wait_for_url(f"{demo_server}/regions/220283001/")
    page.wait_for_selector("#map path.leaflet-interactive")
    assert page.locator("#map path.leaflet-interactive").count() == 5
    assert "舒兰市" in page.inner_text(".crumbs")
