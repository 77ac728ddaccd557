"""Due times across the 2026 National Day holiday and its make-up working days (调休)."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.cases.context import forget_calendar
from gridgov.cases.models import CalendarOverride
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import TZ
from gridgov.cases.workflow import Action

pytestmark = pytest.mark.django_db


def at(month, day, hour, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def test_case_across_national_day(report, people):
    # Wed 30 Sep 16:00: 2 working hours to accept → 1.5 h that day, 0.5 h on Thu 8 Oct.
    case = report(at=at(9, 30, 16))
    assert case.due_at == at(10, 8, 9, 0)
    act(case=case, user=people.village_op, action=Action.ACCEPT, at=at(9, 30, 16, 10))
    act(
        case=case,
        user=people.village_op,
        action=Action.DISPATCH,
        at=at(9, 30, 16, 20),
        payload={"lead": {"kind": "user", "ref": str(people.grid_worker.pk)}},
    )
    act(case=case, user=people.grid_worker, action=Action.SIGN, at=at(9, 30, 16, 30))
    case.refresh_from_db()
    # 5 working days from Wed 30 Sep 16:30: the rest of 30 Sep, Thu 8, Fri 9, Sat 10 (a make-up
    # working day), Mon 12 — Sun 11 is off — and Tue 13 until 16:30.
    assert case.due_at == at(10, 13, 16, 30)
    # A National Day sign-for: dispatched on Fri 2 Oct (holiday) → counts from Thu 8 Oct.
    other = report(at=at(10, 2, 10))
    assert other.due_at == at(10, 8, 10, 30)


def test_make_up_working_day_counts(report):
    # Sat 10 Oct 2026 is a make-up working day: 2 working hours from 09:00 end at 11:00.
    case = report(at=at(10, 10, 9))
    assert case.due_at == at(10, 10, 11)
    # Sat 17 Oct is an ordinary Saturday: the clock starts on Mon 19 Oct at 08:30.
    case = report(at=at(10, 17, 9))
    assert case.due_at == at(10, 19, 10, 30)


def test_administrators_enter_a_newly_announced_year(report):
    # Suppose the State Council makes Mon 4 Jan 2027 a day off.
    CalendarOverride.objects.create(day=dt.date(2027, 1, 4), is_working_day=False, note="元旦调休")
    forget_calendar()
    try:
        case = report(at=at(1, 4, 9, year=2027))
        assert case.due_at == at(1, 5, 10, 30, year=2027)
        case = report(at=at(12, 28, 17, year=2027))  # a year the package only estimates
        assert case.due_at is not None
    finally:
        forget_calendar()
