"""One case through every screen, as the articles describe it: a resident reports on the
portal, the village station accepts and dispatches on the workbench, a department handles it,
the grid worker verifies it on site on the phone, and the resident rates the result. No request
leaves the server, and each screen is photographed for the CI artefacts."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def grid_point(base: str, page) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """A point inside 育才社区第1网格 (the demo grid worker's grid), from the region API."""
    login(page, base, "village_op")
    body = page.evaluate("fetch('/api/v1/regions/220283001001001').then(r => r.json())")
    page.context.clear_cookies()
    return body["label_lng"], body["label_lat"]


def test_a_case_travels_through_every_screen(browser, demo_server, shots):
    def new_page(width: int = 1440, height: int = 900):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(20000)
        page.on(
            "request",
            lambda r: (
                leaks.append(r.url)
                if not r.url.startswith((demo_server, "data:", "blob:"))
                else None
            ),
        )
        return page

    leaks: list[str] = []
    base = demo_server

    # 1. A resident reports, anonymously, on the phone: 垃圾清运不及时 is a village matter.
    resident = new_page(375, 812)
    lng, lat = grid_point(base, resident)
    resident.goto(f"{base}/r/report/")
    resident.select_option("#board", label="城市管理")
    resident.select_option("#item", label="垃圾清运不及时")
    resident.fill(
        "#description", "育才社区滨河小区门口的垃圾箱已经三天没有清运，气味很大，请尽快处理。"
    )
    resident.evaluate(
        "([lng, lat]) => { document.getElementById('lng').value = lng;"
        " document.getElementById('lat').value = lat; }",
        [lng, lat],
    )
    resident.check("#anonymous")
    resident.click("button[type=submit]:has-text('提交')")
    resident.wait_for_url(f"{base}/r/report/done/")
    number = resident.inner_text("#case-number").strip()
    code = resident.inner_text("#lookup-code").strip()
    assert re.fullmatch(r"\d{14}", number)
    resident.screenshot(path=str(shots / "loop-1-resident-reported.png"), full_page=True)

    # 2. The village station accepts and dispatches to 城管局 on the workbench.
    office = new_page()
    login(office, base, "village_op")
    office.goto(f"{base}/work/?queue=accept")
    assert number in office.inner_text("main")
    office.click(f"text={number}")
    office.wait_for_url(f"{base}/work/cases/{number}/")
    office.click("summary:has-text('受理')")
    office.click("details[open] button[type=submit]")
    office.wait_for_url(f"{base}/work/cases/{number}/")
    assert "待派遣" in office.inner_text("main")
    office.click("summary:has-text('派遣')")
    value = office.eval_on_selector(
        "select[name='dispatch-lead']",
        "s => [...s.options].find(o => o.text.includes('城市管理行政执法局')).value",
    )
    office.select_option("select[name='dispatch-lead']", value=value)
    office.screenshot(path=str(shots / "loop-2-workbench-dispatch.png"), full_page=True)
    office.click("details[open] button[type=submit]")
    office.wait_for_url(f"{base}/work/cases/{number}/")
    assert "待签收" in office.inner_text("main")

    # 3. The department signs for it and reports it handled.
    department = new_page()
    login(department, base, "dept_handler")
    department.goto(f"{base}/work/?queue=sign")
    department.click(f"text={number}")
    department.click("summary:has-text('签收')")
    department.click("details[open] button[type=submit]")
    department.wait_for_url(f"{base}/work/cases/{number}/")
    department.click("summary:has-text('办结反馈')")
    department.fill(
        "textarea[name='handle-result']", "已安排环卫车辆清运，并增加该点位的清运频次。"
    )
    department.click("details[open] button[type=submit]")
    department.wait_for_url(f"{base}/work/cases/{number}/")
    assert "待核查" in department.inner_text("main")

    # 4. The grid worker verifies it on site, on the phone.
    worker = new_page(375, 812)
    login(worker, base, "grid_worker")
    worker.goto(f"{base}/m/tasks/")
    assert number in worker.content()
    worker.goto(f"{base}/m/cases/{number}/")
    worker.screenshot(path=str(shots / "loop-4-phone-verify.png"), full_page=True)
    worker.click("summary:has-text('核查通过')")
    worker.click("button:has-text('确认核查通过')")
    worker.wait_for_function("document.body.innerText.includes('已结案')")

    # 5. The resident looks it up and rates it.
    resident.goto(f"{base}/r/track/")
    resident.fill("#number", number)
    resident.fill("#code", code)
    resident.click("button:has-text('查询')")
    resident.wait_for_url(f"{base}/r/cases/{number}/")
    resident.check("input[name='rating'][value='satisfied']")
    resident.click("button:has-text('提交评价')")
    resident.wait_for_function("document.body.innerText.includes('满意')")
    resident.screenshot(path=str(shots / "loop-5-resident-rated.png"), full_page=True)

    # The timeline tells the whole story, and nothing left the server.
    office.goto(f"{base}/work/cases/{number}/")
    timeline = office.inner_text(".timeline")
    for step in ("上报", "受理", "派遣", "签收", "办结反馈", "核查通过", "回访"):
        assert step in timeline, step
    assert "已回访" in office.inner_text("main")
    office.screenshot(path=str(shots / "loop-6-workbench-timeline.png"), full_page=True)
    assert leaks == []
