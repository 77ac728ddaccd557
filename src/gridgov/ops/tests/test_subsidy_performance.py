"""绩效补贴 on the 以案定补 statement: every worker on the region's roster with their monthly
score and performance pay (full × score ÷ 100 from the pass mark up), added to the line total;
people off the roster keep their dispute line without a score; only for a one-month period."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import VILLAGE
from gridgov.cases.workflow import Action
from gridgov.metrics import subsidy
from gridgov.metrics.figures import Span
from gridgov.ops import assessment
from gridgov.ops import choices as c
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, region
from gridgov.ops.tests.test_assessment import WORKING, at, check_in, make_plan, patrol, run

pytestmark = pytest.mark.django_db
NOVEMBER = Span.month(2026, 11)


@pytest.fixture
def month(report, people):
    """甲 scores 100 and led a simple dispute; 乙 scores 61.91; 丙 47.62 (below the pass
    mark); 丁 (part time, no account) has no score; the demo grid worker, off the roster, led an
    ordinary dispute."""
    op = people.village_op
    w1 = make_worker(name="甲")
    w2 = make_worker(name="乙")
    w3 = make_worker(name="丙", grid_path=GRID_B)
    w4 = make_worker(name="丁", grid_path=GRID_B, kind=c.WorkerKind.PART_TIME, with_user=False)
    make_plan(GRID_A, 1, c.PlanPeriod.WORKING_DAY, NOVEMBER.start)
    for day in WORKING:  # 甲: 21 / 21 days, 21 / 21 patrols
        check_in(w1, GRID_A, day)
        patrol(w1, GRID_A, day, 45, 900)
    for day in WORKING[:12]:  # 乙: 12 / 21 = 57.14 %
        check_in(w2, GRID_A, day)
    for day in WORKING[:14]:  # 乙: 14 / 21 = 66.67 %
        patrol(w2, GRID_A, day, 45, 900)
    for day in WORKING[:10]:  # 丙: 10 / 21 = 47.62 %; GRID_B has no plan
        check_in(w3, GRID_B, day)
    simple, ordinary = Item.objects.get(code="JF-001"), Item.objects.get(code="JF-002")
    case = report(at=at(5), user=w1.user, item_=simple, self_handle_result="当场调解")
    run(case, op, Action.VERIFY_PASS, at(5, 11))
    case = report(at=at(6), user=people.grid_worker, item_=ordinary, self_handle_result="调解成功")
    run(case, op, Action.VERIFY_PASS, at(6, 11))
    return SimpleNamespace(w1=w1, w2=w2, w3=w3, w4=w4, outsider=people.grid_worker)


def by_name(statement) -> dict[str, subsidy.Line]:
    return {line.name: line for line in statement.lines}


def test_scores_and_performance_pay_by_hand(month):
    scores = {r.key: r.score for r in assessment.rank_workers(region(VILLAGE), NOVEMBER).rows}
    assert scores[month.w1.pk] == Decimal("100.00")
    assert scores[month.w2.pk] == Decimal("61.91")  # (25 × 57.14 + 25 × 66.67) / 50 = 61.905
    assert scores[month.w3.pk] == Decimal("47.62")  # check-in rate alone
    assert scores[month.w4.pk] is None

    result = subsidy.statement(region(VILLAGE), NOVEMBER)
    lines = by_name(result)
    outsider = month.outsider.full_name or month.outsider.username
    assert set(lines) == {"甲", "乙", "丙", "丁", outsider}
    first = lines["甲"]
    assert (first.score, first.performance) == (Decimal("100.00"), Decimal("600.00"))
    assert first.case_amount == Decimal(50) and first.amount == Decimal("650.00")
    assert first.count == 1 and first.worker_id == month.w1.pk
    assert first.posts == f"{region(GRID_A).name}专职网格员"
    second = lines["乙"]
    assert second.performance == Decimal("371.46")  # 600 × 61.91 / 100
    assert second.count == 0 and second.amount == Decimal("371.46")
    assert lines["丙"].performance == Decimal("0.00")  # 47.62 < 60
    assert lines["丁"].score is None and lines["丁"].performance == Decimal("0.00")
    assert lines["丁"].user_id is None and lines["丁"].url == ""
    off = lines[outsider]
    assert off.score is None and off.performance is None and off.worker_id is None
    assert off.amount == Decimal(120)
    assert [line.name for line in result.lines][:3] == ["甲", "乙", outsider]
    assert result.totals.count == 2
    assert result.totals.performance == Decimal("971.46")
    assert result.total == Decimal("1141.46")  # 50 + 120 + 600 + 371.46
    assert "绩效补贴满分 600 元" in result.standard
    assert "合计（元）= 以案定补 + 绩效补贴" in result.rule and "60 分" in result.rule


def test_the_files_carry_the_new_columns(month):
    result = subsidy.statement(region(VILLAGE), NOVEMBER)
    rows = list(csv.reader(io.StringIO(subsidy.statement_csv(result))))
    assert rows[0][-4:] == ["考核得分", "绩效补贴（元）", "合计（件）", "合计（元）"]
    assert rows[1][1] == "甲"
    assert rows[1][-4:] == ["100.00", "600.00", "1", "650.00"]
    assert rows[2][1:3] == ["乙", f"{region(GRID_A).name}专职网格员"]
    assert rows[2][3:] == ["0", "0.00", "0", "0.00", "0", "0.00", "61.91", "371.46", "0", "371.46"]
    assert rows[3][-4:] == ["", "", "1", "120.00"]  # off the roster
    assert rows[-1][-4:] == ["", "971.46", "2", "1141.46"]
    sheet = load_workbook(io.BytesIO(subsidy.statement_xlsx(result))).active
    assert [cell.value for cell in sheet[4]] == list(subsidy.HEADER)
    score = sheet.cell(row=5, column=subsidy.SCORE_COLUMN)
    assert score.value == 100 and "¥" not in score.number_format
    performance = sheet.cell(row=6, column=subsidy.SCORE_COLUMN + 1)
    assert float(performance.value) == 371.46 and "¥" in performance.number_format


def test_only_a_whole_month_pays_performance(month):
    half = subsidy.statement(region(VILLAGE), Span.parse("2026-11-01..2026-11-15"))
    assert half.performance is None and half.totals.performance is None
    assert all(line.score is None and line.performance is None for line in half.lines)
    assert {line.name for line in half.lines} >= {"甲", "乙", "丙", "丁"}  # still listed
    assert "不是一个自然月" in half.rule
    assert half.total == Decimal(170)
    rows = list(csv.reader(io.StringIO(subsidy.statement_csv(half))))
    assert rows[-1][-4:] == ["", "", "2", "170.00"]
    whole = subsidy.statement(region(VILLAGE), Span.parse("2026-11-01..2026-11-30"))
    assert whole.total == Decimal("1141.46")


def test_custom_performance_pay_and_the_setting(month, settings):
    result = subsidy.statement(region(VILLAGE), NOVEMBER, performance="full=1000,pass=70")
    lines = by_name(result)
    assert lines["甲"].performance == Decimal("1000.00")
    assert lines["乙"].performance == Decimal("0.00")  # 61.91 < 70
    settings.GRIDGOV_WORKER_SUBSIDY = "full=100.5,pass=61.91"
    lines = by_name(subsidy.statement(region(VILLAGE), NOVEMBER))
    assert lines["乙"].performance == Decimal("62.22")  # 100.5 × 61.91 / 100 = 62.219…
    assert lines["甲"].performance == Decimal("100.50")


def test_the_page_shows_score_and_performance(month, client, people):
    client.force_login(people.village_op)
    response = client.get(reverse("metrics-subsidy", args=[VILLAGE]) + "?period=2026-11")
    assert response.status_code == 200
    content = response.content.decode()
    assert "考核得分" in content and "绩效补贴（元）" in content
    assert f'data-worker="{month.w2.pk}"' in content
    assert "371.46" in content and "1141.46" in content
    response = client.get(reverse("metrics-subsidy", args=[VILLAGE]) + "?period=2026")
    assert "不是一个自然月" in response.content.decode()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("full=600", "缺少 pass（合格分数线）"),
        ("pass=60", "缺少 full（满分补贴金额）"),
        ("full=-1,pass=60", "full（满分补贴金额） 不能为负数"),
        ("full=abc,pass=60", "full（满分补贴金额） 的值 'abc' 不是数字"),
        ("full=600,pass=101", "pass（合格分数线） 应在 0 到 100 分之间"),
        ("full=600,pass=NaN", "不是数字"),
        ("full=600.001,pass=60", "两位小数"),
        ("full=600,pass=60,bonus=5", "'bonus' 不是可设置的项目"),
        ("full 600,pass=60", "应写成 项目=数值"),
        ("full=600,full=700,pass=60", "写了两次"),
        ({"full": True, "pass": 60}, "不是数字"),
        (["full=600"], "应写成"),
    ],
)
def test_bad_performance_settings_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        subsidy.parse_performance(raw)


def test_performance_settings_parse():
    assert subsidy.parse_performance("full=600，pass=60") == subsidy.Performance(
        Decimal(600), Decimal(60)
    )
    assert subsidy.configured_performance() == subsidy.Performance(Decimal(600), Decimal(60))
    pay = subsidy.Performance(Decimal(600), Decimal(60))
    assert pay.amount(Decimal("59.99")) == 0 and pay.amount(Decimal(60)) == Decimal("360.00")
    assert pay.amount(None) == 0
