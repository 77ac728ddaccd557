"""The walk-in flow of the social governance centre (最多跑一地) in a real browser, on the demo
county: the village centre's operator sets up a committee with a mediator and a lawyer on duty at the
育才社区 centre; the reception window registers a legal question, which goes to the lawyer on
duty; the answer refers it to mediation, which opens the dispute; a mediation starts with the
mediator and a session is recorded. Nothing leaves the server."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser
VILLAGE = "220283001001"  # 育才社区
GRID_A = "220283001001001"
COMMITTEE = "育才社区浏览器测试人民调解委员会"


@pytest.fixture
def folder(shots):
    path = shots / "mediation"
    path.mkdir(exist_ok=True)
    return path


def submit(page: Any, scope: str) -> None:
    page.click(f"{scope} button[type=submit]")


def test_walk_in_flow_reception_lawyer_mediator_session(page, demo_server, folder, offline_guard):
    base = f"{demo_server}/work/mediation"
    login(page, demo_server, "village_op")  # the 育才社区 centre's operator

    # A committee of the village with a mediator (the grid worker's account).
    page.goto(f"{base}/committees/")
    page.click("#act-committee summary")
    page.select_option("#act-committee select[name=region]", VILLAGE)
    page.fill("#act-committee input[name=name]", COMMITTEE)
    page.check("#act-committee input[name=specialities][value=family]")
    submit(page, "#act-committee")
    page.wait_for_url(re.compile(r"/work/mediation/committees/\d+/$"))
    page.fill("input[name=name]", "周调解")
    page.select_option("select[name=kind]", "full_time")
    page.fill("input[name=phone]", "13911112222")
    page.fill("input[name=username]", "grid_worker")
    submit(page, ".acts")
    page.wait_for_selector("text=已添加调解员 周调解")
    assert "139****2222" in page.inner_text("main") and "13911112222" not in page.content()

    # A lawyer on duty at the village centre all day today.
    page.goto(f"{base}/legal/lawyers/")
    page.select_option("select[name=region]", VILLAGE)
    page.fill("input[name=name]", "钱律师")
    page.fill("input[name=firm]", "吉林舒兰浏览器律师事务所")
    page.fill("input[name=licence_no]", "12202201910777777")
    submit(page, ".acts")
    page.wait_for_selector("text=已添加值班律师 钱律师")
    page.goto(f"{base}/legal/rota/?region={VILLAGE}")
    page.select_option("select[name=lawyer]", label="钱律师（吉林舒兰浏览器律师事务所）")
    page.select_option("select[name=slot]", "day")
    submit(page, ".acts")
    page.wait_for_selector("text=已排班")
    assert "钱律师" in page.inner_text("table.calendar td.today")

    # Reception: a legal question goes to the lawyer on duty.
    page.goto(f"{base}/reception/")
    page.select_option("select[name=region]", VILLAGE)
    page.select_option("select[name=channel]", "walk_in")
    page.fill("input[name=requester_name]", "张桂兰")
    page.fill("input[name=phone]", "13712344321")
    page.select_option("select[name=topic]", "inheritance")
    page.fill("textarea[name=question]", "父母去世后留下的房子，兄妹怎么分？")
    page.screenshot(path=str(folder / "reception.png"), full_page=True)
    submit(page, "form[hx-post]")
    page.wait_for_url(re.compile(r"/work/mediation/legal/\d+/$"))
    lawyer = page.inner_text("#consultation-lawyer")
    assert "待分配" not in lawyer and lawyer.strip()
    assert "137****4321" in page.inner_text("main") and "13712344321" not in page.content()

    # The answer refers it to mediation: the dispute is opened and shown.
    page.fill("textarea[name=answer]", "属法定继承，可先申请人民调解。")
    page.select_option("select[name=referral]", "mediation")
    page.select_option("select[name=dispute_item]", "JF-002")
    page.select_option("select[name=dispute_grid]", GRID_A)
    submit(page, "form[hx-post]")
    page.wait_for_url(re.compile(r"/work/mediation/disputes/\d+/$"))
    assert "张桂兰" in page.inner_text("main") and "待调解" in page.inner_text("#dispute-state")

    # The mediation starts with the committee's mediator.
    page.select_option("#act-start select[name=committee]", label=COMMITTEE)
    page.select_option(
        "#act-start select[name=mediator]", label=f"{COMMITTEE} · 周调解（专职调解员）"
    )
    submit(page, "#act-start")
    page.wait_for_selector("text=已受理调解")
    assert "调解中" in page.inner_text("#dispute-state")
    assert "周调解" in page.inner_text("#mediations")

    # A session is recorded.
    page.fill("#act-session input[name=place]", "育才社区调解室")
    page.fill("#act-session textarea[name=participants]", "张桂兰、张建国、周调解")
    page.fill("#act-session textarea[name=minutes]", "双方陈述意见，同意继续协商。")
    page.fill("#act-session input[name=next_step]", "下周签订协议")
    submit(page, "#act-session")
    page.wait_for_selector("text=已记录调解会")
    sessions = page.inner_text("#mediations")
    assert "育才社区调解室" in sessions and "下周签订协议" in sessions
    page.screenshot(path=str(folder / "dispute.png"), full_page=True)

    assert offline_guard == []
