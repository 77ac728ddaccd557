"""Working days of grid workers: the State Council calendar, duty and leave days, employment,
and how many patrols a plan asks for in a period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.metrics.figures import Span
from gridgov.ops import choices as c
from gridgov.ops.models import DutyShift, Leave, PatrolPlan
from gridgov.ops.tests.factories import GRID_A, make_worker, region
from gridgov.ops.workdays import planned_patrols, worker_days, working_days

pytestmark = pytest.mark.django_db
NOVEMBER = Span.month(2026, 11)
D = dt.date


def nov(*days: int) -> set[dt.date]:
    return {D(2026, 11, d) for d in days}


# November 2026 starts on a Sunday and has no public holiday: Monday to Friday, by hand
NOVEMBER_WORKING = nov(2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27, 30)


def test_november_has_21_working_days():
    assert len(NOVEMBER_WORKING) == 21
    assert working_days(NOVEMBER) == sorted(NOVEMBER_WORKING)


def test_october_follows_the_national_day_holiday_and_its_make_up_saturday():
    days = working_days(Span.month(2026, 10))
    assert D(2026, 10, 5) not in days  # a Monday inside the 1–7 October holiday
    assert D(2026, 10, 10) in days  # a Saturday worked in exchange (调休)
    assert days[0] == D(2026, 10, 8)
    assert len(days) == 18  # 8–9, 10 (Sat), 12–16, 19–23, 26–30


def leave(worker, first, last, *, approved=True, cancelled=False):
    return Leave.objects.create(
        worker=worker,
        region_path=worker.region_path,
        kind=c.LeaveKind.PERSONAL,
        starts_on=first,
        ends_on=last,
        approved_at=timezone.now() if approved else None,
        cancelled=cancelled,
    )


def duty(worker, day):
    grid = region(GRID_A)
    return DutyShift.objects.create(worker=worker, region=grid, region_path=grid.path, day=day)


def test_worker_days_add_duty_remove_approved_leave_and_clip_to_employment(
    django_assert_max_num_queries,
):
    plain = make_worker(name="甲")
    late = make_worker(name="乙", hired_on=D(2026, 11, 10))
    late.left_on = D(2026, 11, 27)
    late.save()
    duty(late, D(2026, 11, 14))  # Saturday on duty
    duty(late, D(2026, 11, 22))  # Sunday on duty
    duty(late, D(2026, 11, 7))  # before they were hired: not counted
    leave(late, D(2026, 11, 16), D(2026, 11, 18))  # approved: three days off
    leave(late, D(2026, 11, 19), D(2026, 11, 19), cancelled=True)  # cancelled: still expected
    leave(late, D(2026, 11, 20), D(2026, 11, 20), approved=False)  # pending: still expected
    leave(plain, D(2026, 10, 26), D(2026, 11, 3))  # reaches into the month: 2 and 3 off
    with django_assert_max_num_queries(5):
        days = worker_days([plain.pk, late.pk, plain.pk], NOVEMBER)
    assert days[plain.pk] == NOVEMBER_WORKING - nov(2, 3)
    # hired 10th, left 27th: 10–13, 16–20, 23–27 (14 days) + duty 14th and 22nd − leave 16–18
    expected = nov(10, 11, 12, 13, 14, 19, 20, 22, 23, 24, 25, 26, 27)
    assert days[late.pk] == expected and len(expected) == 13
    assert worker_days([], NOVEMBER) == {}


def plan(times, period, starts_on, ends_on=None):
    grid = region(GRID_A)
    return PatrolPlan(
        grid=grid,
        region_path=grid.path,
        times=times,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
    )


@pytest.mark.parametrize(
    ("times", "period", "starts_on", "ends_on", "span", "expected"),
    [
        # every working day: times × working days inside the plan's dates
        (1, "working_day", D(2026, 1, 1), None, NOVEMBER, 21),
        (2, "working_day", D(2026, 11, 16), None, NOVEMBER, 22),  # 16–30: 11 working days
        (1, "working_day", D(2026, 11, 1), D(2026, 11, 6), NOVEMBER, 5),
        (1, "working_day", D(2026, 12, 1), None, NOVEMBER, 0),  # not in force yet
        # weekly: times × days ÷ 7, rounded half up once
        (2, "week", D(2026, 1, 1), None, NOVEMBER, 9),  # 2 × 30 / 7 = 8.57
        (1, "week", D(2026, 11, 11), D(2026, 11, 20), NOVEMBER, 1),  # 10 / 7 = 1.43
        (3, "week", D(2026, 1, 1), None, Span(D(2026, 11, 2), D(2026, 11, 8)), 3),
        # monthly: times × (days in the span ÷ days of that month), rounded half up
        (4, "month", D(2026, 1, 1), None, NOVEMBER, 4),
        (1, "month", D(2026, 11, 16), None, NOVEMBER, 1),  # 15 / 30 = 0.5 → 1
        (1, "month", D(2026, 11, 17), None, NOVEMBER, 0),  # 14 / 30 = 0.47 → 0
        (3, "month", D(2026, 1, 1), None, Span(D(2026, 10, 17), D(2026, 11, 15)), 3),  # 2.95
    ],
)
def test_planned_patrols(times, period, starts_on, ends_on, span, expected):
    assert planned_patrols(plan(times, period, starts_on, ends_on), span) == expected


@pytest.fixture
def seventh_of_december(monkeypatch):
    """Today is Monday 7 December 2026: the month is in progress."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 12, 7))


def test_a_month_in_progress_expects_only_the_days_that_have_come(seventh_of_december):
    worker = make_worker(name="丙")
    december = Span.month(2026, 12)
    # 1 December is a Tuesday: 1–4 and 7 (today) have come, the other 18 working days not yet
    assert worker_days([worker.pk], december)[worker.pk] == {
        D(2026, 12, d) for d in (1, 2, 3, 4, 7)
    }
    assert planned_patrols(plan(1, "working_day", D(2026, 1, 1)), december) == 5
    assert planned_patrols(plan(7, "week", D(2026, 1, 1)), december) == 7  # 7 × 7 / 7
    january = Span.month(2027, 1)
    assert worker_days([worker.pk], january) == {}
    assert planned_patrols(plan(1, "working_day", D(2026, 1, 1)), january) == 0
