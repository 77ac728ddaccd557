"""矛盾纠纷排查 with 零报告: every grid of the campaign reports, nothing found or the disputes
found; a grid that reported nothing is told apart from a grid that did not report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.accounts.roles import Role
from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import GRID_A, GRID_B, TZ
from gridgov.mediation import selectors, services
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import ScreeningReport
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
VILLAGE = GRID_A[:12]
NOV = dt.date(2026, 11, 1)
DURING = dt.datetime(2026, 11, 10, 10, 0, tzinfo=TZ)


def region(path: str) -> Region:
    return Region.objects.get(path=path)


@pytest.fixture
def campaign(people):
    return services.create_campaign(
        actor=people.village_op,
        region=region(VILLAGE),
        title="2026年11月矛盾纠纷排查",
        starts_on=NOV,
        ends_on=dt.date(2026, 11, 20),
        due_on=dt.date(2026, 11, 25),
    )


@pytest.fixture
def found(report, people):
    case = report(item_=Item.objects.get(code="JF-001"), title="楼道堆物邻里纠纷")
    return services.register_dispute(
        actor=people.grid_worker, case=case, parties=[{"role": "applicant", "name": "甲"}]
    )


def test_nil_found_missing_and_pending(campaign, found, people):
    worker_b = people.grid_worker_of(GRID_B)
    services.report_screening(
        actor=people.grid_worker,
        campaign=campaign,
        grid=region(GRID_A),
        nil=False,
        disputes=[found],
        now=DURING,
    )
    nil = services.report_screening(
        actor=worker_b, campaign=campaign, grid=region(GRID_B), nil=True, now=DURING
    )
    assert nil.nil and not nil.late
    rows = selectors.screening(people.village_op, campaign, today=dt.date(2026, 11, 26))
    states = {row.grid.path: row.state for row in rows}
    assert states[GRID_A] == "found" and states[GRID_B] == "nil"
    others = [path for path in states if path not in (GRID_A, GRID_B)]
    assert others and all(states[p] == "missing" for p in others)  # past the due date
    summary = selectors.screening_summary(rows)
    assert summary == {
        "nil": 1,
        "found": 1,
        "missing": len(others),
        "pending": 0,
        "grids": len(states),
        "disputes": 1,
    }
    before_due = selectors.screening(people.village_op, campaign, today=dt.date(2026, 11, 25))
    assert {row.state for row in before_due if row.report is None} == {"pending"}
    # the grid worker sees the campaign of their village and only their own grid's row
    assert campaign in selectors.campaigns(people.grid_worker)
    assert [row.grid.path for row in selectors.screening(people.grid_worker, campaign)] == [GRID_A]


def test_a_late_report_is_kept_and_marked(campaign, people):
    late = services.report_screening(
        actor=people.grid_worker,
        campaign=campaign,
        grid=region(GRID_A),
        nil=True,
        now=dt.datetime(2026, 11, 27, 9, 0, tzinfo=TZ),
    )
    assert late.late
    with pytest.raises(MediationConflict):
        services.report_screening(
            actor=people.grid_worker, campaign=campaign, grid=region(GRID_A), nil=True, now=DURING
        )


def test_bad_reports_change_nothing(campaign, found, people):
    with pytest.raises(ValidationError) as info:
        services.report_screening(
            actor=people.grid_worker,
            campaign=campaign,
            grid=region(GRID_A),
            nil=True,
            disputes=[found],
            now=dt.datetime(2026, 10, 30, 9, 0, tzinfo=TZ),
        )
    assert set(info.value.message_dict) == {"nil", "disputes"}
    with pytest.raises(ValidationError) as info:
        services.report_screening(
            actor=people.grid_worker, campaign=campaign, grid=region(GRID_A), nil=False, now=DURING
        )
    assert set(info.value.message_dict) == {"disputes"}
    with pytest.raises(ValidationError) as info:  # grid A's dispute is not grid B's
        services.report_screening(
            actor=people.village_op,
            campaign=campaign,
            grid=region(GRID_B),
            nil=False,
            disputes=[found],
            now=DURING,
        )
    assert set(info.value.message_dict) == {"disputes"}
    with pytest.raises(Http404):  # grid A's worker does not see grid B
        services.report_screening(
            actor=people.grid_worker, campaign=campaign, grid=region(GRID_B), nil=True, now=DURING
        )
    leader = staff(Role.LEADER, region=region(VILLAGE[:6]))
    with pytest.raises(PermissionDenied):  # a leader reads, never reports
        services.report_screening(
            actor=leader, campaign=campaign, grid=region(GRID_A), nil=True, now=DURING
        )
    assert not ScreeningReport.objects.exists()


def test_campaign_checks(people):
    with pytest.raises(ValidationError) as info:
        services.create_campaign(
            actor=people.village_op,
            region=region(GRID_A),
            title="",
            starts_on=NOV,
            ends_on=NOV - dt.timedelta(days=1),
            due_on=NOV - dt.timedelta(days=2),
        )
    assert set(info.value.message_dict) == {"title", "region", "ends_on", "due_on"}
    with pytest.raises(PermissionDenied):
        services.create_campaign(
            actor=people.grid_worker,
            region=region(GRID_A),
            title="x",
            starts_on=NOV,
            ends_on=NOV,
        )
    made = services.create_campaign(
        actor=people.county_op,
        region=region(VILLAGE[:6]),
        title="全市排查",
        starts_on=NOV,
        ends_on=dt.date(2026, 11, 30),
    )
    assert made.due_on == dt.date(2026, 11, 30)  # the last day when no due date is given
