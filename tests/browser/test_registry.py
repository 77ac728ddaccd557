"""The register pages in a real browser: on the phone (网格通) a grid worker looks a person up,
reveals the phone with a reason and records a visit; at the workbench an operator searches the
people list, opens a person, reveals the ID number and sets a tag. Screenshots go to
artifacts/screenshots/registry-*.png.

The people are registered in the demo server's database through ``registry.services`` (a
short Python process pointed at the server's data folder), so the test does not depend on the
demo's own register data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import login
from tests.browser.test_mobile import PHONE, full_shot

pytestmark = pytest.mark.browser
GRID_A = "220283001001001"

# Runs inside the demo server's environment: registers two people (one in a room, with a care
# contract that is due) through the services, and prints their ids and clear values as JSON.
SETUP = r"""
import datetime as dt, json, random
import django
django.setup()
from django.utils import timezone
from gridgov.accounts.models import User
from gridgov.regions.models import Region
from gridgov.registry import services
from gridgov.registry.models import Room, Tag
from gridgov.registry.tag_data import load_default_tags
from gridgov.registry.validators import id_check_char

def make_id(birth, male):
    serial = random.randrange(100, 999) // 2 * 2 + (1 if male else 0)
    first17 = f"220283{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_char(first17)

load_default_tags()
worker = User.objects.get(username="grid_worker")
operator = User.objects.get(username="county_op")
building = Region.objects.filter(parent__path="GRID", level="building").order_by("path")[0]
room = Room.objects.filter(building=building, unit="9", number="901").first() or (
    services.create_room(actor=worker, values={"building": building.path, "unit": "9",
                                               "number": "901", "use": "home"}))
han_id = make_id(dt.date(1946, 11, 3), male=False)
han = services.create_person(actor=worker, values={
    "name": "韩淑珍", "id_number": han_id, "phone": "13904325678", "room": room.pk,
    "household_no": "2202830019901", "relation": "head", "residence_status": "together"})
care = Tag.objects.filter(group__kind="care", group__sensitive=False).order_by("order", "pk")[0]
services.set_tag(actor=worker, person_id=han.pk, tag=care.code, reason="独居老人，子女在外地")
services.create_care_contract(
    actor=worker, person_id=han.pk, carer_id=worker.pk, services="每周上门探望，代购药品",
    visit_every_days=7, starts_on=timezone.localdate() - dt.timedelta(days=9), tag=care.code)
meng_id = make_id(dt.date(1983, 6, 21), male=True)
meng = services.create_person(actor=operator, values={
    "name": "孟凡军", "id_number": meng_id, "phone": "13756781234", "region": building.path,
    "kind": "floating", "workplace": "舒兰市顺达物流"})
tag = Tag.objects.filter(code="volunteer").first() or Tag.objects.filter(
    group__sensitive=False).exclude(group__kind="care").order_by("group__order", "order")[0]
print(json.dumps({"han": han.pk, "han_id": han_id, "han_phone": "13904325678",
                  "meng": meng.pk, "meng_id": meng_id, "tag": tag.code, "tag_name": tag.name}))
"""


@pytest.fixture(scope="module")
def registered(demo_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    databases = sorted(tmp_path_factory.getbasetemp().glob("demo*/gridgov.sqlite3"))
    assert databases, "the demo server's data folder was not found"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(
        GRIDGOV_DATA_DIR=str(databases[-1].parent),
        GRIDGOV_DEMO="1",
        DJANGO_SETTINGS_MODULE="gridgov.settings",
    )
    done = subprocess.run(
        [sys.executable, "-c", SETUP.replace("GRID", GRID_A)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_grid_worker_looks_up_reveals_the_phone_and_records_a_visit(
    browser, demo_server, registered, shots
):
    context = browser.new_context(**PHONE)
    context.grant_permissions(["geolocation"], origin=demo_server)
    context.set_geolocation({"longitude": 126.9655, "latitude": 44.4098})
    leaks: list[str] = []
    context.on(
        "request",
        lambda r: (
            leaks.append(r.url) if not r.url.startswith((demo_server, "data:", "blob:")) else None
        ),
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        login(page, demo_server, "grid_worker")
        page.goto(f"{demo_server}/m/")
        page.click("a.tasks-link:has-text('人房信息')")
        page.wait_for_url(f"{demo_server}/m/registry/")
        assert int(page.inner_text("#care-due")) >= 1
        full_shot(page, shots / "registry-phone-home.png")

        # search by name → the person card (masked)
        page.fill("input[name=q]", "韩淑")
        page.click("form.search button[type=submit]")
        person = page.locator(f"a[href='/m/registry/people/{registered['han']}/']")
        person.click()
        page.wait_for_selector(".person-card")
        card = page.inner_text(".person-card")
        assert "韩淑珍" in card and "139****5678" in card
        assert str(registered["han_phone"]) not in page.content()
        assert str(registered["han_id"]) not in page.content()
        full_shot(page, shots / "registry-phone-person.png")

        # reveal the phone with a reason: the number and a call link, only in this response
        page.click(".reasons button:has-text('电话联系走访对象')")
        assert page.input_value("#reveal-reason") == "电话联系走访对象"
        page.click("#phone-box button[type=submit]")
        page.wait_for_selector("#phone-box [data-revealed]")
        assert page.inner_text("#phone-box [data-revealed]") == registered["han_phone"]
        assert page.locator(f"a[href='tel:{registered['han_phone']}']").count() == 1
        page.screenshot(path=str(shots / "registry-phone-reveal.png"))

        # record a care visit with the position
        page.click("summary:has-text('记录走访')")
        assert page.input_value("#id_kind") == "care"  # the only contract is chosen
        assert page.input_value("#id_contract") != ""
        page.select_option("#id_result", "normal")
        page.fill("#id_findings", "老人身体尚好，药品已代购，家中暖气正常。")
        page.click("#gps-btn")
        page.wait_for_selector("#gps-status:has-text('已附上位置')")
        full_shot(page, shots / "registry-phone-visit-form.png")
        page.click("#visit button[type=submit]:has-text('保存走访')")
        page.wait_for_selector(".flash:has-text('已记录对 韩淑珍 的走访')")
        assert "老人身体尚好" in page.inner_text("main")
        # after leaving the response the phone is masked again
        assert str(registered["han_phone"]) not in page.content()

        # the care list: the contract is no longer due
        page.goto(f"{demo_server}/m/registry/care/")
        page.wait_for_selector(".care-list")
        assert "韩淑珍" not in page.inner_text("ul.care-list.due")  # next visit in a week
        assert page.locator("details.later summary").count() == 1
        full_shot(page, shots / "registry-phone-care.png")
        assert leaks == []
    finally:
        context.close()


def test_operator_searches_opens_a_person_and_sets_a_tag(
    page, demo_server, registered, shots, offline_guard
):
    login(page, demo_server, "county_op")
    page.goto(f"{demo_server}/work/registry/")
    page.wait_for_selector(".reg-counts")
    page.screenshot(path=str(shots / "registry-home.png"))
    page.click("nav.reg-nav a:has-text('实有人口')")
    page.wait_for_selector("table.people")
    page.screenshot(path=str(shots / "registry-people-all.png"))
    page.fill("#id_q", "孟凡")
    page.select_option("#id_kind", "floating")
    page.click("#people-filter button[type=submit]")
    page.wait_for_selector("table.people")
    row = page.locator(f"table.people a[href='/work/registry/people/{registered['meng']}/']")
    assert row.count() == 1
    content = page.content()
    assert str(registered["meng_id"]) not in content and "137****1234" in content
    page.screenshot(path=str(shots / "registry-people.png"), full_page=True)

    row.click()
    page.wait_for_selector("dl.facts")
    # reveal the ID number through the small form (htmx): recorded, shown once
    page.click(f"#reveal-person-{registered['meng']}-id_number a.link-btn")
    page.fill(
        f"#reveal-person-{registered['meng']}-id_number input[name=reason]", "核对流动人口登记"
    )
    page.click(f"#reveal-person-{registered['meng']}-id_number button[type=submit]")
    page.wait_for_selector("[data-revealed]")
    assert page.inner_text("[data-revealed]") == registered["meng_id"]

    # set a tag with a reason
    page.click("summary:has-text('标注标签')")
    page.select_option("#act-tag select[name=tag]", str(registered["tag"]))
    page.fill("#act-tag textarea[name=reason]", "快递从业人员，报名参加社区志愿服务")
    page.click("#act-tag button[type=submit]")
    page.wait_for_selector(".messages li:has-text('已标注')")
    assert str(registered["tag_name"]) in page.inner_text("#tags")
    assert str(registered["meng_id"]) not in page.content()  # masked again after the reload
    page.screenshot(path=str(shots / "registry-person.png"), full_page=True)

    page.click("nav.subtabs a:has-text('历史记录')")
    page.wait_for_selector("table.changes")
    history = page.inner_text("main")
    assert "核对流动人口登记" in history and "快递从业人员" in history
    page.screenshot(path=str(shots / "registry-person-history.png"), full_page=True)

    # a person with a room, a care contract and a visit; the room; the organisations
    page.goto(f"{demo_server}/work/registry/people/{registered['han']}/")
    page.wait_for_selector("#contracts")
    assert "每周上门探望" in page.inner_text("#contracts")
    assert "139****5678" in page.inner_text("dl.facts")
    page.screenshot(path=str(shots / "registry-person-care.png"), full_page=True)
    page.click("dl.facts a:has-text('9单元901')")
    page.wait_for_selector("h2:has-text('住户')")
    assert "韩淑珍" in page.inner_text("main")
    page.screenshot(path=str(shots / "registry-room.png"), full_page=True)
    page.click("nav.reg-nav a:has-text('法人单位')")
    page.wait_for_selector("table.orgs")
    page.screenshot(path=str(shots / "registry-orgs.png"))
    assert offline_guard == []
