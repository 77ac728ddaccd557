"""以案定补 pays the mediator: a dispute mediated to an agreement (达成协议 / 部分达成) and closed
in the period pays the lead mediator of that mediation by its difficulty; the other closed
disputes pay the case's lead person as before; nothing is paid twice, and every cell links to
exactly its cases in the workbench list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from gridgov.cases.models import Case, Item
from gridgov.cases.selectors import CaseFilter
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import COUNTY
from gridgov.mediation import services
from gridgov.mediation.tests.fixtures import AGREEMENT, DAY, start
from gridgov.metrics import subsidy
from gridgov.metrics.figures import Span
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db


def dispute_of(report, people, code, title, actor=None):
    case = report(item_=Item.objects.get(code=code), title=title)
    return services.register_dispute(
        actor=actor or people.village_op,
        case=case,
        parties=[{"role": "applicant", "name": "甲"}, {"role": "respondent", "name": "乙"}],
    )


def verified(case, user):
    act(case=case, user=user, action="verify_pass")
    case.refresh_from_db()
    assert case.status == "closed"
    return case


@pytest.fixture
def month(report, people, room):
    """Five closed disputes: two mediated to an agreement by 王调解 (who has an account), one
    by 李调解 (no account) on a township case, one mediation failed (paid to the case's lead,
    王调解's account), one self-handled by the grid worker; and one agreed but not yet closed."""
    committee, wang, li = room
    cases = {}
    for key, code, state in (
        ("wang_ordinary", "JF-002", "agreed"),
        ("wang_simple", "JF-001", "partial"),
        ("failed_simple", "JF-001", "failed"),
    ):
        dispute = dispute_of(report, people, code, key)
        values: dict[str, Any] = (
            {"agreement": AGREEMENT} if state != "failed" else {"note": "分歧较大"}
        )
        services.close_mediation(
            actor=wang.user, mediation=start(dispute, room, people), state=state, **values
        )
        cases[key] = verified(dispute.case, people.village_op)
    dispute = dispute_of(report, people, "JF-003", "li_difficult", actor=people.township_op)
    mediation = services.start_mediation(
        actor=people.township_op, dispute=dispute, committee=committee, mediator=li, accepted_on=DAY
    )
    services.close_mediation(
        actor=people.village_op, mediation=mediation, state="agreed", agreement=AGREEMENT
    )
    cases["li_difficult"] = verified(dispute.case, people.township_op)
    self_handled = report(
        user=people.grid_worker,
        item_=Item.objects.get(code="JF-001"),
        self_handle_result="当场调解",
    )
    cases["worker_simple"] = verified(self_handled, people.village_op)
    waiting = dispute_of(report, people, "JF-001", "not_yet_closed")
    services.close_mediation(
        actor=wang.user, mediation=start(waiting, room, people), state="agreed", agreement=AGREEMENT
    )
    cases["not_closed"] = Case.objects.get(pk=waiting.case_id)
    today = timezone.localdate()
    return {"wang": wang, "li": li, "cases": cases, "span": Span.month(today.year, today.month)}


def listed(url: str) -> set[int]:
    query = url.split("?", 1)[1]
    return set(
        CaseFilter.from_query(QueryDict(query))
        .apply(Case.objects.all())
        .values_list("pk", flat=True)
    )


def test_agreed_disputes_pay_their_mediator_by_difficulty(month, people):
    result = subsidy.statement(Region.objects.get(path=COUNTY), month["span"])
    wang, li, cases = month["wang"], month["li"], month["cases"]
    by_mediator = {line.mediator_id: line for line in result.lines if line.mediator_id}
    by_user = {line.user_id: line for line in result.lines if line.user_id}
    assert set(by_mediator) == {wang.pk, li.pk}
    assert set(by_user) == {wang.user_id, people.grid_worker.pk}
    wang_line = by_mediator[wang.pk]
    assert wang_line.name == "王调解" and wang_line.user_id is None
    assert wang_line.posts == "育才社区人民调解委员会兼职调解员"
    assert {d: c.count for d, c in wang_line.cells.items()} == {
        "simple": 1,
        "ordinary": 1,
        "difficult": 0,
    }
    assert wang_line.amount == Decimal(170)  # 50 + 120
    li_line = by_mediator[li.pk]
    assert li_line.cells["difficult"].count == 1 and li_line.amount == Decimal(300)
    # the mediator's own account led all three of its disputes, but only the failed one is
    # paid to the person
    account = by_user[wang.user_id]
    assert {d: c.count for d, c in account.cells.items()} == {
        "simple": 1,
        "ordinary": 0,
        "difficult": 0,
    }
    assert by_user[people.grid_worker.pk].amount == Decimal(50)
    assert result.totals.count == 5 and result.total == Decimal(570)  # nothing twice
    assert cases["not_closed"].status == "handled"  # not closed: not paid
    assert "经调解达成协议" in result.rule
    csv_rows = subsidy.statement_csv(result)
    assert "王调解,育才社区人民调解委员会兼职调解员,1,50.00,1,120.00,0,0.00" in csv_rows


def test_each_cell_links_to_exactly_its_cases(month, people, client):
    result = subsidy.statement(Region.objects.get(path=COUNTY), month["span"])
    wang, li, cases = month["wang"], month["li"], month["cases"]
    pk = {key: case.pk for key, case in cases.items()}
    lines = {(line.mediator_id, line.user_id): line for line in result.lines}
    wang_line = lines[(wang.pk, None)]
    assert listed(wang_line.url) == {pk["wang_ordinary"], pk["wang_simple"]}
    assert listed(wang_line.cells["ordinary"].url) == {pk["wang_ordinary"]}
    assert listed(wang_line.cells["simple"].url) == {pk["wang_simple"]}
    assert listed(wang_line.cells["difficult"].url) == set()
    assert listed(lines[(li.pk, None)].cells["difficult"].url) == {pk["li_difficult"]}
    account = lines[(None, wang.user_id)]
    assert listed(account.url) == {pk["failed_simple"]}
    assert listed(account.cells["simple"].url) == {pk["failed_simple"]}
    assert "mediation_agreed=false" in account.url
    for line in result.lines:
        for cell in line.cells.values():
            assert len(listed(cell.url)) == cell.count
    # the workbench list itself honours the link
    client.force_login(people.county_op)
    page = client.get(wang_line.url).content.decode()
    numbers = {key: case.number for key, case in cases.items()}
    assert numbers["wang_ordinary"] in page and numbers["wang_simple"] in page
    for other in ("failed_simple", "li_difficult", "worker_simple", "not_closed"):
        assert numbers[other] not in page
