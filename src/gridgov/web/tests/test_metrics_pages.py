"""The assessment pages (考核): who sees which figures, the numbers equal ``figures.compute``
and every numerator opens a case list of exactly that many cases, periods and filters are read
safely, the rankings, the 以案定补 statement and the monthly report downloads."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.models import Department
from gridgov.accounts.services import assign_post
from gridgov.cases.selectors import CaseFilter
from gridgov.core.models import AuditEntry
from gridgov.metrics import rankings
from gridgov.metrics.figures import Scope, Span, compute
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
User = get_user_model()
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
OCTOBER = Span.month(2026, 10)
COUNTY = "220283"
TOWNSHIP = "220283001"
OTHER_TOWNSHIP = "220283002"
VILLAGE = "220283001001"
GRID = "220283001001001"
FIGURE_ROW = re.compile(r'<tr data-figure="(\w+)">(.*?)</tr>', re.S)
LINK = re.compile(r'<a href="([^"]+)" data-part="(\w+)" data-count="(\d+)">')


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    """400 simulated cases over the year to 2026-11-20 (rolled back after the module)."""
    from gridgov.demo.cases import generate_year_of_cases

    with django_db_blocker.unblock(), transaction.atomic():
        county = Region.objects.get(path=COUNTY)
        generate_year_of_cases(county=county, count=400, now=NOW, log=lambda *_: None)
        yield county
        transaction.set_rollback(True)


def as_user(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def city_department() -> Department:
    return Department.objects.get(short_name="城管局")


def shown(content: bytes) -> dict[str, dict[str, Any]]:
    """The figures table of a page: per figure its value text and its linked counts."""
    rows: dict[str, dict[str, Any]] = {}
    for key, body in FIGURE_ROW.findall(content.decode()):
        text = re.search(r'data-text="([^"]*)"', body)
        links = {part: (html.unescape(url), int(n)) for url, part, n in LINK.findall(body)}
        rows[key] = {"text": html.unescape(text.group(1)) if text else None, "links": links}
    return rows


def listed(client, url: str) -> int:
    """How many cases the workbench list behind ``url`` shows to the logged-in user."""
    response = client.get(url)
    assert response.status_code == 200, url
    return int(response.context["total"])


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    department = city_department()
    for url in (
        reverse("metrics"),
        reverse("metrics-region", args=[COUNTY]),
        reverse("metrics-rankings", args=[COUNTY]),
        reverse("metrics-subsidy", args=[COUNTY]),
        reverse("metrics-report", args=[COUNTY]) + "?format=xlsx",
        reverse("metrics-department", args=[department.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


def test_index_sends_each_user_to_their_own_figures(client):
    expected = {
        "county_op": reverse("metrics-region", args=[COUNTY]),
        "leader": reverse("metrics-region", args=[COUNTY]),
        "supervisor": reverse("metrics-region", args=[COUNTY]),
        "township_op": reverse("metrics-region", args=[TOWNSHIP]),
        "village_op": reverse("metrics-region", args=[VILLAGE]),
        "grid_worker": reverse("metrics-region", args=[GRID]),
        "dept_handler": reverse("metrics-department", args=[city_department().pk]),
    }
    for username, url in expected.items():
        response = as_user(client, username).get(reverse("metrics"))
        assert response.status_code == 302 and response["Location"] == url, username


def test_index_offers_a_choice_of_several_regions_and_refuses_none(client):
    two = staff("township_operator", region=Region.objects.get(path=TOWNSHIP))
    assign_post(
        user=two,
        role="township_operator",
        region=Region.objects.get(path=OTHER_TOWNSHIP),
        actor=None,
    )
    client.force_login(two)
    page = client.get(reverse("metrics"))
    assert page.status_code == 200
    for path in (TOWNSHIP, OTHER_TOWNSHIP):
        assert reverse("metrics-region", args=[path]) in page.content.decode()
    nobody = User.objects.create_user(username="nobody", password="x-Passw0rd-x")
    client.force_login(nobody)
    assert client.get(reverse("metrics")).status_code == 404


def test_nothing_outside_the_jurisdiction_is_reachable(client):
    outside = {
        "village_op": [COUNTY, TOWNSHIP, "220283001002"],
        "township_op": [COUNTY, OTHER_TOWNSHIP, OTHER_TOWNSHIP + "001"],
        "grid_worker": [VILLAGE, "220283001001002"],
        # a department handler may see the territory its department serves, but not its
        # figures: those would count other units' cases
        "dept_handler": [COUNTY, TOWNSHIP],
    }
    for username, paths in outside.items():
        c = as_user(client, username)
        for path in paths:
            for name in ("metrics-region", "metrics-rankings", "metrics-subsidy"):
                assert c.get(reverse(name, args=[path])).status_code == 404, (username, name, path)
            report = reverse("metrics-report", args=[path]) + "?format=xlsx&period=2026-10"
            assert c.get(report).status_code == 404, (username, path)
    c = as_user(client, "county_op")
    assert c.get(reverse("metrics-region", args=["110101"])).status_code == 404  # no such region
    assert c.get("/work/metrics/22x/").status_code == 404


def test_department_handler_sees_only_their_own_department(client, year):
    own = city_department()
    other = Department.objects.exclude(pk=own.pk).filter(is_active=True).first()
    c = as_user(client, "dept_handler")
    assert c.get(reverse("metrics-department", args=[other.pk])).status_code == 404
    response = c.get(reverse("metrics-department", args=[own.pk]) + "?period=2026-10")
    assert response.status_code == 200
    page = shown(response.content)
    expected = compute(Scope(department=own.pk), OCTOBER)
    assert expected[0].numerator > 0
    for value in expected:
        assert page[value.figure.key]["text"] == value.text, value.figure.key
        numerator = page[value.figure.key]["links"].get("numerator")
        if numerator is not None:
            assert numerator[1] == value.numerator
            assert f"department={own.pk}" in numerator[0]
    # what the handler sees in the case list behind the numbers is what was counted
    received = page["received"]["links"]["numerator"]
    assert listed(c, received[0]) == received[1]
    content = response.content.decode()
    for name in ("rankings", "subsidy", "report"):
        assert f"/{name}/" not in content  # no region-wide pages from a department's figures


# ---------------------------------------------------------------------------------------------
# The figures page
# ---------------------------------------------------------------------------------------------


def test_county_figures_equal_the_engine_and_link_to_as_many_cases(client, year):
    c = as_user(client, "county_op")
    response = c.get(reverse("metrics-region", args=[COUNTY]) + "?period=2026-10")
    assert response.status_code == 200
    content = response.content.decode()
    assert "舒兰市考核指标" in content and "2026年10月" in content and "2026年9月" in content
    page = shown(response.content)
    values = compute(Scope(region=COUNTY), OCTOBER)
    assert [v.figure.key for v in values] == list(page)
    for value in values:
        row = page[value.figure.key]
        assert row["text"] == value.text, value.figure.key
        if value.figure.kind != "hours":
            assert row["links"]["numerator"] == (value.numerator_url, value.numerator)
        if value.denominator is not None:
            assert row["links"]["denominator"] == (value.denominator_url, value.denominator)
        assert value.figure.description and str(value.figure.description) in content
    assert values[0].numerator > 10
    # the lists behind the numbers hold exactly the counted cases
    for key in ("received", "close_rate", "on_time_rate", "satisfaction_rate"):
        url, count = page[key]["links"]["numerator"]
        assert listed(c, url) == count, key
    url, count = page["close_rate"]["links"]["denominator"]
    assert listed(c, url) == count


def test_breakdowns_trend_and_links(client, year):
    c = as_user(client, "county_op")
    response = c.get(reverse("metrics-region", args=[COUNTY]) + "?period=2026-10")
    context = response.context
    townships = Region.objects.filter(parent__path=COUNTY, is_active=True)
    assert len(context["children"]) == townships.count() == 20
    total = sum(row.received for row in context["children"])
    assert total == compute(Scope(region=COUNTY), OCTOBER, compare=False)[0].numerator
    first = context["children"][0]
    assert first.url == reverse("metrics-region", args=[first.key]) + "?period=2026-10"
    assert sum(row.received for row in context["by_board"]) == total
    assert sum(row.received for row in context["by_channel"]) == total
    board_row = context["by_board"][0]
    assert f"board={board_row.key}" in board_row.url
    points = context["trend"]["points"]
    assert [p["key"] for p in points][-1] == "2026-10" and len(points) == 12
    assert points[-1]["received"] == total
    assert listed(c, points[-1]["closedUrl"]) == points[-1]["closed"]
    content = response.content.decode()
    assert 'id="metrics-trend-data"' in content and "vendor/echarts/echarts.min.js" in content
    assert "web/metrics.js" in content and "cdn" not in content.lower()
    for name in ("metrics-rankings", "metrics-subsidy", "metrics-report"):
        assert reverse(name, args=[COUNTY]) in content
    # a village: its grids, each a scope of its own
    response = as_user(client, "village_op").get(
        reverse("metrics-region", args=[VILLAGE]) + "?period=2026"
    )
    grids = response.context["children"]
    assert grids and all(len(row.key) == 15 for row in grids)
    assert (
        sum(r.received for r in grids)
        == compute(Scope(region=VILLAGE), Span.year(2026), compare=False)[0].numerator
    )


def test_board_and_channel_filters(client, year):
    c = as_user(client, "county_op")
    values = compute(Scope(region=COUNTY, board="JF", channel="hotline"), OCTOBER)
    response = c.get(
        reverse("metrics-region", args=[COUNTY]) + "?period=2026-10&board=JF&channel=hotline"
    )
    page = shown(response.content)
    assert page["received"]["links"]["numerator"][1] == values[0].numerator
    assert "board=JF" in page["received"]["links"]["numerator"][0]
    assert response.context["by"] == "item"  # a board chosen: broken down by its items
    response = c.get(reverse("metrics-region", args=[COUNTY]) + "?period=2026-10&board=NOPE")
    assert response.status_code == 200
    assert "板块“NOPE”不存在" in response.content.decode()
    assert response.context["filters"]["board"] == ""


@pytest.mark.parametrize(
    "query",
    [
        "period=2026-13",
        "period=junk",
        "period=2026-10-05..2026-10-01",
        "period=1990..2026",
        "period=1900",
        "period=2020-01-01..2026-01-01",
        "month=2026-99",
        "start=2026-10-01&end=nonsense",
        "period=%00",
    ],
)
def test_a_malformed_period_shows_this_month_with_a_notice(client, query):
    response = as_user(client, "county_op").get(
        reverse("metrics-region", args=[COUNTY]) + "?" + query
    )
    assert response.status_code == 200
    assert "无法识别" in response.content.decode()
    today = timezone.localdate()
    assert response.context["span"] == Span.month(today.year, today.month)


def test_period_forms(client):
    c = as_user(client, "county_op")
    url = reverse("metrics-region", args=[COUNTY])
    assert c.get(url + "?month=2026-10&period=2025").context["span"] == OCTOBER
    assert c.get(url + "?period=2025").context["span"] == Span.year(2025)
    span = c.get(url + "?start=2026-10-05&end=2026-10-20").context["span"]
    assert (span.start, span.end) == (dt.date(2026, 10, 5), dt.date(2026, 10, 20))
    response = c.get(url + "?period=2026-10-05..2026-10-20")
    assert "2026-10-05 至 2026-10-20" in response.content.decode()
    nav = c.get(url + "?period=2026-10").context["nav"]
    assert nav.previous == "period=2026-09" and nav.next == "period=2026-11"
    today = timezone.localdate()
    nav = c.get(url).context["nav"]
    assert nav.next is None  # no months in the future
    assert nav.this_year == f"period={today.year}"


def test_grid_page_counts_case_rows(client, year):
    response = as_user(client, "grid_worker").get(
        reverse("metrics-region", args=[GRID]) + "?period=2026"
    )
    assert response.status_code == 200
    page = shown(response.content)
    values = compute(Scope(region=GRID), Span.year(2026))
    assert page["received"]["text"] == values[0].text
    assert response.context["children"] == []


# ---------------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------------


def test_township_ranking(client, year):
    c = as_user(client, "county_op")
    response = c.get(reverse("metrics-rankings", args=[COUNTY]) + "?period=2026-10")
    assert response.status_code == 200
    content = response.content.decode()
    expected = rankings.rank("township", Region.objects.get(path=COUNTY), OCTOBER)
    lines = response.context["lines"]
    assert [line.row.key for line in lines] == [row.key for row in expected.rows]
    assert [line.row.score for line in lines] == [row.score for row in expected.rows]
    assert "各乡镇（街道）排名" in content and "综合得分" in content
    for name in ("办结率", "按期办结率", "返工率", "满意率"):
        assert name in content
    assert "越低越好" in content  # 返工率 counts as 100 − value
    top = lines[0]
    assert top.url.startswith(reverse("metrics-region", args=[top.row.key]))
    cell = top.cells[0]
    assert cell.value.numerator_url and listed(c, cell.value.numerator_url) == cell.value.numerator


def test_grid_worker_ranking_is_paginated_and_searchable(client, year):
    """Grid workers come from the field-work roster (ops) and show its figures: rates with
    their numerator / denominator, kilometres and counts, unlinked (no case list behind)."""
    from gridgov.ops import choices as oc
    from gridgov.ops.models import CheckIn, Patrol
    from gridgov.ops.tests.factories import make_worker

    workers = [
        make_worker(name=f"网格员{i:02d}", grid_path=GRID, with_user=False) for i in range(55)
    ]
    first = workers[0]
    grid = Region.objects.get(path=GRID)
    day = dt.date(2026, 10, 12)  # a Monday
    moment = dt.datetime(2026, 10, 12, 9, 0, tzinfo=TZ)
    CheckIn.objects.create(
        worker=first, grid=grid, region_path=GRID, kind="on", at=moment, day=day, accepted=True
    )
    Patrol.objects.create(
        worker=first,
        grid=grid,
        region_path=GRID,
        state=oc.PatrolState.STOPPED,
        started_at=moment,
        stopped_at=moment + dt.timedelta(hours=1),
        day=day,
        distance_m=1250,
        duration_s=3600,
    )
    c = as_user(client, "county_op")
    url = reverse("metrics-rankings", args=[COUNTY]) + "?period=2026-10&kind=grid_worker"
    response = c.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.num_pages == 2
    assert len(response.context["lines"]) == 50
    content = response.content.decode()
    for name in ("签到率", "巡查完成率", "巡查里程", "（公里）", "有效上报率", "被督办"):
        assert name in content, name
    top = response.context["lines"][0]
    assert top.row.key == first.pk  # the only one with a score
    assert top.row.get("patrol_km").text == "1.3" and top.row.get("patrols").text == "1"
    assert top.row.get("checkin_rate").text == "5.56%"  # 1 of 18 working days (国庆)
    cells = re.search(rf'<tr data-key="{first.pk}">(.*?)</tr>', content, re.S).group(1)
    assert 'data-figure="patrol_km">1.3</td>' in cells
    assert 'title="1 / 18">5.56%</span>' in cells
    assert 'data-figure="reported">0</td>' in cells
    assert 'data-figure="valid_report_rate">—</td>' in cells
    assert "<a href" not in cells  # the field-work figures have no case list
    second = c.get(url + "&page=2").context["lines"]
    assert len(second) == 5 and second[0].row.key != top.row.key
    found = c.get(url + "&q=网格员07").context["lines"]
    assert [line.row.label for line in found] == ["网格员07"]
    # grids: a ranking of their own
    response = c.get(reverse("metrics-rankings", args=[COUNTY]) + "?period=2026-10&kind=grid")
    assert response.status_code == 200 and response.context["ranking"].kind == "grid"
    lines = response.context["lines"]
    assert lines[0].row.key == GRID and lines[0].url.startswith(
        reverse("metrics-region", args=[GRID])
    )
    # a kind that is not offered here falls back to the first one, with a notice
    response = as_user(client, "village_op").get(
        reverse("metrics-rankings", args=[VILLAGE]) + "?kind=township"
    )
    assert response.status_code == 200 and response.context["kind"] == "department"
    assert "没有这种排名" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# 以案定补 and the monthly report
# ---------------------------------------------------------------------------------------------


def test_subsidy_page_and_downloads(client, year):
    from gridgov.metrics import subsidy

    c = as_user(client, "county_op")
    url = reverse("metrics-subsidy", args=[COUNTY])
    statement = subsidy.statement(Region.objects.get(path=COUNTY), Span.year(2026))
    response = c.get(url + "?period=2026")
    assert response.status_code == 200
    content = response.content.decode()
    assert statement.lines and statement.lines[0].name in content
    assert f"{statement.total:.2f}" in content
    line = statement.lines[0]
    assert line.url in html.unescape(content) and listed(c, line.url) == line.count
    before = AuditEntry.objects.filter(action="export_subsidy").count()
    csv_response = c.get(url + "?period=2026&format=csv")
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    body = csv_response.content
    assert body.startswith("\ufeff".encode()) and "序号,姓名,岗位" in body.decode("utf-8-sig")
    assert "attachment" in csv_response["Content-Disposition"]
    xlsx = c.get(url + "?period=2026&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    entries = AuditEntry.objects.filter(action="export_subsidy").order_by("pk")
    assert entries.count() == before + 2
    entry = entries.last()
    assert entry.object_id == str(Region.objects.get(path=COUNTY).pk)
    assert entry.changes["period"] == "2026" and entry.changes["format"] == "xlsx"
    assert entry.actor.username == "county_op"
    bad = c.get(url + "?period=2026&format=pdf")
    assert bad.status_code == 400 and "不支持的导出格式" in bad.content.decode()
    bad = c.get(url + "?period=nonsense&format=csv")
    assert bad.status_code == 400 and "无法识别" in bad.content.decode()


def test_report_downloads(client, year):
    c = as_user(client, "county_op")
    url = reverse("metrics-report", args=[COUNTY])
    response = c.get(url + "?period=2026-10&format=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    response = c.get(url + "?period=2026-10&format=pdf")
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"
    assert AuditEntry.objects.filter(action="export_report").count() == 2
    for query, message in (
        ("?period=2026-10&format=docx", "不支持的报告格式"),
        ("?period=2026-10", "不支持的报告格式"),
        ("?period=2026&format=pdf", "只能按月导出"),
        ("?period=bad&format=pdf", "无法识别"),
    ):
        response = c.get(url + query)
        assert response.status_code == 400 and message in response.content.decode(), query


def test_the_list_links_use_the_shared_filter():
    """The links on these pages are case-list URLs that ``CaseFilter.from_query`` reads back
    to the filter they were made from."""
    values = compute(Scope(region=COUNTY, board="JF"), OCTOBER, compare=False)
    for value in values:
        parts = urlsplit(value.numerator_url)
        assert parts.path == reverse("work-cases")
        back = CaseFilter.from_query(QueryDict(parts.query))
        assert back.region == COUNTY and back.board == "JF"
        assert back.created_from == OCTOBER.start and back.created_to == OCTOBER.end
