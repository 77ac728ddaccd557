"""以案定补: the statement counts the disputes closed in the month by the person who led them,
pays them by difficulty, links every count to exactly its cases and exports to Excel/CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

from gridgov.cases.models import Case, Item
from gridgov.cases.selectors import CaseFilter
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import COUNTY, GRID_A, GRID_B, T0, TOWNSHIP, TZ
from gridgov.cases.workflow import Action
from gridgov.metrics import subsidy
from gridgov.metrics.figures import Span
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
NOVEMBER = Span.month(2026, 11)


def run(case, user, action, at, **payload):
    act(case=case, user=user, action=action, payload=payload, at=at)
    case.refresh_from_db()
    return case


@pytest.fixture
def county():
    return Region.objects.get(path=COUNTY)


@pytest.fixture
def disputes(report, people):
    """Closed and open disputes of two grid workers (A: 3 simple-or-more, B: 1 simple and a
    reopened ordinary one), plus a case of another board and a dispute closed in October."""
    op = people.village_op
    a = people.grid_worker
    b = people.grid_worker_of(GRID_B)
    assert a != b
    jf = {code: Item.objects.get(code=code) for code in ("JF-001", "JF-002", "JF-003")}
    assert [jf[c].difficulty for c in sorted(jf)] == ["simple", "ordinary", "difficult"]

    def self_handled(worker, path, code, at):
        case = report(at=at, user=worker, path=path, item_=jf[code], self_handle_result="当场调解")
        return run(case, op, Action.VERIFY_PASS, at + H)

    cases = {}
    # A: two simple (one self-handled, one dispatched), one ordinary, one difficult
    cases["a_simple_self"] = self_handled(a, GRID_A, "JF-001", T0)
    case = report(at=T0 + H, item_=jf["JF-001"], title="邻居噪音纠纷")
    run(case, op, Action.ACCEPT, T0 + 1.1 * H)
    run(case, op, Action.DISPATCH, T0 + 1.2 * H, lead={"kind": "user", "ref": str(a.pk)})
    run(case, a, Action.SIGN, T0 + 1.3 * H)
    run(case, a, Action.HANDLE, T0 + 3 * H, result="双方达成和解")
    cases["a_simple_dispatched"] = run(case, op, Action.VERIFY_PASS, T0 + 4 * H)
    cases["a_ordinary"] = self_handled(a, GRID_A, "JF-002", T0 + 5 * H)
    cases["a_difficult"] = self_handled(a, GRID_A, "JF-003", T0 + 6 * H)
    # B: one simple; one ordinary closed, rated unsatisfied and reopened
    cases["b_simple"] = self_handled(b, GRID_B, "JF-001", T0 + 24 * H)
    case = self_handled(b, GRID_B, "JF-002", T0 + 25 * H)
    # an unsatisfied callback reopens the case (重办): it is no longer closed
    cases["b_reopened"] = run(
        case, op, Action.CALLBACK, T0 + 26 * H, reached=True, rating="unsatisfied"
    )
    # not counted: another board; a dispute closed in October; one still waiting
    cases["other_board"] = run(
        report(at=T0 + 2 * H, user=a, self_handle_result="已修好"),
        op,
        Action.VERIFY_PASS,
        T0 + 2.5 * H,
    )
    october = dt.datetime(2026, 10, 31, 22, 0, tzinfo=TZ)
    cases["october"] = self_handled(a, GRID_A, "JF-001", october)  # closed 23:00 on 31 Oct
    cases["open"] = report(at=T0 + 3 * H, item_=jf["JF-001"], user=b, path=GRID_B)
    return {"a": a, "b": b, "op": op, "cases": cases}


def listed(url: str) -> int:
    query = url.split("?", 1)[1]
    return CaseFilter.from_query(QueryDict(query)).apply(Case.objects.all()).count()


def counts(line: subsidy.Line) -> dict[str, int]:
    return {d: cell.count for d, cell in line.cells.items()}


def test_counts_and_amounts_with_the_default_amounts(disputes, county):
    result = subsidy.statement(county, NOVEMBER)
    a, b = disputes["a"], disputes["b"]
    assert result.amounts == {
        "simple": Decimal(50),
        "ordinary": Decimal(120),
        "difficult": Decimal(300),
    }
    assert [line.user_id for line in result.lines] == [a.pk, b.pk]  # larger total first
    first, second = result.lines
    assert counts(first) == {"simple": 2, "ordinary": 1, "difficult": 1}
    assert first.cells["simple"].amount == Decimal(100)
    assert first.cells["difficult"].amount == Decimal(300)
    assert first.count == 4 and first.amount == Decimal(520)
    assert first.name == (a.full_name or a.username)
    grid_a = Region.objects.get(path=GRID_A).name
    assert grid_a in first.posts
    assert counts(second) == {"simple": 1, "ordinary": 0, "difficult": 0}  # reopened: not yet
    assert second.amount == Decimal(50)
    assert counts(result.totals) == {"simple": 3, "ordinary": 1, "difficult": 1}
    assert result.totals.count == 5 and result.total == Decimal(570)
    assert result.title == "舒兰市 2026年11月 以案定补补贴发放表"
    assert "简单 50 元/件" in result.standard and "疑难 300 元/件" in result.standard


def test_every_count_links_to_exactly_its_cases(disputes, county):
    result = subsidy.statement(county, NOVEMBER)
    assert result.lines
    for line in result.lines:
        assert listed(line.url) == line.count
        for difficulty, cell in line.cells.items():
            assert f"difficulty={difficulty}" in cell.url and "board=JF" in cell.url
            assert listed(cell.url) == cell.count, (line.name, difficulty)
    assert CaseFilter.from_query(QueryDict("difficulty=simple")).difficulty == "simple"
    assert CaseFilter(difficulty="difficult").to_query() == "difficulty=difficult"


def test_custom_amounts(disputes, county):
    result = subsidy.statement(county, NOVEMBER, amounts="simple=10, ordinary=20.5, difficult=0")
    first, second = result.lines
    assert first.cells["ordinary"].amount == Decimal("20.50")
    assert first.amount == Decimal("40.50")  # 2 × 10 + 20.50 + 0
    assert second.amount == Decimal(10)
    assert result.total == Decimal("50.50")
    same = subsidy.statement(
        county, NOVEMBER, amounts={"simple": 10, "ordinary": "20.5", "difficult": 0}
    )
    assert same.total == result.total
    # equal totals are ordered by name
    zero = subsidy.statement(county, NOVEMBER, amounts="simple=0,ordinary=0,difficult=0")
    assert [line.name for line in zero.lines] == sorted(line.name for line in zero.lines)
    assert zero.total == 0


def test_the_amounts_come_from_the_setting(disputes, county, settings):
    settings.GRIDGOV_SUBSIDY = "simple=1,ordinary=2,difficult=3"
    assert subsidy.statement(county, NOVEMBER).total == Decimal(3 * 1 + 1 * 2 + 1 * 3)
    settings.GRIDGOV_SUBSIDY = "simple=1"
    with pytest.raises(ImproperlyConfigured, match="缺少"):
        subsidy.statement(county, NOVEMBER)


def test_a_reopened_dispute_counts_when_closed_again(disputes, county):
    case, b, op = disputes["cases"]["b_reopened"], disputes["b"], disputes["op"]
    assert case.closed_at is None
    december = dt.datetime(2026, 12, 3, 10, 0, tzinfo=TZ)
    run(case, b, Action.HANDLE, december, result="再次调解，双方签了协议")
    run(case, op, Action.VERIFY_PASS, december + H)
    november = subsidy.statement(county, NOVEMBER)
    assert counts(next(x for x in november.lines if x.user_id == b.pk))["ordinary"] == 0
    result = subsidy.statement(county, Span.month(2026, 12))
    assert [(x.user_id, counts(x)) for x in result.lines] == [
        (b.pk, {"simple": 0, "ordinary": 1, "difficult": 0})
    ]
    assert result.total == Decimal(120)
    assert listed(result.lines[0].cells["ordinary"].url) == 1


def test_other_boards_and_earlier_months_are_not_counted(disputes, county):
    result = subsidy.statement(county, NOVEMBER)
    assert result.totals.count == 5  # not the street-light case, nor the October dispute
    october = subsidy.statement(county, Span.month(2026, 10))
    assert [(x.user_id, counts(x)) for x in october.lines] == [
        (disputes["a"].pk, {"simple": 1, "ordinary": 0, "difficult": 0})
    ]
    # a township of the county gives the same; another township nothing
    assert subsidy.statement(Region.objects.get(path=TOWNSHIP), NOVEMBER).total == Decimal(570)
    other = Region.objects.filter(parent__path=COUNTY).exclude(path=TOWNSHIP).first()
    assert subsidy.statement(other, NOVEMBER).lines == []


def test_the_month_is_the_local_date_of_closure(disputes, county, report, people):
    a, op = disputes["a"], disputes["op"]
    late = dt.datetime(2026, 11, 30, 23, 30, tzinfo=TZ)
    case = report(
        at=late, item_=Item.objects.get(code="JF-001"), user=a, self_handle_result="当场调解"
    )
    run(case, op, Action.VERIFY_PASS, late + H)  # 00:30 on 1 December, Beijing time
    assert case.closed_at.astimezone(dt.UTC).date() == dt.date(2026, 11, 30)
    assert subsidy.statement(county, NOVEMBER).total == Decimal(570)
    december = subsidy.statement(county, Span.month(2026, 12))
    assert [(x.user_id, x.amount) for x in december.lines] == [(a.pk, Decimal(50))]


def test_an_empty_month_has_no_lines_and_total_zero(disputes, county):
    result = subsidy.statement(county, Span.month(2026, 9))
    assert result.lines == [] and result.total == 0 and result.totals.count == 0
    book = load_workbook(io.BytesIO(subsidy.statement_xlsx(result)))
    assert book.active["A1"].value == "舒兰市 2026年9月 以案定补补贴发放表"
    rows = list(csv.reader(io.StringIO(subsidy.statement_csv(result))))
    assert rows == [
        list(subsidy.HEADER),
        # no score on the totals line; September is one month, so performance pay is 0.00
        ["合计", "", "", "0", "0.00", "0", "0.00", "0", "0.00", "", "0.00", "0", "0.00"],
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("simple=50,ordinary=120", "缺少 difficult（疑难）"),
        ("simple=50,ordinary=120,difficult=-1", "不能为负数"),
        ("simple=50,ordinary=abc,difficult=300", "ordinary（一般）的金额 'abc' 不是数字"),
        ("simple=50,ordinary=120,difficult=NaN", "不是数字"),
        ("simple=50,ordinary=120,difficult=300,easy=10", "'easy' 不是难易程度"),
        ("simple 50,ordinary=120,difficult=300", "应写成 难易程度=金额"),
        ("simple=50,simple=60,ordinary=120,difficult=300", "写了两次"),
        ("simple=50.001,ordinary=120,difficult=300", "两位小数"),
        ({"simple": True, "ordinary": 1, "difficult": 1}, "不是数字"),
        (["simple=50"], "应写成"),
        ("", "缺少 simple（简单）、ordinary（一般）、difficult（疑难）"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        subsidy.parse_amounts(raw)


def test_amounts_parse():
    assert subsidy.parse_amounts("simple=50，ordinary=120.5, difficult=0") == {
        "simple": Decimal(50),
        "ordinary": Decimal("120.50"),
        "difficult": Decimal(0),
    }
    assert subsidy.configured_amounts() == subsidy.parse_amounts(subsidy.DEFAULT_AMOUNTS)


def test_the_workbook_opens_and_its_totals_are_the_sums(disputes, county):
    result = subsidy.statement(county, NOVEMBER)
    sheet = load_workbook(io.BytesIO(subsidy.statement_xlsx(result))).active
    assert sheet["A1"].value == "舒兰市 2026年11月 以案定补补贴发放表"
    assert "简单 50 元/件，一般 120 元/件，疑难 300 元/件" in sheet["A2"].value
    header = [cell.value for cell in sheet[4]]
    assert header == list(subsidy.HEADER)
    table = [list(row) for row in sheet.iter_rows(min_row=5)]
    totals_at = next(i for i, row in enumerate(table) if row[0].value == "合计")
    lines, totals = table[:totals_at], table[totals_at]
    assert [row[1].value for row in lines] == [line.name for line in result.lines]
    for column in range(3, len(subsidy.HEADER)):
        if column == subsidy.SCORE_COLUMN - 1:  # scores are not summed
            assert totals[column].value is None
            continue
        # off the roster the performance column is empty (None): it adds nothing
        in_lines = sum(row[column].value or 0 for row in lines)
        assert totals[column].value == in_lines, header[column]
    total = totals[len(subsidy.HEADER) - 1]
    assert total.value == 570 and "¥" in total.number_format
    assert lines[0][4].value == 100 and "¥" in lines[0][4].number_format  # 2 simple × ¥50
    after = [row[0].value for row in table[totals_at + 1 :] if row[0].value]
    assert after == [subsidy.SIGNATURES]
    assert "审核人" in subsidy.SIGNATURES and "经办人" in subsidy.SIGNATURES


def test_the_csv_has_the_same_rows(disputes, county):
    result = subsidy.statement(county, NOVEMBER)
    rows = list(csv.reader(io.StringIO(subsidy.statement_csv(result))))
    assert rows[0] == list(subsidy.HEADER)
    assert rows[1][:2] == ["1", result.lines[0].name]
    # not on the field-work roster: no score, no performance pay
    assert rows[1][3:] == ["2", "100.00", "1", "120.00", "1", "300.00", "", "", "4", "520.00"]
    assert rows[-1][0] == "合计" and rows[-1][-2:] == ["5", "570.00"]
