"""Figures of field work: roster and grid coverage, training, check-in and plan coverage —
exact values on hand-built rows, jurisdiction, adding grids up into villages, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.metrics.figures import Span, ratio
from gridgov.ops import choices as c
from gridgov.ops import figures as f
from gridgov.ops.models import (
    Assignment,
    Course,
    DutyShift,
    Leave,
    PatrolPlan,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, region
from gridgov.ops.tests.test_selectors import (
    TOWNSHIP,
    TZ,
    VILLAGE,
    checkin,
    isolate_ops_rows,
    other_village,
    patrol,
)
from gridgov.ops.workdays import working_days
from gridgov.regions.models import Region
from gridgov.testing import staff

NOVEMBER = Span.month(2026, 11)
DAY = dt.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _isolated(db: Any) -> None:
    isolate_ops_rows()


def grids_of(path: str) -> list[tuple[str, str]]:
    return list(
        Region.objects.filter(level="grid", is_active=True, path__startswith=path)
        .order_by("path")
        .values_list("path", "name")
    )


def at(day: int, hour: int = 8, minute: int = 30) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ)


# -- roster and grid coverage -----------------------------------------------------------------


def roster(people: Any) -> tuple[Worker, Worker, Worker]:
    full = make_worker(name="甲")
    informant = make_worker(kind=c.WorkerKind.INFORMANT, with_user=False, name="乙", assign=False)
    Assignment.objects.create(
        worker=informant,
        grid=region(GRID_A),
        region_path=GRID_A,
        is_main=False,
        starts_on=dt.date(2026, 1, 1),
    )
    chief = make_worker(kind=c.WorkerKind.GRID_CHIEF, name="丙", assign=False)
    # a worker who left, and an ended main assignment of GRID_B: neither counts
    gone = make_worker(grid_path=GRID_B, with_user=False, name="丁")
    Worker.objects.filter(pk=gone.pk).update(state=c.WorkerState.LEFT)
    ended = make_worker(grid_path=GRID_B, with_user=False, name="戊")
    Assignment.objects.filter(worker=ended).update(ends_on=dt.date(2026, 10, 31))
    return full, informant, chief


def test_roster_summary_counts_kinds_accounts_and_uncovered_grids(people: Any) -> None:
    roster(people)
    grids = grids_of(VILLAGE)
    assert grids[0][0] == GRID_A and grids[1][0] == GRID_B

    summary = f.roster_summary(people.village_op, VILLAGE, DAY)
    by_kind = {row["kind"]: row for row in summary["by_kind"]}
    assert list(by_kind) == list(c.WorkerKind.values)
    assert (summary["workers"], summary["with_account"], summary["without_account"]) == (4, 2, 2)
    assert summary["unassigned"] == 2  # 丙 (never) and 戊 (ended)
    assert by_kind[c.WorkerKind.FULL_TIME] | {"label": ""} == {
        "kind": "full_time",
        "label": "",
        "workers": 2,
        "with_account": 1,
        "without_account": 1,
    }
    assert (
        by_kind[c.WorkerKind.INFORMANT]["workers"],
        by_kind[c.WorkerKind.INFORMANT]["with_account"],
    ) == (1, 0)
    assert (
        by_kind[c.WorkerKind.GRID_CHIEF]["workers"],
        by_kind[c.WorkerKind.GRID_CHIEF]["with_account"],
    ) == (1, 1)
    assert by_kind[c.WorkerKind.POLICE]["workers"] == 0
    assert summary["grids"] == len(grids)
    assert summary["covered"] == 1
    assert summary["uncovered_count"] == len(grids) - 1
    assert summary["uncovered"] == grids[1:]
    assert summary["coverage_rate"] == ratio(1, len(grids), "rate")

    # on 31 October 戊 still served GRID_B as main
    october = f.roster_summary(people.village_op, VILLAGE, dt.date(2026, 10, 31))
    assert (october["covered"], october["unassigned"]) == (2, 1)

    outsider = staff(Role.VILLAGE_OPERATOR, region=other_village())
    nothing = f.roster_summary(outsider, VILLAGE, DAY)
    assert (nothing["workers"], nothing["grids"], nothing["uncovered"]) == (0, 0, [])
    assert nothing["coverage_rate"] is None


def test_grid_coverage_rows_flags_and_villages(people: Any) -> None:
    roster(people)
    grids = grids_of(VILLAGE)
    rows = f.grid_coverage(people.village_op, VILLAGE, DAY)
    assert [(r.path, r.name) for r in rows] == grids
    a, b = rows[0], rows[1]
    assert (a.main, a.secondary, a.flagged) == (("甲",), ("乙",), False)
    assert (b.main, b.secondary, b.flagged) == ((), (), True)
    assert sum(r.flagged for r in rows) == len(grids) - 1

    township = f.grid_coverage(people.township_op, TOWNSHIP, DAY, level="village")
    mine = next(r for r in township if r.path == VILLAGE)
    assert (mine.name, mine.grids, mine.covered, mine.flagged) == (
        region(VILLAGE).name,
        len(grids),
        1,
        True,
    )
    assert mine.rate == ratio(1, len(grids), "rate")
    assert [r.path for r in township] == sorted({p[:12] for p, _n in grids_of(TOWNSHIP)})
    assert all(r.covered == 0 for r in township if r.path != VILLAGE)
    # by_child of grid rows is the same as the level argument
    assert f.by_child(f.grid_coverage(people.township_op, TOWNSHIP, DAY), 12) == township


# -- training ---------------------------------------------------------------------------------


def session(where: str, when: dt.datetime) -> TrainingSession:
    county = region("220283")
    course = Course.objects.create(name="网格员履职", region=county, region_path="220283")
    return TrainingSession.objects.create(
        course=course,
        region=region(where),
        region_path=where,
        starts_at=when,
        ends_at=when + dt.timedelta(hours=2),
    )


def attend(
    s: TrainingSession, w: Worker, status: str = "present", passed: bool | None = True
) -> None:
    TrainingAttendance.objects.create(
        session=s, worker=w, region_path=s.region_path, status=status, passed=passed
    )


def test_training_coverage_per_village_in_the_month_and_ever(people: Any) -> None:
    village_b = other_village()
    w1 = make_worker(name="甲")
    w2 = make_worker(name="乙")
    w3 = make_worker(name="丙")
    w4 = make_worker(grid_path=next(p for p, _n in grids_of(village_b.path)), name="丁")
    gone = make_worker(name="戊")
    Worker.objects.filter(pk=gone.pk).update(state=c.WorkerState.LEFT)
    november = session(VILLAGE, at(10, 9))
    october = session(TOWNSHIP, dt.datetime(2026, 10, 12, 9, tzinfo=TZ))
    attend(november, w1)  # present and passed
    attend(november, w2, passed=False)  # failed
    attend(november, w3, status="absent", passed=None)
    attend(october, w3)  # passed in October
    attend(november, w4, status="leave", passed=None)
    attend(november, gone)  # left: not counted

    rows = f.training_coverage(people.township_op, TOWNSHIP, NOVEMBER)
    by_path = {r.path: r for r in rows}
    mine = by_path[VILLAGE]
    assert (mine.workers, mine.trained, mine.rate) == (3, 1, Decimal("33.33"))
    assert (mine.trained_ever, mine.rate_ever, mine.sessions) == (2, Decimal("66.67"), 1)
    other = by_path[village_b.path]
    assert (other.workers, other.trained, other.rate, other.sessions) == (1, 0, Decimal("0.00"), 0)
    # every village of the township has a row; the township's own sessions were in October
    villages = Region.objects.filter(level="village", is_active=True, path__startswith=TOWNSHIP)
    assert set(by_path) == set(villages.values_list("path", flat=True))
    assert not any(r.own_level for r in rows)
    empty = next(r for r in rows if r.path not in (VILLAGE, village_b.path))
    assert (empty.workers, empty.rate, empty.rate_ever) == (0, None, None)

    ever = {r.path: r for r in f.training_coverage(people.township_op, TOWNSHIP, None)}
    assert (ever[VILLAGE].trained, ever[VILLAGE].rate, ever[VILLAGE].sessions) == (
        2,
        Decimal("66.67"),
        1,
    )
    own = ever[TOWNSHIP]  # the township's own row (本级): its October session
    assert (own.own_level, own.workers, own.sessions) == (True, 0, 1)
    assert own.name.startswith(region(TOWNSHIP).name)

    # at a village: one row; another village's operator sees no worker
    assert [
        (r.path, r.workers, r.trained)
        for r in f.training_coverage(people.village_op, VILLAGE, NOVEMBER)
    ] == [(VILLAGE, 3, 1)]
    outsider = staff(Role.VILLAGE_OPERATOR, region=village_b)
    assert [(r.workers, r.sessions) for r in f.training_coverage(outsider, VILLAGE, NOVEMBER)] == [
        (0, 0)
    ]
    assert f.training_coverage(people.village_op, "bad", NOVEMBER) == []


# -- check-in coverage ------------------------------------------------------------------------


def test_checkin_coverage_with_leave_and_duty_day(people: Any) -> None:
    assert len(working_days(NOVEMBER)) == 21  # no holiday in November 2026
    worker = make_worker(name="甲")
    informant = make_worker(kind=c.WorkerKind.INFORMANT, name="乙")  # not a daily kind
    Leave.objects.create(
        worker=worker,
        region_path=VILLAGE,
        kind=c.LeaveKind.SICK,
        starts_on=dt.date(2026, 11, 2),
        ends_on=dt.date(2026, 11, 3),
        approved_at=timezone.now(),
    )
    Leave.objects.create(  # not approved: does not reduce the expected days
        worker=worker,
        region_path=VILLAGE,
        kind=c.LeaveKind.PERSONAL,
        starts_on=dt.date(2026, 11, 9),
        ends_on=dt.date(2026, 11, 9),
    )
    DutyShift.objects.create(  # Saturday 7 November
        worker=worker, region=region(VILLAGE), region_path=VILLAGE, day=dt.date(2026, 11, 7)
    )
    checkin(worker, at(2))  # on leave: not an expected day
    checkin(worker, at(4))
    checkin(worker, at(4, 9))  # twice the same day counts once
    checkin(worker, at(4, 17), c.CheckInKind.OFF)
    checkin(worker, at(5))
    checkin(worker, at(6, 17), c.CheckInKind.OFF)  # 下班 only: no 上班 that day
    checkin(worker, at(6), accepted=False)  # refused: an anomaly
    checkin(worker, at(7))  # duty Saturday: counts
    checkin(worker, at(8))  # Sunday without duty: not expected
    checkin(worker, dt.datetime(2026, 10, 30, 8, tzinfo=TZ))  # before the span
    checkin(informant, at(4))
    checkin(informant, at(10), grid=GRID_B, accepted=False)
    # a worker with nothing special in a third grid: 21 expected days
    grid_c = grids_of(VILLAGE)[2][0]
    plain = make_worker(grid_path=grid_c, name="丙")
    for when in (at(2), at(3), at(3, 10), at(8)):  # 8 November is a Sunday
        checkin(plain, when, grid=grid_c)
    checkin(plain, at(4, 17), c.CheckInKind.OFF, grid=grid_c)

    rows = f.checkin_coverage(people.village_op, VILLAGE, NOVEMBER)
    assert [r.path for r in rows] == [p for p, _n in grids_of(VILLAGE)]
    a, b = rows[0], rows[1]
    # 21 working days − 2 leave days + 1 duty day = 20 expected; 4, 5, 7 November checked
    assert (a.workers, a.expected, a.checked, a.anomalies) == (1, 20, 3, 1)
    assert a.rate == Decimal("15.00")
    assert (b.workers, b.expected, b.checked, b.anomalies, b.rate) == (0, 0, 0, 1, None)
    third = rows[2]
    assert (third.workers, third.expected, third.checked, third.rate) == (1, 21, 2, Decimal("9.52"))

    village = f.checkin_coverage(people.township_op, TOWNSHIP, NOVEMBER, level="village")
    mine = next(r for r in village if r.path == VILLAGE)
    # 3 + 2 of 20 + 21 days
    assert (mine.workers, mine.expected, mine.checked, mine.anomalies, mine.rate) == (
        2,
        41,
        5,
        2,
        Decimal("12.20"),
    )
    assert mine.grids == len(grids_of(VILLAGE))

    outsider = staff(Role.VILLAGE_OPERATOR, region=other_village())
    assert f.checkin_coverage(outsider, VILLAGE, NOVEMBER) == []


def test_checkin_coverage_splits_a_worker_who_moved_grid(people: Any) -> None:
    worker = make_worker(hired_on=dt.date(2026, 11, 4))  # expected from Wednesday 4th
    Assignment.objects.filter(worker=worker).update(ends_on=dt.date(2026, 11, 15))
    Assignment.objects.create(
        worker=worker,
        grid=region(GRID_B),
        region_path=GRID_B,
        is_main=True,
        starts_on=dt.date(2026, 11, 16),
    )
    checkin(worker, at(13))
    checkin(worker, at(16), grid=GRID_B)
    checkin(worker, at(17), grid=GRID_B)
    rows = {r.path: r for r in f.checkin_coverage(people.village_op, VILLAGE, NOVEMBER)}
    # GRID_A: 4–6, 9–13 November = 8 working days; GRID_B: 16–20, 23–27, 30 = 11
    assert (rows[GRID_A].expected, rows[GRID_A].checked, rows[GRID_A].rate) == (
        8,
        1,
        Decimal("12.50"),
    )
    assert (rows[GRID_B].expected, rows[GRID_B].checked, rows[GRID_B].rate) == (
        11,
        2,
        Decimal("18.18"),
    )


# -- plan coverage ----------------------------------------------------------------------------


@pytest.fixture(params=["grouped", "rows"])
def counting(request: Any, monkeypatch: Any) -> str:
    """Plan coverage counts patrols in one grouped query, or from their rows when the plans
    differ too much: both give the same figures."""
    if request.param == "rows":
        monkeypatch.setattr(f, "MAX_WINDOW_COLUMNS", 0)
    return str(request.param)


def test_plan_coverage_counts_patrols_that_meet_the_plan(people: Any, counting: str) -> None:
    worker = make_worker()
    other = make_worker(grid_path=GRID_B)
    PatrolPlan.objects.create(  # every working day from 16 November: 11 patrols
        grid=region(GRID_A),
        region_path=GRID_A,
        times=1,
        period=c.PlanPeriod.WORKING_DAY,
        starts_on=dt.date(2026, 11, 16),
        min_minutes=30,
        min_distance_m=500,
    )
    PatrolPlan.objects.create(  # twice a week all month: 2 × 30 ÷ 7 = 8.57 → 9
        grid=region(GRID_B),
        region_path=GRID_B,
        times=2,
        period=c.PlanPeriod.WEEK,
        starts_on=dt.date(2026, 1, 1),
        min_minutes=20,
        min_distance_m=300,
    )
    stopped, closed = c.PatrolState.STOPPED, c.PatrolState.AUTO_CLOSED
    for day in (16, 17, 18):
        patrol(worker, at(day, 9), state=stopped)  # 40 min, 800 m
    patrol(worker, at(19, 9), state=stopped, minutes=10)  # too short
    patrol(worker, at(19, 14), state=stopped, metres=499)  # not far enough
    patrol(worker, at(20, 9), state=closed)  # closed by the sweep: counts
    patrol(worker, at(23, 9))  # still open: not counted
    patrol(worker, at(10, 9), state=stopped)  # before the plan
    for day in range(2, 12):  # ten patrols: more than planned
        patrol(other, at(day, 9), grid=GRID_B, state=stopped, minutes=20, metres=300)

    rows = {r.path: r for r in f.plan_coverage(people.village_op, VILLAGE, NOVEMBER)}
    a, b = rows[GRID_A], rows[GRID_B]
    assert (a.plans, a.planned, a.done, a.credited, a.rate) == (1, 11, 4, 4, Decimal("36.36"))
    assert (b.plans, b.planned, b.done, b.credited, b.rate) == (1, 9, 10, 9, Decimal("100.00"))
    third = rows[grids_of(VILLAGE)[2][0]]
    assert (third.has_plan, third.planned, third.rate) == (False, 0, None)

    village = f.plan_coverage(people.township_op, TOWNSHIP, NOVEMBER, level="village")
    mine = next(r for r in village if r.path == VILLAGE)
    # 4 + 9 credited of 11 + 9 planned
    assert (mine.plans, mine.planned, mine.done, mine.credited, mine.rate) == (
        2,
        20,
        14,
        13,
        Decimal("65.00"),
    )
    outsider = staff(Role.VILLAGE_OPERATOR, region=other_village())
    assert f.plan_coverage(outsider, VILLAGE, NOVEMBER) == []


def test_plan_change_in_the_month_sums_both_parts(people: Any, counting: str) -> None:
    worker = make_worker()
    PatrolPlan.objects.create(
        grid=region(GRID_A),
        region_path=GRID_A,
        times=1,
        period=c.PlanPeriod.WORKING_DAY,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 11, 13),
        min_minutes=60,
    )
    PatrolPlan.objects.create(  # from 14 November shorter patrols suffice
        grid=region(GRID_A),
        region_path=GRID_A,
        times=1,
        period=c.PlanPeriod.WORKING_DAY,
        starts_on=dt.date(2026, 11, 14),
        min_minutes=30,
    )
    patrol(worker, at(12, 9), state=c.PatrolState.STOPPED)  # 40 min under the 60-minute plan
    patrol(worker, at(16, 9), state=c.PatrolState.STOPPED)  # 40 min under the 30-minute plan
    row = f.plan_coverage(people.village_op, GRID_A, NOVEMBER)[0]
    # 2–13 November: 10 working days; 16–30: 11
    assert (row.plans, row.planned, row.done, row.rate) == (2, 21, 1, Decimal("4.76"))


# -- query counts -----------------------------------------------------------------------------


def test_figures_take_a_fixed_number_of_queries(
    people: Any, django_assert_max_num_queries: Any
) -> None:
    grids = [p for p, _n in grids_of(TOWNSHIP)][:8]
    for i, grid in enumerate(grids):
        worker = make_worker(grid_path=grid, with_user=False)
        PatrolPlan.objects.create(
            grid=region(grid), region_path=grid, starts_on=dt.date(2026, 1, 1)
        )
        for day in (2, 3, 4):
            checkin(worker, at(day), grid=grid)
            patrol(worker, at(day, 10), grid=grid, state=c.PatrolState.STOPPED)
        s = session(grid[:12], at(5 + i, 9))
        attend(s, worker)
    user = people.township_op
    f.checkin_coverage(user, TOWNSHIP, NOVEMBER)  # warm the calendar cache
    with django_assert_max_num_queries(5):
        f.roster_summary(user, TOWNSHIP, DAY)
    with django_assert_max_num_queries(4):
        f.grid_coverage(user, TOWNSHIP, DAY, level="village")
    with django_assert_max_num_queries(7):
        rows = f.training_coverage(user, TOWNSHIP, NOVEMBER)
    assert sum(r.trained for r in rows) == 8
    with django_assert_max_num_queries(8):
        checkin_rows = f.checkin_coverage(user, TOWNSHIP, NOVEMBER)
    assert sum(r.checked for r in checkin_rows) == 24
    with django_assert_max_num_queries(4):
        plan_rows = f.plan_coverage(user, TOWNSHIP, NOVEMBER)
    assert sum(r.done for r in plan_rows) == 24


def test_overlapping_plans_count_a_patrol_once(people: Any, counting: str) -> None:
    worker = make_worker()
    for starts_on in (dt.date(2026, 1, 1), dt.date(2026, 11, 14)):  # the older never ended
        PatrolPlan.objects.create(
            grid=region(GRID_A), region_path=GRID_A, starts_on=starts_on, min_minutes=30
        )
    patrol(worker, at(16, 9), state=c.PatrolState.STOPPED)
    patrol(worker, at(12, 9), state=c.PatrolState.STOPPED)
    row = f.plan_coverage(people.village_op, GRID_A, NOVEMBER)[0]
    # planned: 21 (the older plan, all month) + 11 (the newer); each patrol counted once
    assert (row.plans, row.planned, row.done) == (2, 32, 2)
