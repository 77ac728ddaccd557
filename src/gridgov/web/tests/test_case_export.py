"""Exports of the workbench case list: exactly the filtered list the user sees, in the fixed
columns, CSV with a BOM (streamed) or Excel, no reporter's contact, capped, audited."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from gridgov.cases.models import Case
from gridgov.cases.selectors import CaseFilter, cases
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import GRID_B, VILLAGE
from gridgov.cases.workflow import Action
from gridgov.core.models import AuditEntry
from gridgov.web import workbench

pytestmark = pytest.mark.django_db
User = get_user_model()
HEADER = [
    "案件编号",
    "标题",
    "板块",
    "事项",
    "渠道",
    "状态",
    "所在区划",
    "上报时间",
    "受理时间",
    "办结时间",
    "按期",
    "满意度",
    "牵头单位",
]
OTHER_VILLAGE_GRID = "220283001002001"
PHONE = "13804321234"


def as_user(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


@pytest.fixture
def three(report, people):
    """Two cases in the village operator's village (one accepted), one in another village."""
    waiting = report(title="路灯不亮", reporter_name="张大爷", reporter_phone=PHONE)
    accepted = report(title="井盖缺失", path=GRID_B, user=people.village_op)
    act(case=accepted, user=people.village_op, action=Action.ACCEPT)
    elsewhere = report(title="树木倒伏", path=OTHER_VILLAGE_GRID, user=people.township_op)
    return {"waiting": waiting, "accepted": accepted, "elsewhere": elsewhere}


def test_csv_has_the_columns_a_bom_and_the_visible_cases(client, three):
    c = as_user(client, "township_op")
    response = c.get(reverse("work-cases-export", args=["csv"]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment") and ".csv" in disposition
    rows = csv_rows(response)
    assert rows[0] == HEADER
    numbers = {row[0] for row in rows[1:]}
    assert numbers == {case.number for case in three.values()}
    by_number = {row[0]: row for row in rows[1:]}
    accepted = by_number[three["accepted"].number]
    assert accepted[1] == "井盖缺失" and accepted[4] == "网格员巡查" and accepted[5] == "待派遣"
    assert accepted[6] == Case.objects.get(pk=three["accepted"].pk).region.name
    assert accepted[7][:4] == "2026" and accepted[8]  # reported, accepted (local time)
    assert accepted[9] == ""  # not closed


def test_no_reporter_name_or_phone_in_either_format(client, three):
    c = as_user(client, "village_op")
    for fmt in ("csv", "xlsx"):
        response = c.get(reverse("work-cases-export", args=[fmt]))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig") if fmt == "csv" else str(xlsx_rows(response))
        assert PHONE not in text and "张大爷" not in text, fmt
        assert "滨河小区门口" not in text  # nor the description


def test_a_village_operator_exports_only_their_village(client, three):
    c = as_user(client, "village_op")
    rows = csv_rows(c.get(reverse("work-cases-export", args=["csv"])))
    numbers = {row[0] for row in rows[1:]}
    assert numbers == {three["waiting"].number, three["accepted"].number}
    for number in numbers:
        assert Case.objects.get(number=number).region_path.startswith(VILLAGE)
    # asking for another region by filter does not widen it
    rows = csv_rows(c.get(reverse("work-cases-export", args=["csv"]) + "?region=220283001002"))
    assert rows == [HEADER]


def test_the_export_follows_the_list_filter_and_sort(client, three):
    c = as_user(client, "township_op")
    query = "status=accepted"
    rows = csv_rows(c.get(reverse("work-cases-export", args=["csv"]) + "?" + query))
    assert [row[0] for row in rows[1:]] == [three["accepted"].number]
    query = "q=路灯&sort=created"
    listed = c.get(reverse("work-cases") + "?" + query).context["page"].object_list
    rows = csv_rows(c.get(reverse("work-cases-export", args=["csv"]) + "?" + query))
    assert [row[0] for row in rows[1:]] == [case.number for case in listed]
    expected = cases(User.objects.get(username="township_op"), CaseFilter(q="路灯")).count()
    assert len(rows) - 1 == expected
    page = c.get(reverse("work-cases") + "?" + query).content.decode()
    assert reverse("work-cases-export", args=["xlsx"]) + "?q=" in page  # the buttons keep it


def test_excel_export(client, three):
    c = as_user(client, "township_op")
    response = c.get(reverse("work-cases-export", args=["xlsx"]) + "?status=accepted")
    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert ".xlsx" in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == [three["accepted"].number]
    reported = rows[1][7]
    assert reported.year == 2026 and reported.tzinfo is None  # a date cell, in local time


def test_each_export_is_audited_with_its_query_and_rows(client, three):
    c = as_user(client, "township_op")
    before = AuditEntry.objects.filter(action="export_cases").count()
    response = c.get(reverse("work-cases-export", args=["csv"]) + "?status=submitted&page=3")
    csv_rows(response)
    c.get(reverse("work-cases-export", args=["xlsx"]))
    entries = AuditEntry.objects.filter(action="export_cases").order_by("pk")
    assert entries.count() == before + 2
    first, second = entries[before], entries[before + 1]
    assert first.actor.username == "township_op"
    assert first.changes == {"format": "csv", "query": "status=submitted", "rows": 2, "total": 2}
    assert second.changes["format"] == "xlsx" and second.changes["rows"] == 3


def test_a_list_over_the_limit_is_cut_with_a_note(client, three, monkeypatch):
    monkeypatch.setattr(workbench, "EXPORT_LIMIT", 2)
    c = as_user(client, "township_op")
    rows = csv_rows(c.get(reverse("work-cases-export", args=["csv"])))
    assert len(rows) == 1 + 2 + 1
    assert rows[-1][0].startswith("注：") and "共 3 件" in rows[-1][0]
    rows = xlsx_rows(c.get(reverse("work-cases-export", args=["xlsx"])))
    assert len(rows) == 1 + 2 + 1 and str(rows[-1][0]).startswith("注：")
    entry = AuditEntry.objects.filter(action="export_cases").order_by("pk").last()
    assert entry.changes["rows"] == 2 and entry.changes["total"] == 3
    page = c.get(reverse("work-cases")).content.decode()
    assert "导出只含前 2 件" in page


def test_text_that_looks_like_a_formula_stays_text(client, report):
    case = report(title='=HYPERLINK("http://example.com","点我")')
    c = as_user(client, "village_op")
    rows = csv_rows(c.get(reverse("work-cases-export", args=["csv"])))
    assert rows[1][0] == case.number and rows[1][1].startswith("'=")
    response = c.get(reverse("work-cases-export", args=["xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cell = book.active["B2"]
    assert cell.value == case.title and cell.data_type == "s"


def test_exports_need_a_login_and_a_known_format(client, three):
    response = client.get(reverse("work-cases-export", args=["csv"]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    c = as_user(client, "village_op")
    assert c.get("/work/cases/export.pdf", follow=True).status_code == 404  # (a case number)
    page = c.get(reverse("work-cases")).content.decode()
    assert "导出 Excel" in page and "导出 CSV" in page
